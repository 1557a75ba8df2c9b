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
from commerce.demo.builder import StoreBuilder, StoreSize
from commerce.recommendations import product_text
from commerce.seed import DEFAULT_SEED, STORES
from commerce.tau_bench import load_files, resolve_data_dir
from commerce.tau_bench_store import TauBenchStore
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


def demo_store(size: StoreSize | None = None) -> Store:
    """The seeded demo store, or the same generator at another size (more test orders, so
    tighter intervals; the catalogue and the basket rules are the same)."""
    size = size or STORES["demo"]
    rows = StoreBuilder(DEFAULT_SEED, AS_OF, size).build()
    name = f"demo store ({len(rows['products'])} products, {size.orders:,} orders)"
    if size != STORES["demo"]:
        name = (
            f"demo generator at {size.orders // STORES['demo'].orders}× "
            f"({size.customers:,} shoppers, {size.orders:,} orders)"
        )
    return store_from_rows(name, rows, "demo.yml")


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
    anchor: str | None = None


@dataclass
class Scores:
    hits: list[float]
    ndcg: list[float]
    coverage: float


TASKS = ("basket completion", "next order")


def split(
    store: Store, train_share: float = TRAIN_SHARE, test_share: float = 1.0
) -> tuple[list[Basket], list[Case]]:
    """Next-order task: the first 80 % of orders train, later orders of known shoppers test.

    `test_share` below 1 ends the test period early: the validation split uses the
    training period only (train on the first 64 %, validate on 64 to 80 %).
    """
    cut = int(len(store.baskets) * train_share)
    end = int(len(store.baskets) * test_share)
    train, later = store.baskets[:cut], store.baskets[cut:end]
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


def basket_cases(
    store: Store, seed: int = 11, train_share: float = TRAIN_SHARE, test_share: float = 1.0
) -> list[Case]:
    """Basket-completion task: each later order with 2+ products, one of them the anchor.

    The anchor is a random line, not the first, so that the generator's order of lines
    (first line by popularity) gives the recommender nothing for free. The history is every
    order the shopper placed before this one, train or test period, as the live service
    would read it; the statistics still come from the training period only.
    """
    rng = random.Random(seed)
    cut = int(len(store.baskets) * train_share)
    end = int(len(store.baskets) * test_share)
    bought: dict[str, list[str]] = defaultdict(list)
    cases = []
    for index, basket in enumerate(store.baskets[:end]):
        before = bought[basket.customer_id]
        if index >= cut and len(basket.product_ids) >= 2:
            anchor = rng.choice(basket.product_ids)
            targets = frozenset(basket.product_ids) - {anchor} - set(before)
            if targets:
                history = ShopperHistory(
                    tuple(dict.fromkeys([anchor, *before])),
                    region=store.regions.get(basket.order_id, ""),
                )
                cases.append(Case(history, targets, anchor))
        before[:0] = list(basket.product_ids)
    return cases


def evaluate(engine: Recommender, cases: Iterable[Case], strategy: str) -> Scores:
    hits, gains, shown = [], [], set()
    for case in cases:
        suggestions = engine.recommend(
            case.history, anchor_product_id=case.anchor, limit=K, strategy=strategy
        )
        ranked = [r.product_id for r in suggestions]
        shown.update(ranked)
        relevant = [1.0 if pid in case.targets else 0.0 for pid in ranked]
        hits.append(1.0 if any(relevant) else 0.0)
        dcg = sum(rel / math.log2(i + 2) for i, rel in enumerate(relevant))
        ideal = sum(1 / math.log2(i + 2) for i in range(min(K, len(case.targets))))
        gains.append(dcg / ideal)
    return Scores(hits, gains, len(shown) / len(engine.catalog))


def bootstrap(values: Sequence[float], seed: int = 1) -> tuple[float, float, float]:
    """Mean with a 95 % bootstrap interval (cases resampled with replacement, 1000 times).

    For a paired difference pass the per-case differences: resampling cases keeps the
    pairs, so the interval is about the gap, not about two separate means.
    """
    data = np.asarray(values, dtype=np.float64)
    if data.size == 0:
        return 0.0, 0.0, 0.0
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, data.size, size=(1000, data.size))].mean(axis=1)
    return float(data.mean()), float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def paired_gain(a: list[float], b: list[float], seed: int = 1) -> tuple[float, float, float]:
    """Mean of a - b with a 95 % bootstrap interval (cases resampled, pairs kept)."""
    return bootstrap(list(np.asarray(a) - np.asarray(b)), seed)


def pair_lift(store: Store, cases: Sequence[Case], train_only: bool = True) -> float:
    """How much more often each (anchor, other line) pair of the test baskets was bought
    together in the training orders than chance would put them together, summed over all
    pairs. Chance keeps every product's order count and every basket's size and deals the
    lines out at random: a pair then shares about `orders(a) * orders(b) * sum(k * (k - 1))
    / sum(k) ** 2` baskets (k: products per basket). About 1.0 means the store's baskets
    carry no co-purchase signal for a recommender to find."""
    cut = int(len(store.baskets) * TRAIN_SHARE) if train_only else len(store.baskets)
    single: dict[str, int] = defaultdict(int)
    joint: dict[tuple[str, str], int] = defaultdict(int)
    lines = slots = 0
    for basket in store.baskets[:cut]:
        size = len(basket.product_ids)
        lines += size
        slots += size * (size - 1)
        for pid in basket.product_ids:
            single[pid] += 1
        for a in basket.product_ids:
            for b in basket.product_ids:
                if a != b:
                    joint[(a, b)] += 1
    observed = expected = 0.0
    for case in cases:
        if case.anchor is None:
            continue
        for target in case.targets:
            observed += joint.get((case.anchor, target), 0)
            expected += single[case.anchor] * single[target] * slots / lines**2
    return observed / expected if expected else 0.0


