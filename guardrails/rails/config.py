"""The rails' order and tuning: ``rails.yml`` validated into pydantic models at start.

Each rail is a module ``guardrails.rails.<name>`` with a ``Settings`` model and a ``check``
function. The file lists which rails run, in which order, for input and for output, and each
rail's settings; an unknown rail, a typo in a key or a rail whose settings do not validate
raises :class:`RailsConfigError`: the generative layer does not start half-guarded.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Extra, ValidationError

from guardrails.rails.types import Context, Decision

CONFIG_ENV = "AFTERCARE_RAILS_CONFIG"
DEFAULT_CONFIG = Path(__file__).resolve().parent / "rails.yml"

Check = Callable[[str, Context, Any], Decision]


class RailsConfigError(RuntimeError):
    """The rails configuration is missing or invalid."""


class _Strict(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False


class _File(_Strict):
    input: list[str]
    output: list[str]
    settings: dict[str, dict[str, Any]] = {}


@dataclass(frozen=True)
class Rail:
    """One loaded rail: its name, its check and its validated settings."""

    name: str
    check: Check
    settings: BaseModel


@dataclass(frozen=True)
class RailsConfig:
    """The input and output pipelines, in order."""

    input: tuple[Rail, ...]
    output: tuple[Rail, ...]


def _load_rail(name: str, raw: dict[str, Any]) -> Rail:
    if not name.isidentifier():
        raise RailsConfigError(f"rail name {name!r} is not a module name")
    try:
        module = importlib.import_module(f"guardrails.rails.{name}")
    except ModuleNotFoundError as exc:
        raise RailsConfigError(f"unknown rail {name!r}") from exc
    try:
        settings = module.Settings.parse_obj(raw)
    except ValidationError as exc:
        raise RailsConfigError(f"settings of rail {name!r}: {exc}") from exc
    return Rail(name=name, check=module.check, settings=settings)


def parse_config(path: Path) -> RailsConfig:
    """Read and validate a rails file; raises :class:`RailsConfigError` on any problem."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        parsed = _File.parse_obj(raw)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise RailsConfigError(f"{path}: {exc}") from exc
    unused = set(parsed.settings) - set(parsed.input) - set(parsed.output)
    if unused:
        raise RailsConfigError(f"{path}: settings for rails that never run: {sorted(unused)}")
    loaded = {
        name: _load_rail(name, parsed.settings.get(name, {}))
        for name in dict.fromkeys([*parsed.input, *parsed.output])
    }
    return RailsConfig(
        input=tuple(loaded[n] for n in parsed.input),
        output=tuple(loaded[n] for n in parsed.output),
    )


@cache
def load_config(path: str | None = None) -> RailsConfig:
    """The rails named by ``AFTERCARE_RAILS_CONFIG``, else ``guardrails/rails/rails.yml``."""
    return parse_config(Path(path or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG))
