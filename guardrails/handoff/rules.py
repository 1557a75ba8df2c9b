"""When a conversation goes to a person: the handoff rules as validated data.

The rules live in ``guardrails/handoff/rules.yml`` (or the file named by ``HANDOFF_RULES``).
Both the action server (which opens tickets) and the Rasa server (whose signal detector reads
the shopper's words) load them through :func:`load_rules`; a missing or malformed file is an
error at start, never a silent default.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from enum import Enum
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, Extra, Field, root_validator, validator

DEFAULT_RULES_PATH = Path(__file__).resolve().parent / "rules.yml"
_CLOCK = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


class Reason(str, Enum):
    """Why a conversation went to a person; stored on every ticket for analytics."""

    safety = "safety"
    legal_threat = "legal_threat"
    fraud_signal = "fraud_signal"
    claim_above_threshold = "claim_above_threshold"
    claim_refused = "claim_refused"
    strong_anger = "strong_anger"
    verification_locked = "verification_locked"
    backend_down = "backend_down"
    nlu_fallbacks = "nlu_fallbacks"
    asked_for_person = "asked_for_person"
    prompt_injection = "prompt_injection"


class Weekday(str, Enum):
    mon = "mon"
    tue = "tue"
    wed = "wed"
    thu = "thu"
    fri = "fri"
    sat = "sat"
    sun = "sun"


WEEKDAYS = list(Weekday)


class _Strict(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False


def _minutes(clock: str) -> int:
    match = _CLOCK.match(clock)
    if not match or (match.group(1) == "24" and match.group(2) != "00"):
        raise ValueError(f"not a HH:MM time: {clock!r}")
    return int(match.group(1)) * 60 + int(match.group(2))


class SupportHours(_Strict):
    """The hours people answer, in the merchant's own time zone."""

    timezone: str
    days: list[Weekday] = Field(min_items=1)
    opens: str
    closes: str

    @validator("timezone")
    def _known_zone(cls, value: str) -> str:  # noqa: N805 - pydantic validator
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @validator("opens", "closes")
    def _clock(cls, value: str) -> str:  # noqa: N805
        _minutes(value)
        return value

    @root_validator(skip_on_failure=True)
    def _opens_before_closing(cls, values: dict[str, object]) -> dict[str, object]:  # noqa: N805
        if _minutes(str(values["opens"])) >= _minutes(str(values["closes"])):
            raise ValueError("opens must be before closes")
        return values

    def is_open(self, now: dt.datetime) -> bool:
        """True when ``now`` (an aware datetime) falls inside the support hours."""
        local = now.astimezone(ZoneInfo(self.timezone))
        if WEEKDAYS[local.weekday()] not in self.days:
            return False
        minute = local.hour * 60 + local.minute
        return _minutes(self.opens) <= minute < _minutes(self.closes)

    def describe(self) -> str:
        """The hours as the shopper reads them: "mon-fri 09:00-18:00 (America/New_York)"."""
        days = ", ".join(d.value for d in self.days)
        return f"{days} {self.opens}-{self.closes} ({self.timezone})"


class Sentiment(_Strict):
    compound_at_most: float = Field(ge=-1.0, le=0.0)
    min_words: int = Field(ge=1)


class HandoffRules(_Strict):
    """Every rule that sends a conversation to a person, and how the queue ranks it."""

    priorities: dict[Reason, int]
    request_intents: list[str] = Field(min_items=1)
    nlu_fallbacks_in_a_row: int = Field(ge=1, le=10)
    injection_attempts_before_handoff: int = Field(ge=1, le=10)
    """Messages the injection rail refused in one session (this one included) before a person
    takes over; only counted while generative replies are on (``AFTERCARE_GENERATION``)."""
    sentiment: Sentiment
    safety_words: list[str] = Field(min_items=1)
    legal_words: list[str] = Field(min_items=1)
    support_hours: SupportHours
    minutes_per_ticket: int = Field(ge=1, le=120)

    @validator("priorities")
    def _every_reason_ranked(cls, value: dict[Reason, int]) -> dict[Reason, int]:  # noqa: N805
        missing = [r.value for r in Reason if r not in value]
        if missing:
            raise ValueError(f"no priority for: {', '.join(missing)}")
        return value

    @validator("safety_words", "legal_words", each_item=True)
    def _not_blank(cls, value: str) -> str:  # noqa: N805
        if not value.strip():
            raise ValueError("a word list entry must not be blank")
        return value.strip().lower()

    def priority(self, reason: Reason) -> int:
        return self.priorities[reason]


def parse_rules(path: Path) -> HandoffRules:
    """Read and validate a rules file; raises on any problem."""
    with path.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: the handoff rules must be a mapping")
    return HandoffRules.parse_obj(raw)


@cache
def load_rules(path: str | None = None) -> HandoffRules:
    """The rules named by ``HANDOFF_RULES`` (default: ``guardrails/handoff/rules.yml``)."""
    return parse_rules(Path(path or os.environ.get("HANDOFF_RULES") or DEFAULT_RULES_PATH))
