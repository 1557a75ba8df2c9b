"""Environment for every process of the stack: local defaults, overridden by the real env."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULTS_FILE = Path(__file__).resolve().parent / "defaults.env"


def read_env_file(path: Path) -> dict[str, str]:
    """Parse ``KEY=value`` lines; blank lines and ``#`` comments are skipped."""
    values: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise ValueError(f"{path}: not KEY=value: {raw!r}")
        values[key.strip()] = value.strip()
    return values


def stack_env(overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Defaults from ``stack/defaults.env``, then the process environment, then overrides."""
    env = read_env_file(DEFAULTS_FILE)
    env.update(os.environ)
    env.update(overrides or {})
    return env
