"""``make bench`` (part two): how good and how fast the recommender is.

Quality, offline, with a time-based split (orders sorted by time, the first 80 % teach the
recommender, later orders are test cases), on two tasks:

- **basket completion**, the job cross-sell does: for each later order with two or more
  different products, one line (a fixed random draw) is the anchor, the product the shopper
  is buying; a hit is another product of that order, not bought before, among the ten
  suggestions anchored on it (the shopper's history before that order feeds the rules);
- **next order**: each later order of a shopper who bought before; the shopper's
  training-period purchases go in; a hit is a product of that order not bought before.

Suggestions are counted after every rule, as shoppers see them. HitRate@10, NDCG@10 (each
with a 95 % bootstrap interval) and catalogue coverage for the hybrid, popularity alone and
co-purchase alone, on the demo store, on τ-bench's retail store, and on a generated store of
10,000 products and 100,000 orders with planted "bought together" structure. `hybrid` uses
the shipped settings (`recommender/settings.yml`); `hybrid, validated prior` picks one pair of
`PRIOR_GRID` per store and task on a validation split carved from the training period, never
from the test orders, to show how much tuning the prior to a store would add.

Speed: one recommendation (ranking and every rule) on that generated store, in process, and
one request to the backend's HTTP endpoint on the demo store.

Writes its own section of docs/benchmarks.md (between markers) and prints the numbers. The
stores are built in `benchmarks.recommend_stores` and scored in `benchmarks.recommend_quality`;
this module times the recommender and writes the report.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import math
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence

from benchmarks.recommend_quality import (
    PRIOR_FIELD,
    TASKS,
    Quality,
    Scores,
    bootstrap,
    paired_gain,
    quality,
    split,
)
from benchmarks.recommend_stores import (
    AS_OF,
    CACHE,
    Store,
    demo_store,
    generated_store,
    tau_store,
)
from benchmarks.report import OUT, write_section
from commerce.demo.builder import StoreSize
from commerce.seed import STORES
from recommender.config import load_settings
from recommender.engine import Recommender
from stack.settings import ROOT

# --- speed -------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def engine_latency(store: Store, requests: int) -> tuple[list[float], float]:
    """Milliseconds per `recommend` (ranking + rules) for random known shoppers; build time."""
    started = time.perf_counter()
    engine = Recommender(store.catalog, load_settings(), store.policy)
    engine.add_orders(store.baskets)
    build_s = time.perf_counter() - started
    _, cases = split(store)
    rng = random.Random(3)
    sample = [rng.choice(cases).history for _ in range(requests)]
    for history in sample[:20]:
        engine.recommend(history)
    timings = []
    for history in sample:
        start = time.perf_counter()
        engine.recommend(history)
        timings.append((time.perf_counter() - start) * 1000)
    return timings, build_s


async def http_latency(requests: int) -> list[float]:
    """Milliseconds per GET /api/v1/recommendations on a served demo store (real HTTP)."""
    import aiohttp
    from aiohttp.test_utils import TestServer
    from sqlalchemy import select

    from commerce.app import create_app
    from commerce.config import CommerceConfig
    from commerce.db import Database
    from commerce.models import Customer
    from commerce.seed import seed_store

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/commerce.db"
        seed_store(url, as_of=AS_OF, size=STORES["demo"])
        config = CommerceConfig(
            db_url=url,
            api_token="bench-token",
            merchant_policy=str(ROOT / "data" / "policy" / "demo.yml"),
            cache_dir=str(CACHE),
        )
        database = Database(url, max_workers=1)
        customers = database.run_sync(
            lambda session: list(session.execute(select(Customer.id)).scalars())
        )
        database.close()
        server = TestServer(create_app(config), host="127.0.0.1")
        await server.start_server()
        headers = {"Authorization": "Bearer bench-token"}
        try:
            async with aiohttp.ClientSession(headers=headers) as session:
                base = f"http://127.0.0.1:{server.port}/api/v1"
                timings = []
                for index in range(requests + 20):
                    params = {"customer_id": customers[index % len(customers)]}
                    start = time.perf_counter()
                    async with session.get(f"{base}/recommendations", params=params) as resp:
                        await resp.read()
                        assert resp.status == 200, resp.status
                    if index >= 20:  # the first builds the recommender
                        timings.append((time.perf_counter() - start) * 1000)
                return timings
        finally:
            await server.close()


# --- report ------------------------------------------------------------------------------


def ci(values: Sequence[float]) -> str:
    mean, low, high = bootstrap(values)
    return f"{mean:.3f} ({low:.3f}–{high:.3f})"


def gain_line(scores: dict[str, Scores], other: str, ours: str = "hybrid") -> str:
    gain, low, high = paired_gain(scores[ours].hits, scores[other].hits)
    return (
        f"{ours} minus {other}, HitRate@10: {gain:+.3f} (95 % bootstrap interval "
        f"{low:+.3f} to {high:+.3f})"
    )


def table(name: str, result: Quality) -> list[str]:
    lines = [f"**{name}**", ""]
    for task in TASKS:
        scores = result.scores[task]
        lines += [
            f"*{task}*, {result.cases[task]} test cases:",
            "",
            "| ranking | HitRate@10 (95 % interval) | NDCG@10 (95 % interval) | coverage |",
            "|---|---|---|---|",
        ]
        for strategy, s in scores.items():
            lines.append(f"| {strategy} | {ci(s.hits)} | {ci(s.ndcg)} | {s.coverage:.1%} |")
        beta, boost = result.chosen[task]
        lines += [
            "",
            f"H{gain_line(scores, 'popularity')[1:]}; {gain_line(scores, 'copurchase')}.",
            f"Validated prior: `{PRIOR_FIELD[task]}` {beta:g}, `content_boost` {boost:g}, "
            "chosen on the training period's last fifth; "
            f"{gain_line(scores, 'popularity', 'hybrid, validated prior')}.",
            "",
        ]
    lines += [
        f"Test baskets' pairs were bought together in the training orders {result.lift:.2f}× "
        "as often as chance (same product counts and basket sizes, lines dealt at random) "
        f"would pair them; the training lines dealt at random {result.null_lift[2]} times give "
        f"{result.null_lift[0]:.2f}× to {result.null_lift[1]:.2f}× (95 %), so a figure inside "
        "that range means the baskets hold no pairs for any recommender to find.",
        "",
    ]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.recommend")
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--max-cases", type=int, default=3000, help="test orders per store")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)

    when = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    command = (
        f"`python -m benchmarks.recommend --products {args.products} --orders {args.orders} "
        f"--requests {args.requests} --max-cases {args.max_cases}` (part of `make bench`)"
    )
    lines = ["## Recommender", "", f"Measured {when} on this machine (2 cores) by {command}.", ""]
    big = generated_store(args.products, args.orders)
    large_demo = StoreSize(customers=4000, orders=30_000)
    for store in (demo_store(), demo_store(large_demo), tau_store(), big):
        name = store.name
        if store is big:
            name = (
                f"generated store ({args.products:,} products, {args.orders:,} orders, "
                "planted bought-together structure)"
            )
        result = quality(store, args.max_cases)
        lines += table(name, result)
        print("\n".join(table(name, result)), flush=True)

    timings, build_s = engine_latency(big, args.requests)
    http = asyncio.run(http_latency(min(args.requests, 500)))
    lines += [
        "| latency of one recommendation | P50 | P95 | n |",
        "|---|---|---|---|",
        f"| engine, ranking and every rule, {args.products:,} products / {args.orders:,} orders "
        f"| {statistics.median(timings):.1f} ms | {pct(timings, 95):.1f} ms | {len(timings)} |",
        f"| `GET /api/v1/recommendations` over HTTP, demo store (history and stock read from "
        f"SQLite per request) | {statistics.median(http):.1f} ms | {pct(http, 95):.1f} ms "
        f"| {len(http)} |",
        "",
        f"Building the recommender from {args.orders:,} orders (embeddings cached): "
        f"{build_s:.1f} s.",
    ]
    print("\n".join(lines[-6:]))
    if not args.no_write:
        write_section("recommender", lines)
        print(f"written to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
