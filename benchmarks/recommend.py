"""``make bench`` (part two): how good and how fast the recommender is.

Quality, offline, with a time-based split: orders are sorted by time, the first 80 % teach
the recommender, and each later order of a shopper who bought before is a test case. The
shopper's earlier purchases go in; a hit is a product of the later order that the shopper
had not bought before, among the ten suggestions (rules applied, as shoppers see them).
HitRate@10, NDCG@10 and catalogue coverage for the hybrid, popularity alone and co-purchase
alone, on the demo store, on τ-bench's retail store, and on a generated store of 10,000
products and 100,000 orders with planted "bought together" structure.

Speed: one recommendation (ranking and every rule) on that generated store, in process, and
one request to the backend's HTTP endpoint on the demo store.

Writes its own section of docs/benchmarks.md (between markers) and prints the numbers.
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
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmarks.report import OUT, write_section
from commerce.demo.builder import StoreBuilder
from commerce.recommendations import product_text
from commerce.seed import DEFAULT_SEED, STORES
from commerce.tau_bench import TauBenchStore, load_files, resolve_data_dir
from recommender.catalog import Basket, Catalog, Product, ShopperHistory
from recommender.config import PriceBand, RecommendationPolicy, load_policy_section, load_settings
from recommender.embeddings import cached_embeddings
from recommender.engine import STRATEGIES, Recommender
from stack.settings import ROOT

CACHE = ROOT / "var" / "cache"
AS_OF = dt.date(2026, 11, 20)
K = 10
TRAIN_SHARE = 0.8

Row = dict[str, Any]


@dataclass
class Store:
    """What the evaluation needs from a store's rows."""

    name: str
    catalog: Catalog
    baskets: list[Basket]
    regions: dict[str, str]  # order id -> ship region
    policy: RecommendationPolicy


def catalog_from_rows(products: Sequence[Row], variants: Sequence[Row]) -> Catalog:
    stocked: dict[str, int] = defaultdict(int)
    for variant in variants:
        stocked[variant["product_id"]] = max(stocked[variant["product_id"]], variant["stock"])
    items = [
        Product(
            product_id=p["id"],
            name=p["name"],
            category=p["category"],
            price_cents=p["price_cents"],
            in_stock=stocked[p["id"]] > 0,
            text=product_text(p["name"], p["category"], p["description"]),
        )
        for p in sorted(products, key=lambda p: p["id"])
    ]
    return Catalog.of(items, cached_embeddings([p.text for p in items], CACHE))


def store_from_rows(name: str, rows: dict[str, list[Row]], policy_file: str) -> Store:
    lines: dict[str, list[str]] = defaultdict(list)
    for line in rows["order_lines"]:
        lines[line["order_id"]].append(line["product_id"])
    baskets = [
        Basket(o["id"], o["customer_id"], o["placed_at"], tuple(dict.fromkeys(lines[o["id"]])))
        for o in rows["orders"]
    ]
    return Store(
        name=name,
        catalog=catalog_from_rows(rows["products"], rows["product_variants"]),
        baskets=sorted(baskets, key=lambda b: (b.placed_at, b.order_id)),
        regions={o["id"]: o["ship_region"] for o in rows["orders"]},
        policy=load_policy_section(ROOT / "data" / "policy" / policy_file),
    )


def demo_store() -> Store:
    rows = StoreBuilder(DEFAULT_SEED, AS_OF, STORES["demo"]).build()
    return store_from_rows("demo store (254 products, 3,000 orders)", rows, "demo.yml")


def tau_store() -> Store:
    rows = TauBenchStore(load_files(resolve_data_dir(None)), AS_OF, DEFAULT_SEED).build()
    return store_from_rows("τ-bench retail (50 products, 1,000 orders)", rows, "tau-bench.yml")


