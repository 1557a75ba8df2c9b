"""The stores the recommender benchmark runs on, as the engine sees them.

The demo store and τ-bench's retail store are built from the same rows the seeder writes
(no database), and a large generated store has planted "bought together" structure, so that
the benchmark runs exactly the shipped engine on data that never went through the backend.
A new store to measure on changes this module only.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from commerce.demo.builder import StoreBuilder, StoreSize
from commerce.recommendations import product_text
from commerce.seed import DEFAULT_SEED, STORES
from commerce.tau_bench import load_files, resolve_data_dir
from commerce.tau_bench_store import TauBenchStore
from recommender.catalog import Basket, Catalog, Product
from recommender.config import PriceBand, RecommendationPolicy, load_policy_section
from recommender.embeddings import cached_embeddings
from stack.settings import ROOT

CACHE = ROOT / "var" / "cache"
AS_OF = dt.date(2026, 11, 20)

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
