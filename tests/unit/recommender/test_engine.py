"""The hybrid ranking: what shoppers are offered, why, and how it learns from new orders."""

from __future__ import annotations

import random

from recommender.catalog import Catalog, ShopperHistory
from recommender.config import RankingSettings, RecommendationPolicy
from recommender.engine import Recommender
from tests.unit.recommender.conftest import basket


def trained(
    catalog: Catalog, settings: RankingSettings, policy: RecommendationPolicy
) -> Recommender:
    """A store where tents go with stoves and jackets with headlamps, among other orders."""
    engine = Recommender(catalog, settings, policy)
    orders = []
    for n in range(12):
        orders.append(basket(f"O-T{n}", "P-TENT", "P-STOVE", customer=f"C-T{n}"))
        orders.append(basket(f"O-J{n}", "P-JACKET", "P-HEADLAMP", customer=f"C-J{n}"))
        orders.append(
            basket(f"O-S{n}", ("P-SHELL", "P-HEADLAMP", "P-JACKET")[n % 3], customer=f"C-S{n}")
        )
    engine.add_orders(orders)
    return engine


def test_what_others_bought_with_the_tent_comes_first_with_that_reason(
    catalog: Catalog, settings: RankingSettings, policy: RecommendationPolicy
) -> None:
    engine = trained(catalog, settings, policy)
    shopper = ShopperHistory(bought=("P-TENT",), region="CA")

    suggestions = engine.recommend(shopper)

    assert suggestions[0].product_id == "P-STOVE"
    assert suggestions[0].reason == "Often bought together with your Alpine Tent"
    assert "P-TENT" not in [s.product_id for s in suggestions]


def test_a_similar_product_is_explained_as_similar_to_the_purchase(
    catalog: Catalog, settings: RankingSettings, policy: RecommendationPolicy
) -> None:
    engine = Recommender(catalog, settings, policy)  # no orders: nothing bought together
    engine.add_order(basket("O-1", "P-JACKET", customer="C-2"))
    shopper = ShopperHistory(bought=("P-SHELL",))

    suggestions = engine.recommend(shopper)

    jacket = next(s for s in suggestions if s.product_id == "P-JACKET")
    assert jacket.source == "content"
    assert jacket.reason == "Similar to the Rain Shell you bought"


def test_a_shopper_with_no_history_gets_popular_products(
    catalog: Catalog, settings: RankingSettings, policy: RecommendationPolicy
) -> None:
    engine = trained(catalog, settings, policy)

    suggestions = engine.recommend(ShopperHistory())

    assert [s.product_id for s in suggestions][:1] in (["P-TENT"], ["P-JACKET"])
    assert {s.reason for s in suggestions} == {"Popular with other shoppers right now"}


def test_a_new_order_changes_the_suggestions_without_a_rebuild(
    catalog: Catalog, settings: RankingSettings, policy: RecommendationPolicy
) -> None:
    engine = trained(catalog, settings, policy)
    shopper = ShopperHistory(bought=("P-PAD",), region="CA")
    before = engine.recommend(shopper)
    assert all(s.source != "copurchase" for s in before)

    for number in range(12):  # a dozen shoppers buy the pad with a stove
        assert engine.add_order(basket(f"O-new-{number}", "P-PAD", "P-STOVE", day=20))

    after = engine.recommend(shopper)
    assert after[0].product_id == "P-STOVE"
    assert after[0].reason == "Often bought together with your Ridge Sleeping Pad"


def test_an_order_counted_twice_changes_nothing(
    catalog: Catalog, settings: RankingSettings, policy: RecommendationPolicy
) -> None:
    engine = trained(catalog, settings, policy)
    counts = dict(engine.copurchase.pairs[catalog.index["P-TENT"]])

    assert engine.add_order(basket("O-T1", "P-TENT", "P-STOVE", customer="C-T1")) is False
    assert dict(engine.copurchase.pairs[catalog.index["P-TENT"]]) == counts
    assert engine.orders_seen == 36


def test_a_product_just_sent_back_is_not_what_suggestions_are_about(
    catalog: Catalog, settings: RankingSettings, policy: RecommendationPolicy
) -> None:
    engine = trained(catalog, settings, policy)
    shopper = ShopperHistory(bought=("P-TENT",), returned_recently=frozenset({"P-TENT"}))

    suggestions = engine.recommend(shopper)

    assert all("Alpine Tent" not in s.reason for s in suggestions)


def test_asking_about_a_product_puts_it_at_the_centre(
    catalog: Catalog, settings: RankingSettings, policy: RecommendationPolicy
) -> None:
    engine = trained(catalog, settings, policy)

    suggestions = engine.recommend(ShopperHistory(), anchor_product_id="P-TENT")

    assert suggestions[0].product_id == "P-STOVE"
    assert suggestions[0].reason == "Often bought together with the Alpine Tent"


