"""Print sample orders for demos and manual tests: `python -m commerce.demo_orders [--db URL]`.

One JSON object per line, several per order status, with what a tester needs to walk
through verification in a conversation: the order id, the customer's e-mail and the shipping
postcode (either answers the verification question), and the name for τ-bench's
name-plus-ZIP check.

The generated demo store has every status, so a missing one is an error there; τ-bench's
store has only the statuses its data maps to (pending, shipped, delivered, cancelled), so
there the samples cover what is present.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from sqlalchemy.orm import Session

from commerce.config import CommerceConfig
from commerce.db import Database
from commerce.models import ORDER_STATUSES, Order
from commerce.queries import sample_orders, store_kind
from webkit.db import sqlite_path

PER_STATUS = 3


def demo_order_records(session: Session, per_status: int = PER_STATUS) -> list[dict[str, Any]]:
    """The most recent `per_status` orders of every status, newest first within a status."""
    orders: list[Order] = sample_orders(session, ORDER_STATUSES, per_status)
    return [
        {
            "order_id": order.id,
            "status": order.status,
            "email": order.customer.email,
            "postcode": order.ship_postcode,
            "customer_name": order.customer.name,
            "customer_id": order.customer_id,
        }
        for order in orders
    ]


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m commerce.demo_orders",
        description="Print sample orders (JSON lines) covering every order status.",
    )
    parser.add_argument(
        "--db", help="SQLAlchemy URL (default: COMMERCE_DB_URL or sqlite:///var/commerce.db)"
    )
    parser.add_argument("--per-status", type=int, default=PER_STATUS, help="orders per status")
    args = parser.parse_args(argv)
    db_url = args.db or CommerceConfig.from_env().db_url

    path = sqlite_path(db_url)
    if path is not None and not path.exists():
        print(f"No store at {path}; run `python -m commerce.seed` first.", file=sys.stderr)
        return 1
    database = Database(db_url, max_workers=1)
    try:
        if not database.has_schema():
            print(
                f"{db_url} has no commerce tables; run `python -m commerce.seed` first.",
                file=sys.stderr,
            )
            return 1
        records = database.run_sync(lambda session: demo_order_records(session, args.per_status))
        kind = database.run_sync(store_kind)
    finally:
        database.close()

    try:
        out.write("".join(json.dumps(record) + "\n" for record in records))
        out.flush()
    except BrokenPipeError:  # piped into `head`; not an error
        return 0
    missing = sorted(set(ORDER_STATUSES) - {record["status"] for record in records})
    if not records or (missing and kind in (None, "demo")):
        print(f"The store has no orders with status: {', '.join(missing)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