def null_pair_lift(store: Store, cases: Sequence[Case]) -> tuple[float, float, int]:
    """The range `pair_lift` takes when the training lines are dealt into baskets at random
    (each product keeps its number of orders, each basket its size): the middle 95 % of 200
    deals (20 for a store of over 5,000 training orders, whose range is narrow), and the count.

    A store's own lift inside this range is what a store without any bought-together pairs
    would show, so no ranking can learn pairs from it.
    """
    cut = int(len(store.baskets) * TRAIN_SHARE)
    train = store.baskets[:cut]
    deals = 200 if cut <= 5000 else 20  # the big stores' range is narrow; 20 deals show it
    lines = [pid for basket in train for pid in basket.product_ids]
    rng = random.Random(3)
    lifts = []
    for _ in range(deals):
        rng.shuffle(lines)
        dealt, start = [], 0
        for basket in train:
            size = len(basket.product_ids)
            chunk = tuple(dict.fromkeys(lines[start : start + size]))
            dealt.append(Basket(basket.order_id, basket.customer_id, basket.placed_at, chunk))
            start += size
        shuffled = Store(store.name, store.catalog, dealt, store.regions, store.policy)
        lifts.append(pair_lift(shuffled, cases, train_only=False))
    low, high = np.percentile(lifts, [2.5, 97.5])
    return float(low), float(high), deals


VALIDATION_SHARE = 0.64
"""The validation split: train on the first 64 % of orders, validate on 64 to 80 %."""
VALIDATION_CASES = 1000
PRIOR_GRID = tuple((beta, boost) for beta in (3, 10, 30, 100, 300) for boost in (0, 3, 6))
"""(pretend baskets of prior, content boost) pairs the validation split chooses from; the
prior goes to `evidence_prior` for basket completion, `history_evidence_prior` for next
order (the setting each task exercises)."""
PRIOR_FIELD = {"basket completion": "evidence_prior", "next order": "history_evidence_prior"}


@dataclass
class Quality:
    """One store's results on both tasks."""

    cases: dict[str, int]
    scores: dict[str, dict[str, Scores]]
    lift: float
    null_lift: tuple[float, float, int]
    chosen: dict[str, tuple[float, float]]


def sample(cases: list[Case], max_cases: int) -> list[Case]:
    """A fixed random sample keeps the big store's run short."""
    return random.Random(5).sample(cases, max_cases) if len(cases) > max_cases else cases


def task_cases(store: Store, train_share: float, test_share: float) -> dict[str, list[Case]]:
    return {
        "basket completion": basket_cases(store, train_share=train_share, test_share=test_share),
        "next order": split(store, train_share, test_share)[1],
    }


def with_prior(engine: Recommender, task: str, prior: tuple[float, float]) -> Recommender:
    """The same statistics ranked with another prior (only the settings change)."""
    beta, boost = prior
    engine.settings = engine.settings.copy(update={PRIOR_FIELD[task]: beta, "content_boost": boost})
    return engine


def choose_priors(store: Store) -> dict[str, tuple[float, float]]:
    """Per task, the pair of `PRIOR_GRID` with the best validation HitRate@10.

    Only training-period orders are read: statistics from the first 64 %, cases from 64 to
    80 %. Ties keep the earlier pair of the grid.
    """
    engine = Recommender(store.catalog, load_settings(), store.policy)
    engine.add_orders(store.baskets[: int(len(store.baskets) * VALIDATION_SHARE)])
    shipped = engine.settings
    chosen: dict[str, tuple[float, float]] = {}
    for task, cases in task_cases(store, VALIDATION_SHARE, TRAIN_SHARE).items():
        picked = sample(cases, VALIDATION_CASES)
        scored = []
        for i, prior in enumerate(PRIOR_GRID):
            engine.settings = shipped
            hits = evaluate(with_prior(engine, task, prior), picked, "hybrid").hits
            scored.append((statistics.mean(hits or [0]), -i))
        chosen[task] = PRIOR_GRID[-max(scored)[1]]
    engine.settings = shipped
    return chosen


def quality(store: Store, max_cases: int) -> Quality:
    chosen = choose_priors(store)
    train, _ = split(store)
    engine = Recommender(store.catalog, load_settings(), store.policy)
    engine.add_orders(train)
    shipped = engine.settings
    by_task = {
        task: sample(cases, max_cases) for task, cases in task_cases(store, TRAIN_SHARE, 1).items()
    }
    scores: dict[str, dict[str, Scores]] = {}
    for task, cases in by_task.items():
        engine.settings = shipped
        scores[task] = {s: evaluate(engine, cases, s) for s in STRATEGIES}
        scores[task]["hybrid, validated prior"] = evaluate(
            with_prior(engine, task, chosen[task]), cases, "hybrid"
        )
    engine.settings = shipped
    return Quality(
        cases={task: len(cases) for task, cases in by_task.items()},
        scores=scores,
        lift=pair_lift(store, basket_cases(store)),
        null_lift=null_pair_lift(store, basket_cases(store)),
        chosen=chosen,
    )


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