def test_stock_is_what_the_caller_read_not_the_catalogue_snapshot(
    catalog: Catalog, settings: RankingSettings, policy: RecommendationPolicy
) -> None:
    engine = trained(catalog, settings, policy)
    shopper = ShopperHistory(bought=("P-TENT",), region="CA")
    asked: list[str] = []

    def stock_of(ids: object) -> frozenset[str]:
        asked.extend(ids)  # type: ignore[arg-type]
        return frozenset(i for i in asked if i != "P-STOVE")  # the stove just sold out

    suggestions = engine.recommend(shopper, stock_of=stock_of)

    assert "P-STOVE" in asked
    assert "P-STOVE" not in [s.product_id for s in suggestions]
    assert all(s.in_stock for s in suggestions)


def test_baselines_rank_differently_from_the_hybrid(
    catalog: Catalog, settings: RankingSettings, policy: RecommendationPolicy
) -> None:
    engine = trained(catalog, settings, policy)
    anchors = engine.anchors(ShopperHistory(bought=("P-PAD",)), None)

    assert engine.rank(anchors, "copurchase") == []  # nobody bought the pad with anything
    assert {c.source for c in engine.rank(anchors, "popularity")} == {"popularity"}
    assert {c.source for c in engine.rank(anchors, "hybrid")} >= {"content"}


def test_my_tent_means_the_tent_the_shopper_bought(
    catalog: Catalog, settings: RankingSettings, policy: RecommendationPolicy
) -> None:
    engine = trained(catalog, settings, policy)
    shopper = ShopperHistory(bought=("P-JACKET", "P-TENT"))

    assert engine.product_mentioned("my tent", shopper) == "P-TENT"
    assert engine.product_mentioned("Tents", shopper) == "P-TENT"


def test_a_product_not_bought_is_found_in_the_catalogue_and_nonsense_is_not(
    catalog: Catalog, settings: RankingSettings, policy: RecommendationPolicy
) -> None:
    engine = trained(catalog, settings, policy)

    assert engine.product_mentioned("sleeping pads", ShopperHistory()) == "P-PAD"
    assert engine.product_mentioned("kayak", ShopperHistory()) is None
    assert engine.product_mentioned("!!", ShopperHistory()) is None


def test_in_a_store_without_real_pairs_nothing_is_called_bought_together(
    catalog: Catalog, settings: RankingSettings, policy: RecommendationPolicy
) -> None:
    rng = random.Random(4)
    ids = [p.product_id for p in catalog.products]
    weights = [8, 5, 1, 6, 7, 3, 1, 1, 1, 1, 9]  # some best-sellers, no pairs
    engine = Recommender(catalog, settings, policy)
    for n in range(600):
        picked = tuple(dict.fromkeys(rng.choices(ids, weights, k=rng.randint(1, 3))))
        engine.add_order(basket(f"O-{n}", *picked, customer=f"C-{n}"))

    for pid in ("P-TENT", "P-JACKET", "P-STOVE", "P-PAD"):
        suggestions = engine.recommend(ShopperHistory(), anchor_product_id=pid, limit=5)
        assert suggestions
        assert all(not s.reason.startswith("Often bought together") for s in suggestions)


def test_a_pair_bought_together_beats_a_best_seller_that_tent_buyers_rarely_take(
    catalog: Catalog, settings: RankingSettings, policy: RecommendationPolicy
) -> None:
    engine = Recommender(catalog, settings, policy)
    for n in range(60):  # the headlamp is in most orders, but in a third of the tent orders
        if n % 4 == 0:
            lines = ("P-TENT", "P-STOVE", "P-HEADLAMP") if n % 12 == 0 else ("P-TENT", "P-STOVE")
        else:
            lines = ("P-JACKET", "P-HEADLAMP")
        engine.add_order(basket(f"O-{n}", *lines, customer=f"C-{n}"))

    suggestions = engine.recommend(ShopperHistory(), anchor_product_id="P-TENT")

    assert suggestions[0].product_id == "P-STOVE"
    assert suggestions[0].reason == "Often bought together with the Alpine Tent"
    headlamp = next(s for s in suggestions if s.product_id == "P-HEADLAMP")
    assert headlamp.reason == "Popular with other shoppers right now"


def test_what_goes_with_the_tent_reads_before_a_best_seller_bought_with_everything(
    catalog: Catalog, settings: RankingSettings, policy: RecommendationPolicy
) -> None:
    engine = Recommender(catalog, settings, policy)
    for n in range(60):  # the headlamp is in every order; the stove only with tents
        lines = ("P-TENT", "P-STOVE", "P-HEADLAMP") if n % 4 == 0 else ("P-JACKET", "P-HEADLAMP")
        engine.add_order(basket(f"O-{n}", *lines, customer=f"C-{n}"))
    anchors = engine.anchors(ShopperHistory(), "P-TENT")
    assert engine.rank(anchors, asked=True)[0].position == catalog.index["P-HEADLAMP"]

    suggestions = engine.recommend(ShopperHistory(), anchor_product_id="P-TENT")

    assert suggestions[0].product_id == "P-STOVE"
    assert suggestions[0].reason == "Often bought together with the Alpine Tent"
    assert "P-HEADLAMP" in [s.product_id for s in suggestions]
