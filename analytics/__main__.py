"""``python -m analytics``: ingest the event stream, print the figures, rebuild the tables.

    python -m analytics ingest --file var/events.log --db sqlite:///var/analytics.db
    python -m analytics ingest --sql sqlite:///var/events.db [--follow]
    python -m analytics ingest --rabbitmq amqp://guest:guest@127.0.0.1:5672/ --queue analytics
    python -m analytics figures --tenant demo --from 2026-11-01 --to 2026-11-30 [--flow orders]
    python -m analytics figures ... --csv          # one row per day and flow
    python -m analytics rebuild                    # derive every table again from the facts
    python -m analytics purchases --tenant demo    # fetch purchases after a click [--all]

``--db`` defaults to ``ANALYTICS_DB_URL``, then ``sqlite:///var/analytics.db``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import sqlalchemy as sa

from analytics.consumer import FileSource, RabbitConsumer, SqlBrokerSource
from analytics.daily import daily, write_csv
from analytics.figures import Scope, report
from analytics.ingest import IngestReport, rebuild_all
from analytics.purchases import (
    DEFAULT_WINDOW_DAYS,
    MAX_WINDOW_DAYS,
    PurchasesUnavailable,
    SyncReport,
    UnknownTenant,
    backend_of,
    sync_tenant,
)

DEFAULT_DB = "sqlite:///var/analytics.db"


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python -m analytics",
        description="Ingest the event stream, print the figures, rebuild the tables.",
    )
    commands = top.add_subparsers(dest="command", required=True)
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument("--db", default=os.environ.get("ANALYTICS_DB_URL") or DEFAULT_DB)

    ingest = commands.add_parser("ingest", parents=[db], help="read the stream into the tables")
    source = ingest.add_mutually_exclusive_group(required=True)
    source.add_argument("--file", help="the file broker's log (one JSON event per line)")
    source.add_argument("--sql", metavar="URL", help="the sql broker's database")
    source.add_argument("--rabbitmq", metavar="URL", help="amqp://user:password@host:port/")
    ingest.add_argument("--queue", help="the RabbitMQ queue (with --rabbitmq)")
    ingest.add_argument("--follow", action="store_true", help="keep reading new events")
    ingest.add_argument("--poll", type=float, default=1.0, help="seconds between reads")

    figures = commands.add_parser("figures", parents=[db], help="print a tenant's figures")
    figures.add_argument("--tenant", required=True)
    figures.add_argument("--from", dest="start", type=_date, required=True)
    figures.add_argument("--to", dest="end", type=_date, required=True)
    figures.add_argument("--flow", help="one flow (orders, returns, ...); all by default")
    figures.add_argument("--csv", action="store_true", help="one CSV row per day and flow")

    commands.add_parser("rebuild", parents=[db], help="derive the tables again from the facts")

    purchases = commands.add_parser(
        "purchases", parents=[db], help="fetch a tenant's purchases after a click on a suggestion"
    )
    purchases.add_argument("--tenant", required=True)
    purchases.add_argument(
        "--window-days",
        type=int,
        choices=range(1, MAX_WINDOW_DAYS + 1),
        metavar=f"1..{MAX_WINDOW_DAYS}",
        default=int(os.environ.get("ANALYTICS_ATTRIBUTION_DAYS") or DEFAULT_WINDOW_DAYS),
        help="attribution window (ANALYTICS_ATTRIBUTION_DAYS, else 30)",
    )
    purchases.add_argument("--all", action="store_true", help="every click, not only recent ones")
    return top


def _ingest(args: argparse.Namespace, engine: sa.engine.Engine) -> IngestReport:
    if args.rabbitmq:
        if not args.queue:
            raise SystemExit("--rabbitmq needs --queue")
        consumer = RabbitConsumer(engine, args.rabbitmq, args.queue)
        return asyncio.run(consumer.run(idle_exit_s=None if args.follow else args.poll))
    source: FileSource | SqlBrokerSource
    if args.file:
        if not Path(args.file).is_file():
            raise SystemExit(f"no such file: {args.file}")
        source = FileSource(engine, args.file)
    else:
        source = SqlBrokerSource(engine, args.sql)
    report = source.read()
    while args.follow:
        time.sleep(args.poll)
        found = source.read()
        if found.received:
            logging.getLogger("analytics").info("ingested %s", asdict(found))
    return report


def _purchases(args: argparse.Namespace, engine: sa.engine.Engine) -> SyncReport:
    try:
        backend = backend_of(args.tenant, os.environ)
        return asyncio.run(
            sync_tenant(engine, args.tenant, backend, window_days=args.window_days, full=args.all)
        )
    except (UnknownTenant, PurchasesUnavailable) as exc:
        raise SystemExit(f"purchases: {exc}") from exc


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    args = parser().parse_args(argv)
    engine = sa.create_engine(args.db)
    try:
        if args.command == "ingest":
            print(json.dumps(asdict(_ingest(args, engine))))
        elif args.command == "rebuild":
            print(json.dumps({"senders_rebuilt": rebuild_all(engine)}))
        elif args.command == "purchases":
            print(json.dumps(asdict(_purchases(args, engine))))
        else:
            if args.end < args.start:
                raise SystemExit("--to is before --from")
            scope = Scope(args.tenant, args.start, args.end, args.flow)
            if args.csv:
                write_csv(daily(engine, scope), sys.stdout)
            else:
                print(json.dumps(report(engine, scope), indent=1))
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
