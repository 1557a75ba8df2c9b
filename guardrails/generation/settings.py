"""The one switch for generative replies and where the model is, from the environment.

``AFTERCARE_GENERATION``: ``off`` (default) or ``on``. With it on, ``LLM_BASE_URL`` names an
OpenAI-compatible server (``.../v1``); the stack starts the embedded SmolLM2 server there when
it points at localhost. ``LLM_BASE_URL=none`` means no model: policy and FAQ answers are then
extracts of the merchant's own text and nothing is rephrased. Bad values fail at start.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

SWITCH_ENV = "AFTERCARE_GENERATION"
NO_MODEL = "none"
DEFAULT_BASE_URL = "http://127.0.0.1:8089/v1"
DEFAULT_MODEL = "smollm2-135m-instruct"


class GenerationSettingsError(ValueError):
    """A generation setting in the environment does not parse."""


@dataclass(frozen=True)
class GenerationSettings:
    """What the generative layer may do and which model it asks.

    Attributes:
        enabled: The switch.
        base_url: The model server's ``/v1`` URL; None when no model is configured.
        model: The model name sent in each request.
        api_key: Bearer token for hosted models; empty for local servers.
        timeout_s: One request's limit; a slower model falls back to the template.
        budget_ms: The whole generative step's limit per reply, rails included.
    """

    enabled: bool = False
    base_url: str | None = DEFAULT_BASE_URL
    model: str = DEFAULT_MODEL
    api_key: str = ""
    timeout_s: float = 4.0
    budget_ms: float = 2000.0

    @property
    def has_model(self) -> bool:
        return self.enabled and self.base_url is not None


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise GenerationSettingsError(f"{name}={raw!r} is not a number") from exc
    if value <= 0:
        raise GenerationSettingsError(f"{name} must be positive, not {raw!r}")
    return value


def _base_url(raw: str) -> str | None:
    if raw.lower() == NO_MODEL:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise GenerationSettingsError(f"LLM_BASE_URL={raw!r} is not an http(s) URL or 'none'")
    return raw.rstrip("/")


def generation_settings(env: Mapping[str, str] | None = None) -> GenerationSettings:
    """The settings in ``env`` (default: the process environment)."""
    env = os.environ if env is None else env
    switch = env.get(SWITCH_ENV, "off").strip().lower() or "off"
    if switch not in ("on", "off"):
        raise GenerationSettingsError(f"{SWITCH_ENV}={switch!r}: use on or off")
    return GenerationSettings(
        enabled=switch == "on",
        base_url=_base_url(env.get("LLM_BASE_URL", "").strip() or DEFAULT_BASE_URL),
        model=env.get("LLM_MODEL", "").strip() or DEFAULT_MODEL,
        api_key=env.get("LLM_API_KEY", ""),
        timeout_s=_number(env, "LLM_TIMEOUT_S", 4.0),
        budget_ms=_number(env, "GENERATION_BUDGET_MS", 2000.0),
    )
