"""The scrubber's settings: a YAML file validated into pydantic models at start.

The pipeline fails closed: a missing file, a typo in a key, an unknown operator or recognizer,
or a keep pattern that does not compile raises :class:`PiiConfigError` before anything is
scrubbed, so the service never starts with a silent default.
"""

from __future__ import annotations

import os
import re
from enum import Enum
from pathlib import Path

import yaml
from pydantic import BaseModel, Extra, Field, ValidationError, validator

CONFIG_ENV = "AFTERCARE_PII_CONFIG"
DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "pii.yml"


class PiiConfigError(RuntimeError):
    """The PII configuration is missing or invalid; nothing may run unscrubbed."""


class Operator(str, Enum):
    """What replaces a personal value."""

    TAG = "tag"
    MASK = "mask"
    PSEUDONYM = "pseudonym"


class _Strict(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False


class EntityRule(_Strict):
    """How one entity type is replaced."""

    operator: Operator
    keep_last: int = Field(0, ge=0, le=8)
    """Characters left visible at the end by ``mask`` (a card's last four digits)."""

    @validator("keep_last")
    def _only_for_mask(cls, value: int, values: dict[str, object]) -> int:  # noqa: N805
        if value and values.get("operator") is not Operator.MASK:
            raise ValueError("keep_last only applies to operator: mask")
        return value


def _compiled(what: str, pattern: str) -> str:
    """``pattern`` if it compiles; a validation error naming it otherwise."""
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"{what} {pattern!r} does not compile: {exc}") from exc
    return pattern


class TrackerRules(_Strict):
    """What the tracker store and the event stream do beyond scrubbing text.

    Fail closed: every string of every event is scrubbed, every slot's value included. Only a
    slot named in ``keep_slots`` keeps its value as it is, and only while the value has one of
    the shapes named there; ``encrypt_slots`` are the values the dialogue needs verbatim in a
    later turn, stored encrypted.
    """

    key_env: str = Field(..., min_length=1)
    encrypt_slots: list[str] = []
    shapes: dict[str, str] = {}
    keep_slots: dict[str, list[str]] = {}
    personal_entities: dict[str, str] = {}
    drop_keys: list[str] = []

    @validator("shapes", each_item=True)
    def _shape_compiles(cls, value: str) -> str:  # noqa: N805
        return _compiled("shape", value)

    @validator("keep_slots")
    def _known_shapes(
        cls,  # noqa: N805
        value: dict[str, list[str]],
        values: dict[str, object],
    ) -> dict[str, list[str]]:
        shapes = values.get("shapes")
        known = {*(shapes if isinstance(shapes, dict) else {}), *DOMAIN_SHAPES}
        for slot, names in value.items():
            if not names:
                raise ValueError(f"keep_slots.{slot} names no shape: nothing would prove it safe")
            unknown = sorted(set(names) - known)
            if unknown:
                raise ValueError(f"keep_slots.{slot}: unknown shapes {unknown} (known: {known})")
        encrypted = values.get("encrypt_slots")
        both = set(value) & set(encrypted if isinstance(encrypted, list) else [])
        if both:
            raise ValueError(f"slots both kept and encrypted: {sorted(both)}")
        return value


DOMAIN_SHAPES = ("slot_name", "domain_value")
"""Shapes checked against the domain: a slot's name, or one of a categorical slot's values."""


KNOWN_RECOGNIZERS = (
    "email",
    "phone",
    "credit_card",
    "iban",
    "street_address",
    "international_address",
    "person",
    "name_list",
    "id_numbers",
)


class PiiConfig(_Strict):
    """The whole of ``guardrails/pii.yml``."""

    language: str = Field(..., min_length=2)
    spacy_model: str = Field(..., min_length=1)
    score_threshold: float = Field(..., ge=0.0, le=1.0)
    pseudonym_key_env: str = Field(..., min_length=1)
    entities: dict[str, EntityRule]
    recognizers: list[str]
    presidio_recognizers: list[str] = []
    keep: dict[str, str] = {}
    tracker: TrackerRules
    retention_days: int = Field(..., ge=1, le=3650)

    @validator("entities")
    def _some_entities(cls, value: dict[str, EntityRule]) -> dict[str, EntityRule]:  # noqa: N805
        if not value:
            raise ValueError("no entity types to scrub: the scrubber would remove nothing")
        return value

    @validator("recognizers", each_item=True)
    def _known_recognizer(cls, value: str) -> str:  # noqa: N805
        if value not in KNOWN_RECOGNIZERS:
            raise ValueError(f"unknown recognizer {value!r}; known: {', '.join(KNOWN_RECOGNIZERS)}")
        return value

    @validator("keep", each_item=True)
    def _compiles(cls, value: str) -> str:  # noqa: N805
        return _compiled("keep pattern", value)

    @property
    def uses_pseudonyms(self) -> bool:
        """True when some entity is replaced by a keyed pseudonym (a key is then required)."""
        return any(rule.operator is Operator.PSEUDONYM for rule in self.entities.values())


def config_path() -> Path:
    """The configured file: ``AFTERCARE_PII_CONFIG`` or ``guardrails/pii.yml``."""
    return Path(os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)


def load_config(path: Path | None = None) -> PiiConfig:
    """Read and validate the configuration; raise :class:`PiiConfigError` on any problem."""
    path = path or config_path()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PiiConfigError(f"PII config {path} cannot be read: {exc}") from exc
    except yaml.YAMLError as exc:
        raise PiiConfigError(f"PII config {path} is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise PiiConfigError(f"PII config {path} must be a mapping, got {type(raw).__name__}")
    try:
        return PiiConfig.parse_obj(raw)
    except ValidationError as exc:
        raise PiiConfigError(f"PII config {path} is invalid:\n{exc}") from exc