def generated_store(products: int, orders: int, seed: int = 7) -> Store:
    """A large store with structure to find: each product belongs to one of many small
    "kits" (tent, pad, stove...); a basket is mostly one kit, a shopper returns to the kits
    they like, and popularity is heavy-tailed. Product texts name their kit and type, so
    kit-mates are also similar in text."""
    rng = random.Random(seed)
    kits = max(1, products // 20)
    kit_of = [rng.randrange(kits) for _ in range(products)]
    members: dict[int, list[int]] = defaultdict(list)
    for index, kit in enumerate(kit_of):
        members[kit].append(index)
    kinds = ["tent", "pad", "stove", "lantern", "jacket", "boot", "pack", "bottle", "mug", "cable"]
    items = []
    for index in range(products):
        kind = kinds[index % len(kinds)]
        items.append(
            Product(
                product_id=f"G-{index:05d}",
                name=f"Kit {kit_of[index]} {kind} {index}",
                category=kind,
                price_cents=rng.randint(10, 400) * 100,
                in_stock=rng.random() > 0.08,
                text=f"Kit {kit_of[index]} {kind}. For the kit {kit_of[index]} series.",
            )
        )
    catalog = Catalog.of(items, cached_embeddings([p.text for p in items], CACHE))
    weights = [rng.paretovariate(1.2) for _ in range(products)]
    customers = max(1, orders // 5)
    favourite = [[rng.randrange(kits) for _ in range(2)] for _ in range(customers)]
    start = dt.datetime(2025, 1, 1)
    baskets = []
    regions = {}
    for number in range(orders):
        customer = rng.randrange(customers)
        if rng.random() < 0.7:
            pool = members[rng.choice(favourite[customer])] or [rng.randrange(products)]
        else:
            pool = [rng.randrange(products) for _ in range(10)]
        size = rng.choice((1, 2, 2, 3, 4))
        picked = rng.choices(pool, [weights[p] for p in pool], k=size)
        order_id = f"GO-{number:06d}"
        baskets.append(
            Basket(
                order_id,
                f"GC-{customer:05d}",
                start + dt.timedelta(minutes=5 * number),
                tuple(dict.fromkeys(items[p].product_id for p in picked)),
            )
        )
        regions[order_id] = rng.choice(("CA", "NY", "TX", "WA", "HI"))
    policy = RecommendationPolicy(max_results=3, price_band=PriceBand(min_ratio=0.0, max_ratio=3.0))
    return Store("generated", catalog, baskets, regions, policy)


# --- quality -----------------------------------------------------------------------------


@dataclass
class Case:
    history: ShopperHistory
    targets: frozenset[str]


@dataclass
class Scores:
    hits: list[float]
    ndcg: list[float]
    coverage: float


def split(store: Store) -> tuple[list[Basket], list[Case]]:
    """Time-based split: the first 80 % of orders train, later orders of known shoppers test."""
    cut = int(len(store.baskets) * TRAIN_SHARE)
    train, later = store.baskets[:cut], store.baskets[cut:]
    bought: dict[str, list[str]] = defaultdict(list)
    region: dict[str, str] = {}
    for basket in train:  # oldest first; the history wants newest first
        bought[basket.customer_id][:0] = list(basket.product_ids)
        region[basket.customer_id] = store.regions.get(basket.order_id, "")
    cases = []
    for basket in later:
        history = bought.get(basket.customer_id)
        if not history:
            continue
        targets = frozenset(basket.product_ids) - set(history)
        if targets:
            cases.append(
                Case(
                    ShopperHistory(
                        tuple(dict.fromkeys(history)), region=region[basket.customer_id]
                    ),
                    targets,
                )
            )
    return train, cases


def evaluate(engine: Recommender, cases: Iterable[Case], strategy: str) -> Scores:
    hits, gains, shown = [], [], set()
    for case in cases:
        ranked = [r.product_id for r in engine.recommend(case.history, limit=K, strategy=strategy)]
        shown.update(ranked)
        relevant = [1.0 if pid in case.targets else 0.0 for pid in ranked]
        hits.append(1.0 if any(relevant) else 0.0)
        dcg = sum(rel / math.log2(i + 2) for i, rel in enumerate(relevant))
        ideal = sum(1 / math.log2(i + 2) for i in range(min(K, len(case.targets))))
        gains.append(dcg / ideal)
    return Scores(hits, gains, len(shown) / len(engine.catalog))


def paired_gain(a: list[float], b: list[float], seed: int = 1) -> tuple[float, float, float]:
    """Mean of a - b with a 95 % bootstrap interval (cases resampled, pairs kept)."""
    diffs = np.asarray(a) - np.asarray(b)
    rng = np.random.default_rng(seed)
    means = [rng.choice(diffs, size=len(diffs)).mean() for _ in range(1000)]
    return float(diffs.mean()), float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def quality(store: Store, max_cases: int) -> tuple[int, dict[str, Scores]]:
    train, cases = split(store)
    if len(cases) > max_cases:  # a fixed random sample keeps the big store's run short
        cases = random.Random(5).sample(cases, max_cases)
    engine = Recommender(store.catalog, load_settings(), store.policy)
    engine.add_orders(train)
    return len(cases), {s: evaluate(engine, cases, s) for s in STRATEGIES}


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


def table(name: str, cases: int, scores: dict[str, Scores]) -> list[str]:
    lines = [
        f"**{name}**, {cases} test orders:",
        "",
        "| ranking | HitRate@10 | NDCG@10 | catalogue coverage |",
        "|---|---|---|---|",
    ]
    for strategy, s in scores.items():
        lines.append(
            f"| {strategy} | {statistics.mean(s.hits):.3f} | {statistics.mean(s.ndcg):.3f} "
            f"| {s.coverage:.1%} |"
        )
    gain, low, high = paired_gain(scores["hybrid"].hits, scores["popularity"].hits)
    lines += [
        "",
        f"Hybrid minus popularity, HitRate@10: {gain:+.3f} (95 % bootstrap interval "
        f"{low:+.3f} to {high:+.3f}).",
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
    for store in (demo_store(), tau_store(), big):
        name = store.name
        if store is big:
            name = (
                f"generated store ({args.products:,} products, {args.orders:,} orders, "
                "planted bought-together structure)"
            )
        cases, scores = quality(store, args.max_cases)
        lines += table(name, cases, scores)
        print("\n".join(table(name, cases, scores)))

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
