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
import sys
from collections.abc import Sequence
from pathlib import Path

from guardrails.rails.pipeline import run_rails, summary
from guardrails.rails.types import Context
from guardrails.rasa_defaults import apply_local_defaults

LOCAL_DEFAULTS = Path(__file__).resolve().parents[2] / "stack" / "defaults.env"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m guardrails.rails")
    commands = parser.add_subparsers(dest="command", required=True)
    check_input = commands.add_parser("check-input", help="may this message reach a model?")
    check_input.add_argument("text")
    check_output = commands.add_parser("check-output", help="may this reply be shown?")
    check_output.add_argument("--source", required=True, help="template or passages")
    check_output.add_argument("candidate")
    args = parser.parse_args(argv)
    # a check typed in a fresh shell gets the keys `make run` would (never in production)
    apply_local_defaults(LOCAL_DEFAULTS)
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
