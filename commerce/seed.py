"""Build a store: the generated demo store, or τ-bench's retail store.

    python -m commerce.seed [--db URL] [--as-of YYYY-MM-DD] [--seed N]
                            [--store demo|small|tau-bench] [--data-dir DIR]

The demo store is generated rather than shipped so that its dates follow the calendar: every
date is relative to the as-of date (default: today, UTC) and the store's clock reads
`STORE_TIME` UTC on that day, so parcels in transit always have ETAs in the near future.
The same seed and as-of date give byte-identical rows.

`--store tau-bench` loads τ-bench's users, products and orders instead (see
`commerce.tau_bench`), from `--data-dir`, else `$TAU_BENCH_DATA`, else
`../shared/data/tau_bench_retail` next to the repository; only the dates it lacks depend on
the as-of date and the seed.

Every table is dropped and created again first: a seeded store is disposable.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from commerce.config import CommerceConfig
from commerce.db import Database
from commerce.demo.builder import STORE_TIME, StoreBuilder, StoreSize, status_quota
from commerce.models import (
    ORDER_STATUSES,
    Claim,
    ClaimLine,
    Customer,
    Order,
    OrderLine,
    Payment,
    PaymentMethod,
    Product,
    ProductVariant,
    Refund,
    ReturnLine,
    ReturnRequest,
    Shipment,
    StoreInfo,
    TrackingEvent,
)
from commerce.tau_bench import TauBenchDataError, load_files, resolve_data_dir
from commerce.tau_bench_store import TauBenchStore
from webkit.db import safe_url

logger = logging.getLogger(__name__)

DEFAULT_SEED = 42
STORES = {
    "demo": StoreSize(customers=400, orders=3000),
    "small": StoreSize(customers=60, orders=400),
}
"""Named store sizes: `demo` for running the assistant, `small` for quick experiments."""
TAU_BENCH = "tau-bench"

_TABLES_IN_INSERT_ORDER = (
    (Customer, "customers"),
    (PaymentMethod, "payment_methods"),
    (Product, "products"),
    (ProductVariant, "product_variants"),
    (Order, "orders"),
    (OrderLine, "order_lines"),
    (Payment, "payments"),
    (Shipment, "shipments"),
    (TrackingEvent, "tracking_events"),
    (ReturnRequest, "returns"),
    (ReturnLine, "return_lines"),
    (Claim, "claims"),
    (ClaimLine, "claim_lines"),
    (Refund, "refunds"),
    (StoreInfo, "store_info"),
)

__all__ = [
    "DEFAULT_SEED",
    "STORES",
    "STORE_TIME",
    "TAU_BENCH",
    "SeedSummary",
    "StoreSize",
    "main",
    "seed_store",
    "seed_tau_bench",
    "status_quota",
    "write_store",
]


@dataclass(frozen=True)
class SeedSummary:
    """What was built, for the command's output and for tests."""

    seed: int
    as_of: dt.date
    rows: dict[str, int]
    orders_by_status: dict[str, int]
    seconds: float


