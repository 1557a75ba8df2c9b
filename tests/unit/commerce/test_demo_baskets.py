"""Demo orders look like a shop's baskets: complements together, shoppers loyal to departments."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from itertools import combinations

import pytest

from commerce.demo import data
from commerce.demo.baskets import COMPLEMENTS, BasketPlanner
from commerce.demo.builder import StoreBuilder, StoreSize
from commerce.demo.catalog import build_catalog
from tests.unit.commerce.conftest import AS_OF, SEED

Row = dict[str, object]
TYPE_NAMES = {ptype.name for category in data.CATALOG for ptype in category.types}


@pytest.fixture(scope="module")
def store() -> dict[str, list[Row]]:
    return StoreBuilder(SEED, AS_OF, StoreSize()).build()


def _baskets(store: dict[str, list[Row]]) -> dict[str, list[str]]:
    lines: dict[str, list[str]] = defaultdict(list)
    for line in store["order_lines"]:
        lines[str(line["order_id"])].append(str(line["product_id"]))
    return lines


def test_every_type_in_the_affinity_table_is_a_product_the_catalogue_makes() -> None:
    """A misspelt type would silently pair a product with nothing."""
    named = set(COMPLEMENTS) | {kind for kinds in COMPLEMENTS.values() for kind in kinds}
    assert named - TYPE_NAMES == set()
    assert TYPE_NAMES - set(COMPLEMENTS) == {"Gift Card"}


def test_when_a_tent_is_ordered_then_sleeping_gear_comes_with_it_far_more_than_chance(
    store: dict[str, list[Row]],
) -> None:
    category = {str(p["id"]): str(p["category"]) for p in store["products"]}
    baskets = [b for b in _baskets(store).values() if len(b) >= 2]
    with_tent = [b for b in baskets if any(category[p] == "tents" for p in b)]
    others = [b for b in baskets if all(category[p] != "tents" for p in b)]

    def sleeping_share(group: list[list[str]]) -> float:
        return sum(any(category[p] == "sleeping_bags" for p in b) for b in group) / len(group)

    assert len(with_tent) >= 30
    assert sleeping_share(with_tent) > 3 * sleeping_share(others)


def test_pairs_of_earlier_orders_come_back_together_in_later_orders_more_than_by_chance(
    store: dict[str, list[Row]],
) -> None:
    """What a co-purchase recommender needs: pairs seen in older orders predict newer ones.

    Chance keeps each product's order count and each basket's size and deals the lines out
    at random: a pair then shares about `n(a) * n(b) * sum(k * (k - 1)) / sum(k) ** 2`
    baskets.
    """
    baskets = [sorted(set(b)) for b in _baskets(store).values()]  # ids grow with time
    older, newer = baskets[: len(baskets) // 2], baskets[len(baskets) // 2 :]
    single = Counter(p for b in older for p in b)
    joint = Counter(pair for b in older for pair in combinations(b, 2))
    ordered_pairs = sum(len(b) * (len(b) - 1) for b in older)
    lines = sum(len(b) for b in older)
    pairs = [pair for b in newer for pair in combinations(b, 2)]
    observed = sum(joint[pair] for pair in pairs)
    expected = sum(single[a] * single[b] * ordered_pairs / lines**2 for a, b in pairs)
    assert observed / expected > 1.7  # 2.20 here; 1.31 when every line was a popularity draw


def test_a_shoppers_orders_keep_returning_to_the_same_departments(
    store: dict[str, list[Row]],
) -> None:
    category = {str(p["id"]): str(p["category"]) for p in store["products"]}
    first_line = {
        str(line["order_id"]): category[str(line["product_id"])]
        for line in store["order_lines"]
        if line["line_no"] == 1
    }
    by_shopper: dict[str, list[str]] = defaultdict(list)
    for order in store["orders"]:
        by_shopper[str(order["customer_id"])].append(first_line[str(order["id"])])
    overall = Counter(first_line.values())
    total = sum(overall.values())
    chance = sum((n / total) ** 2 for n in overall.values())
    same, pairs = 0, 0
    for departments in by_shopper.values():
        for a, b in combinations(departments, 2):
            same += a == b
            pairs += 1
    assert same / pairs > 1.25 * chance  # 1.01 times chance with popularity-only orders


def test_orders_bound_for_a_return_or_exchange_still_keep_to_their_products() -> None:
    rng = random.Random(3)
    catalog = build_catalog(rng)
    exchangeable = frozenset(
        pid for pid, variants in catalog.variants_by_product.items() if len(variants) > 1
    )
    planner = BasketPlanner(rng, catalog.products, catalog.types, catalog.popularity, exchangeable)
    for number in range(300):
        returned = planner.products(f"C-{number % 40}", 4, returnable_only=True)
        exchanged = planner.products(f"C-{number % 40}", 4, exchangeable_only=True)
        assert not any(p["final_sale"] for p in returned + exchanged)
        assert {p["id"] for p in exchanged} <= exchangeable
        assert len({p["id"] for p in returned}) == len(returned)


def test_the_same_seed_builds_the_same_baskets() -> None:
    first = StoreBuilder(SEED, AS_OF, StoreSize(customers=60, orders=400)).build()
    again = StoreBuilder(SEED, AS_OF, StoreSize(customers=60, orders=400)).build()
    assert first["order_lines"] == again["order_lines"]
