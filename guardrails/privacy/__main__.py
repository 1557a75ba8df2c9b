"""``python -m guardrails.privacy export|delete|purge|serve``: shoppers' rights from a shell.

Settings come from the stack's environment (``stack/defaults.env``, then the real
environment), the same the Rasa server gets: ``TRACKER_STORE_URL``, ``EVENT_BROKER``,
``EVENT_BROKER_URL``; ``AFTERCARE_LOG_DIRS`` (default ``var/log``); and the databases of the
other stores that keep something of a conversation (``DESK_DB_URL``, ``ANALYTICS_DB_URL``,
``CHANNEL_STATE_DB_URL``, ``PROACTIVE_DB_URL``: see ``service.shopper_stores``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from guardrails.pii import get_scrubber
from guardrails.privacy.service import ErasureIncomplete, PrivacyStores, UnknownShopper


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m guardrails.privacy", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (("export", "print everything stored"), ("delete", "delete everywhere")):
        command = commands.add_parser(name, help=f"{text} about one shopper")
        who = command.add_mutually_exclusive_group(required=True)
        who.add_argument("--sender", help="the conversation (sender) id")
        who.add_argument("--customer", help="the customer id: all their conversations")
    purge = commands.add_parser("purge", help="delete conversations older than the retention")
    purge.add_argument("--days", type=int, help="default: retention_days in guardrails/pii.yml")
    serve = commands.add_parser("serve", help="run the admin API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=int(os.environ.get("PRIVACY_PORT", "8075")))
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; exit 1 when the shopper is unknown."""
    from stack.settings import stack_env

    args = _parser().parse_args(argv)
    env = stack_env()
    os.environ.update({k: v for k, v in env.items() if k not in os.environ})
    stores = PrivacyStores.from_env(env)
    if args.command == "serve":
        from aiohttp import web

        from guardrails.logs import install_log_scrubbing
        from guardrails.privacy.api import create_app

        install_log_scrubbing()
        web.run_app(
            create_app(stores, env.get("AFTERCARE_PRIVACY_TOKEN", "")),
            host=args.host,
            port=args.port,
        )
        return 0
    try:
        return _run(args, stores)
    except ErasureIncomplete as exc:
        print(f"error: not every store could be erased, run it again: {exc}", file=sys.stderr)
        print(json.dumps({"removed": exc.removed}))
        return 1


def _run(args: argparse.Namespace, stores: PrivacyStores) -> int:
    """export, delete or purge; exit 1 when the shopper is unknown."""
    if args.command == "purge":
        days = args.days or get_scrubber().config.retention_days
        expired, report = stores.purge(days)
        print(json.dumps({"older_than_days": days, "deleted": expired, "removed": report}))
        return 0
    senders = stores.sender_ids_for_customer(args.customer) if args.customer else [args.sender]
    if args.command == "export":
        try:
            print(json.dumps({"conversations": stores.export(senders)}, indent=2))
        except UnknownShopper as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        return 0
    report = stores.delete(senders)
    print(json.dumps({"deleted": senders, "removed": report}))
    return 0 if any(report.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
