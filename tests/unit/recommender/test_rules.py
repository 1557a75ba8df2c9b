"""Each business rule drops exactly what it is for, and nothing is dropped without it.

Every row names a rule, a product the ranking proposes and the shopper's facts. The test
checks the rule drops that product, then runs the same stage with only that rule switched
off and checks the product comes through: so each row fails if its rule is removed.
"""

from __future__ import annotations

import pytest

from recommender.catalog import Catalog, ShopperHistory
from recommender.config import RecommendationPolicy
from recommender.rules import DIVERSITY, RULES, Candidate, RuleContext, apply_rules

ALL_IN_STOCK = frozenset(
    {
        "P-TENT",
        "P-PAD",
        "P-PAD-WIDE",
        "P-STOVE",
        "P-JACKET",
        "P-SHELL",
        "P-GIFT",
        "P-BANNED",
        "P-ROOFBOX",
        "P-HEADLAMP",
    }
)  # not P-LANTERN


def context(
    catalog: Catalog,
    policy: RecommendationPolicy,
    history: ShopperHistory | None = None,
    *,
    anchor_price: int | None = 20000,
    returned_categories: frozenset[str] = frozenset(),
) -> RuleContext:
    return RuleContext(
        catalog=catalog,
        policy=policy,
        history=history or ShopperHistory(bought=("P-TENT",), region="CA"),
        anchor_price_cents=anchor_price,
        in_stock=ALL_IN_STOCK,
        returned_categories=returned_categories,
    )


CASES = [
    pytest.param("in_stock", "P-LANTERN", {}, id="out of stock lantern is never suggested"),
    pytest.param(
        "not_already_bought",
        "P-HEADLAMP",
        {"history": ShopperHistory(bought=("P-TENT", "P-HEADLAMP"), region="CA")},
        id="a headlamp the shopper already owns is not suggested",
    ),
    pytest.param(
        "not_just_returned",
        "P-JACKET",
        {"returned_categories": frozenset({"outerwear"})},
        id="no jacket right after a rain shell was sent back",
    ),
    pytest.param(
        "ships_to_region",
        "P-STOVE",
        {"history": ShopperHistory(bought=("P-TENT",), region="HI")},
        id="no stove for a shopper in Hawaii",
    ),
    pytest.param("merchant_exclusions", "P-GIFT", {}, id="gift cards are excluded by category"),
    pytest.param("merchant_exclusions", "P-BANNED", {}, id="a product the merchant excluded by id"),
    pytest.param(
        "price_band", "P-ROOFBOX", {}, id="a 900 dollar roof box is no add-on to a 200 dollar tent"
    ),
]


@pytest.mark.parametrize(("rule", "product_id", "facts"), CASES)
def test_rule_drops_what_it_is_for_and_only_that_rule_does(
    catalog: Catalog, policy: RecommendationPolicy, rule: str, product_id: str, facts: dict
) -> None:
    ctx = context(catalog, policy, **facts)
    candidates = [Candidate(catalog.index[product_id], 1.0, "copurchase", catalog.index["P-TENT"])]

    with_rule = apply_rules(candidates, ctx, limit=3)
    without_rule = apply_rules(candidates, ctx, limit=3, skip=frozenset({rule}))

    assert with_rule.kept == []
    assert with_rule.dropped == {product_id: rule}
    assert [catalog.products[c.position].product_id for c in without_rule.kept] == [product_id]


def test_every_rule_has_a_row_in_the_table() -> None:
    tested = {case.values[0] for case in CASES} | {DIVERSITY}
    assert tested == {name for name, _ in RULES} | {DIVERSITY}


def test_a_near_duplicate_of_a_suggestion_already_in_the_list_is_left_out(
    catalog: Catalog, policy: RecommendationPolicy
) -> None:
    ctx = context(catalog, policy)
    ranked = [
        Candidate(catalog.index[pid], score, "copurchase", catalog.index["P-TENT"])
        for pid, score in (("P-PAD", 0.9), ("P-PAD-WIDE", 0.8), ("P-STOVE", 0.7))
    ]

    with_rule = apply_rules(ranked, ctx, limit=3)
    without_rule = apply_rules(ranked, ctx, limit=3, skip=frozenset({DIVERSITY}))

    names = [catalog.products[c.position].product_id for c in with_rule.kept]
    assert names == ["P-PAD", "P-STOVE"]
    assert with_rule.dropped == {"P-PAD-WIDE": DIVERSITY}
    assert [catalog.products[c.position].product_id for c in without_rule.kept] == [
        "P-PAD",
        "P-PAD-WIDE",
        "P-STOVE",
    ]


def test_without_a_purchase_to_compare_with_any_price_is_fine(
    catalog: Catalog, policy: RecommendationPolicy
) -> None:
    ctx = context(catalog, policy, ShopperHistory(), anchor_price=None)
    kept = apply_rules([Candidate(catalog.index["P-ROOFBOX"], 1.0, "popularity")], ctx, limit=3)
    assert len(kept.kept) == 1


def test_the_list_stops_at_the_limit_keeping_the_best(
    catalog: Catalog, policy: RecommendationPolicy
) -> None:
    ctx = context(catalog, policy)
    ranked = [
        Candidate(catalog.index[pid], 1.0 - i / 10, "popularity")
        for i, pid in enumerate(("P-PAD", "P-STOVE", "P-JACKET", "P-SHELL"))
    ]
    kept = apply_rules(ranked, ctx, limit=2).kept
    assert [catalog.products[c.position].product_id for c in kept] == ["P-PAD", "P-STOVE"]
