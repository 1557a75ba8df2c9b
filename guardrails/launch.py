"""``python -m guardrails.launch MODULE [ARGS...]``: run a server with its logs scrubbed.

The stack starts the commerce backend, the action server and the Rasa server through this
launcher. It installs the PII log filter (see :mod:`guardrails.logs`) before the server's own
code runs, so every handler the server creates later is filtered, and turns Rasa's telemetry
and error reporting off (see :mod:`guardrails.rasa_defaults`; the virtualenv does the same for
any Python process, this holds even in one set up without it). Then it runs ``MODULE`` as
``python -m MODULE ARGS...`` would. The backend itself imports nothing from the assistant.

For the Rasa server (``rasa run``, not ``rasa run actions``) it also installs the reply a
shopper gets while the action server is down (:mod:`guardrails.outage`) and the check of the
action server's answers with a validator built once (:mod:`guardrails.action_results`) and
dialogue states built once per event (:mod:`nlu_components.history`).
"""

from __future__ import annotations

import logging
import os
import runpy
import sys

from guardrails import rasa_defaults
from guardrails.action_results import install_prebuilt_action_validation
from guardrails.logs import install_log_scrubbing
from guardrails.outage import install_action_outage_reply
from nlu_components.history import install_incremental_states

LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}


def serves_conversations(module: str, args: list[str]) -> bool:
    """True for the Rasa server: ``rasa run ...`` but not ``rasa run actions ...``."""
    return module == "rasa" and args[:1] == ["run"] and args[1:2] != ["actions"]


def record_guardrail_decisions() -> None:
    """Let the guardrails' own records through at the server's log level (INFO by default).

    Rasa sets the level of its own ``rasa`` logger only; the root stays at WARNING, which
    would silently drop every rail decision and rewording outcome (one JSON line each, no text).
    """
    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    logging.getLogger("guardrails").setLevel(level if level in LEVELS else "INFO")


def main(argv: list[str]) -> None:
    """Install log scrubbing, then hand the process to ``argv[0]`` as its ``__main__``."""
    if not argv:
        raise SystemExit("usage: python -m guardrails.launch MODULE [ARGS...]")
    rasa_defaults.apply()
    install_log_scrubbing()
    record_guardrail_decisions()
    module, *args = argv
    if serves_conversations(module, args):
        install_action_outage_reply()
        install_prebuilt_action_validation()
        install_incremental_states()
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
