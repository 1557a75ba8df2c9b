"""Scripted checks of the rails: one JSON line per call.

    python -m guardrails.rails check-input "TEXT"
    python -m guardrails.rails check-output --source "SOURCE TEXT" "CANDIDATE"

``check-input`` decides whether a shopper message may reach a generative reply;
``check-output`` whether a candidate reply may be shown in place of ``SOURCE`` (the template it
rephrases or the passages it answers from). Exit status 0 either way; 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from guardrails.rails.pipeline import run_rails, summary
from guardrails.rails.types import Context
from guardrails.rasa_defaults import read_env_file

LOCAL_DEFAULTS = Path(__file__).resolve().parents[2] / "stack" / "defaults.env"


def use_local_defaults() -> None:
    """Fill what the environment leaves unset from ``stack/defaults.env``, as ``make run`` does.

    The scrub rail needs the pseudonym key; without it every message would be refused, which
    is right for a server but useless for a check typed by hand. Never in production
    (``AFTERCARE_ENV=production``), where a missing secret must still refuse; and never
    silently: the secrets taken are named on stderr.
    """
    if os.environ.get("AFTERCARE_ENV") == "production" or not LOCAL_DEFAULTS.is_file():
        return
    taken = []
    for key, value in read_env_file(LOCAL_DEFAULTS).items():
        if key not in os.environ:
            os.environ[key] = value
            taken.append(key)
    secrets = [k for k in taken if k.endswith(("_KEY", "_SECRET", "_TOKEN")) and os.environ[k]]
    if secrets:
        print(f"note: local-only defaults in use: {', '.join(secrets)}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m guardrails.rails")
    commands = parser.add_subparsers(dest="command", required=True)
    check_input = commands.add_parser("check-input", help="may this message reach a model?")
    check_input.add_argument("text")
    check_output = commands.add_parser("check-output", help="may this reply be shown?")
    check_output.add_argument("--source", required=True, help="template or passages")
    check_output.add_argument("candidate")
    args = parser.parse_args(argv)
    use_local_defaults()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    # Models load on first use (seconds); a first run on a neutral text keeps that out of "ms".
    if args.command == "check-input":
        run_rails("input", "hello")
        verdict = run_rails("input", args.text)
    else:
        context = Context(source=args.source, passages=(args.source,))
        run_rails("output", args.source, context)
        verdict = run_rails("output", args.candidate, context)
    print(json.dumps(summary(verdict)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
