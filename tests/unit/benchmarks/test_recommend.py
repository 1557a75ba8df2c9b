"""The recommender benchmark measures what it says: cases from the test period only,
anchors from the shopper's own basket, the prior chosen without looking at the test orders."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from benchmarks.recommend_quality import (
    basket_cases,
    bootstrap,
    choose_priors,
    null_pair_lift,
    pair_lift,
    quality,
    split,
)
from benchmarks.recommend_stores import Store
from recommender.catalog import Basket
from recommender.config import PriceBand, RecommendationPolicy
from tests.unit.recommender.conftest import make_catalog

START = dt.datetime(2026, 1, 1)
POLICY = RecommendationPolicy(max_results=3, price_band=PriceBand(min_ratio=0.0, max_ratio=10))


def _store(baskets: list[tuple[str, tuple[str, ...]]]) -> Store:
    rows = [
        Basket(f"O-{n:04d}", customer, START + dt.timedelta(hours=n), products)
        for n, (customer, products) in enumerate(baskets)
    ]
    return Store("test", make_catalog(), rows, {b.order_id: "CA" for b in rows}, POLICY)


def _planted(orders: int, seed: int = 1) -> Store:
    """Tents are bought with a pad, jackets with a headlamp; the rest is noise."""
    rng = random.Random(seed)
    pairs = [("P-TENT", "P-PAD"), ("P-JACKET", "P-HEADLAMP")]
    noise = ["P-STOVE", "P-SHELL", "P-ROOFBOX", "P-PAD-WIDE"]
    baskets = []
    for n in range(orders):
        basket = list(rng.choice(pairs)) if rng.random() < 0.6 else rng.sample(noise, 2)
        if rng.random() < 0.5:
            basket.append(rng.choice(noise))
        baskets.append((f"C-{n % (orders // 2)}", tuple(dict.fromkeys(basket))))
    return _store(baskets)


def test_basket_cases_come_from_test_period_orders_anchored_on_one_of_their_own_lines() -> None:
    store = _store(
        [
            ("C-1", ("P-TENT", "P-STOVE")),
            ("C-2", ("P-JACKET",)),
            ("C-1", ("P-SHELL",)),
            ("C-3", ("P-PAD", "P-STOVE")),
            ("C-1", ("P-TENT", "P-PAD", "P-HEADLAMP")),  # test period starts here (4 of 5)
        ]
    )
    [case] = basket_cases(store)
    assert case.anchor in {"P-TENT", "P-PAD", "P-HEADLAMP"}
    # the tent was bought before: not a target; the anchor is the purchase, not a target
    assert case.targets == {"P-PAD", "P-HEADLAMP"} - {case.anchor}
    # the history is what the shopper bought before this order, plus the anchor
    assert set(case.history.bought) == {case.anchor, "P-TENT", "P-STOVE", "P-SHELL"}


def test_a_single_product_order_is_no_basket_completion_case() -> None:
    store = _store([("C-1", ("P-TENT", "P-PAD"))] * 4 + [("C-2", ("P-JACKET",))])
    assert basket_cases(store) == []


def test_next_order_cases_read_only_the_training_period_history() -> None:
    store = _store(
        [
            ("C-1", ("P-TENT",)),
            ("C-2", ("P-JACKET",)),
            ("C-1", ("P-PAD",)),
            ("C-2", ("P-SHELL",)),
            ("C-1", ("P-STOVE", "P-TENT")),
        ]
    )
    train, [case] = split(store)
    assert len(train) == 4
    assert case.history.bought == ("P-PAD", "P-TENT")
    assert case.targets == {"P-STOVE"}


def test_pair_lift_separates_planted_pairs_from_independent_baskets() -> None:
    planted = _planted(400)
    rng = random.Random(2)
    ids = [p.product_id for p in make_catalog().products]
    independent = _store([(f"C-{n}", tuple(rng.sample(ids, 2))) for n in range(400)])
    assert pair_lift(planted, basket_cases(planted)) > 1.8
    assert 0.8 < pair_lift(independent, basket_cases(independent)) < 1.3


def test_random_deals_of_the_same_lines_bracket_an_independent_store_not_a_planted_one() -> None:
    planted = _planted(400)
    rng = random.Random(2)
    ids = [p.product_id for p in make_catalog().products]
    independent = _store([(f"C-{n}", tuple(rng.sample(ids, 2))) for n in range(400)])

    low, high, _ = null_pair_lift(planted, basket_cases(planted))
    assert high < pair_lift(planted, basket_cases(planted))
    low, high, _ = null_pair_lift(independent, basket_cases(independent))
    assert low < pair_lift(independent, basket_cases(independent)) < high


def test_bootstrap_interval_holds_the_mean_and_shrinks_with_more_cases() -> None:
    few = [1.0, 0.0] * 20
    many = few * 25
    mean, low, high = bootstrap(few)
    assert low < mean < high
    assert mean == pytest.approx(0.5)
    _, low_many, high_many = bootstrap(many)
    assert high_many - low_many < (high - low) / 2
    assert bootstrap([1.0] * 10) == (1.0, 1.0, 1.0)


def test_the_validated_prior_does_not_depend_on_the_test_period() -> None:
    store = _planted(300)
    cut = int(len(store.baskets) * 0.8)
    shuffled = _planted(300, seed=9).baskets[cut:]
    changed = Store(
        "changed",
        store.catalog,
        store.baskets[:cut]
        + [
            Basket(
                b.order_id + "-x", b.customer_id, b.placed_at + dt.timedelta(days=30), b.product_ids
            )
            for b in shuffled
        ],
        {**store.regions, **{b.order_id + "-x": "CA" for b in shuffled}},
        store.policy,
    )
    assert choose_priors(changed) == choose_priors(store)


def test_when_pairs_are_real_the_hybrid_completes_baskets_better_than_popularity() -> None:
    result = quality(_planted(500), max_cases=500)
    scores = result.scores["basket completion"]
    hybrid = sum(scores["hybrid"].hits) / len(scores["hybrid"].hits)
    popular = sum(scores["popularity"].hits) / len(scores["popularity"].hits)
    assert result.cases["basket completion"] > 30
    assert hybrid > popular