def write_store(engine: Engine, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Insert generated rows with bulk Core inserts in one transaction (fast on SQLite)."""
    with engine.begin() as connection:
        for model, table in _TABLES_IN_INSERT_ORDER:
            if rows.get(table):
                connection.execute(model.__table__.insert(), rows[table])


def _rebuild(
    db_url: str,
    rows: dict[str, list[dict[str, Any]]],
    info: dict[str, str],
    *,
    seed: int,
    as_of: dt.date,
    started: float,
) -> SeedSummary:
    """Drop and recreate every table, write `rows` and the store's facts, and sum it up."""
    rows = {**rows, "store_info": [{"key": k, "value": v} for k, v in info.items()]}
    database = Database(db_url, max_workers=1)
    try:
        database.drop_schema()
        database.create_schema()
        write_store(database.engine, rows)
    finally:
        database.close()
    by_status = {status: 0 for status in ORDER_STATUSES}
    for order in rows["orders"]:
        by_status[order["status"]] += 1
    return SeedSummary(
        seed=seed,
        as_of=as_of,
        rows={table: len(table_rows) for table, table_rows in rows.items()},
        orders_by_status=by_status,
        seconds=time.perf_counter() - started,
    )


def seed_store(
    db_url: str,
    *,
    as_of: dt.date | None = None,
    seed: int = DEFAULT_SEED,
    size: StoreSize | None = None,
) -> SeedSummary:
    """Drop and recreate every table, then fill them with the demo store.

    Args:
        db_url: SQLAlchemy URL of the store.
        as_of: The store's "today"; defaults to today's date in UTC.
        seed: Random seed; the same seed and `as_of` give the same rows.
        size: Customers and orders to generate (default: the `demo` store).
    """
    started = time.perf_counter()
    as_of = as_of or dt.datetime.now(dt.timezone.utc).date()
    rows = StoreBuilder(seed, as_of, size or STORES["demo"]).build()
    info = {"store": "demo", "as_of": as_of.isoformat(), "seed": str(seed)}
    return _rebuild(db_url, rows, info, seed=seed, as_of=as_of, started=started)


def seed_tau_bench(
    db_url: str,
    *,
    data_dir: str | Path | None = None,
    as_of: dt.date | None = None,
    seed: int = DEFAULT_SEED,
) -> SeedSummary:
    """Drop and recreate every table, then load τ-bench's retail store into them.

    Args:
        db_url: SQLAlchemy URL of the store.
        data_dir: Folder with `users.json`, `products.json` and `orders.json` (default: see
            `commerce.tau_bench.resolve_data_dir`).
        as_of: The store's "today", for the dates τ-bench does not have.
        seed: Seeds those made-up dates.

    Raises:
        TauBenchDataError: The files are missing or hold something that cannot be mapped.
    """
    started = time.perf_counter()
    as_of = as_of or dt.datetime.now(dt.timezone.utc).date()
    folder = resolve_data_dir(data_dir)
    rows = TauBenchStore(load_files(folder), as_of, seed).build()
    info = {"store": TAU_BENCH, "as_of": as_of.isoformat(), "seed": str(seed)}
    info["source"] = str(folder)[:400]
    return _rebuild(db_url, rows, info, seed=seed, as_of=as_of, started=started)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {value!r}") from None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m commerce.seed", description="Drop and rebuild the store."
    )
    parser.add_argument(
        "--db", help="SQLAlchemy URL (default: COMMERCE_DB_URL, else sqlite:///var/commerce.db)"
    )
    parser.add_argument("--as-of", type=_date, help="the store's today (default: today, UTC)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default: 42)")
    parser.add_argument(
        "--store",
        choices=[*sorted(STORES), TAU_BENCH],
        default="demo",
        help="demo or small (generated), or tau-bench (τ-bench's retail store)",
    )
    parser.add_argument(
        "--data-dir",
        help="folder of τ-bench's users/products/orders.json (default: $TAU_BENCH_DATA, else "
        "../shared/data/tau_bench_retail next to the repository)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.data_dir and args.store != TAU_BENCH:
        parser.error("--data-dir only goes with --store tau-bench")

    db_url = args.db or CommerceConfig.from_env().db_url
    if args.store == TAU_BENCH:
        try:
            summary = seed_tau_bench(
                db_url, data_dir=args.data_dir, as_of=args.as_of, seed=args.seed
            )
        except TauBenchDataError as error:
            logger.error("Cannot load the τ-bench store: %s", error)
            return 1
    else:
        summary = seed_store(db_url, as_of=args.as_of, seed=args.seed, size=STORES[args.store])
    logger.info(
        "Seeded the %s store into %s (seed %d, as of %s) in %.1f s",
        args.store,
        safe_url(db_url),
        summary.seed,
        summary.as_of,
        summary.seconds,
    )
    logger.info("  rows: %s", ", ".join(f"{t} {n}" for t, n in summary.rows.items()))
    present = {status: n for status, n in summary.orders_by_status.items() if n}
    logger.info("  orders: %s", ", ".join(f"{s} {n}" for s, n in present.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
