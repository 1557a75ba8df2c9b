"""Environment for every process of the stack: local defaults, overridden by the real env."""

from __future__ import annotations

import os
from pathlib import Path

from guardrails.rasa_defaults import read_env_file

__all__ = ["DEFAULTS_FILE", "ROOT", "point_at_each_other", "read_env_file", "stack_env"]

ROOT = Path(__file__).resolve().parent.parent
DEFAULTS_FILE = Path(__file__).resolve().parent / "defaults.env"


def stack_env(overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Defaults from ``stack/defaults.env``, then the process environment, then overrides."""
    env = read_env_file(DEFAULTS_FILE)
    env.update(os.environ)
    env.update(overrides or {})
    return env


def point_at_each_other(env: dict[str, str], rasa_url: str) -> None:
    """Set, unless given, where the servers of one stack reach each other on this machine.

    ``rasa_url`` is where the others reach Rasa: the server itself, or in production mode the
    balancer in front of the instances.
    """
    desk = f"http://127.0.0.1:{env['DESK_PORT']}"
    proactive = f"http://127.0.0.1:{env['PROACTIVE_PORT']}"
    defaults = {
        "DESK_URL": desk,
        "DESK_PUBLIC_URL": desk,
        "DESK_RASA_URL": rasa_url,
        # the action server reads a clause of a message with several requests (actions/requests.py)
        "AFTERCARE_RASA_URL": rasa_url,
        # proactive messages: the actions note inquiries there, the backend posts its order news
        "PROACTIVE_URL": proactive,
        "AFTERCARE_PROACTIVE_URL": proactive,
        "PROACTIVE_RASA_URL": rasa_url,
    }
    for name, url in defaults.items():
        env.setdefault(name, url)
