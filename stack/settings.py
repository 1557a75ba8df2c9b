"""Environment for every process of the stack: local defaults, overridden by the real env."""

from __future__ import annotations

import os
from pathlib import Path

from guardrails.rasa_defaults import read_env_file

__all__ = ["DEFAULTS_FILE", "ROOT", "read_env_file", "stack_env"]

ROOT = Path(__file__).resolve().parent.parent
DEFAULTS_FILE = Path(__file__).resolve().parent / "defaults.env"


def stack_env(overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Defaults from ``stack/defaults.env``, then the process environment, then overrides."""
    env = read_env_file(DEFAULTS_FILE)
    env.update(os.environ)
    env.update(overrides or {})
    return env
