"""Which products go into one demo order, the way a shop's baskets look.

A real basket is not a few independent draws from the best-seller list: the first product is
the one the shopper came for (popular products are more often that one, and a shopper tends
to come back to the same departments), and the rest are things that go with it (a tent with a
sleeping bag and a stove, running shoes with shorts and a tee). The recommender's benchmark
can only measure a cross-sell signal that the data has, so the demo store plants one here.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

Row = dict[str, Any]

COMPLEMENT_SHARE = 0.75
"""Chance that each line after the first goes with a product already in the basket."""
FAVOURITE_SHARE = 0.45
"""Chance that an order's first line comes from one of the shopper's favourite departments."""
FAVOURITE_CATEGORIES = (1, 2)
"""How many favourite departments a shopper has (inclusive range)."""

COMPLEMENTS: dict[str, tuple[str, ...]] = {
    # tents
    "2-Person Backpacking Tent": (
        "Down Sleeping Bag",
        "Insulated Sleeping Pad",
        "Backpacking Stove",
        "Rechargeable Headlamp",
        "Stainless Cookset",
        "Hiking Backpack",
    ),
    "4-Person Dome Tent": (
        "Synthetic Sleeping Bag",
        "Insulated Sleeping Pad",
        "Stainless Cookset",
        "Rechargeable Headlamp",
        "Enamel Mug",
        "Camp Quilt",
    ),
    "Ultralight Trekking Pole Tent": (
        "Down Sleeping Bag",
        "Camp Quilt",
        "Insulated Sleeping Pad",
        "Backpacking Stove",
        "Hiking Backpack",
    ),
    "6-Person Cabin Tent": (
        "Synthetic Sleeping Bag",
        "Cast Iron Skillet",
        "Stainless Cookset",
        "Rechargeable Headlamp",
        "Bluetooth Speaker",
        "French Press",
    ),
    "4-Season Mountaineering Tent": (
        "Down Sleeping Bag",
        "Insulated Sleeping Pad",
        "Backpacking Stove",
        "Insulated Parka",
        "Winter Boot",
    ),
    # sleeping bags and pads
    "Down Sleeping Bag": (
        "Insulated Sleeping Pad",
        "2-Person Backpacking Tent",
        "Merino Base Layer Crew",
    ),
    "Synthetic Sleeping Bag": (
        "Insulated Sleeping Pad",
        "4-Person Dome Tent",
        "Rechargeable Headlamp",
    ),
    "Insulated Sleeping Pad": ("Down Sleeping Bag", "Synthetic Sleeping Bag", "Camp Quilt"),
    "Camp Quilt": ("Insulated Sleeping Pad", "Ultralight Trekking Pole Tent"),
    # outerwear
    "Rain Jacket": ("Hiking Pant", "Waterproof Hiking Boot", "Daypack", "Fleece Jacket"),
    "Down Jacket": ("Merino Base Layer Crew", "Winter Boot", "Quarter-Zip Pullover"),
    "Insulated Parka": ("Winter Boot", "Merino Base Layer Crew", "Lip Balm Trio"),
    "Softshell Jacket": ("Climbing Pant", "Approach Shoe", "Merino Base Layer Crew"),
    "Fleece Jacket": ("Hiking Pant", "Flannel Shirt", "Performance Tee"),
    "Trail Running Jacket": ("Trail Running Shoe", "Trail Short", "Hydration Pack"),
    "Puffer Vest": ("Flannel Shirt", "Quarter-Zip Pullover", "Merino Base Layer Crew"),
    # tops
    "Merino Base Layer Crew": ("Merino Boxer Brief", "Down Jacket", "Hiking Pant"),
    "Performance Tee": ("Trail Short", "Road Running Shoe", "Sports Bra", "Natural Deodorant"),
    "Flannel Shirt": ("Hiking Pant", "Puffer Vest", "Enamel Mug"),
    "Sun Hoodie": (
        "Mineral Sunscreen SPF 50",
        "Trail Short",
        "Board Shorts",
        "Insulated Water Bottle",
    ),
    "Quarter-Zip Pullover": ("Hiking Pant", "Performance Tee", "Puffer Vest"),
    # pants
    "Hiking Pant": ("Waterproof Hiking Boot", "Merino Base Layer Crew", "Daypack"),
    "Convertible Pant": ("Sun Hoodie", "Waterproof Hiking Boot", "Travel Pack"),
    "Trail Short": ("Trail Running Shoe", "Performance Tee", "Hydration Pack"),
    "Climbing Pant": ("Approach Shoe", "Softshell Jacket", "Performance Tee"),
    # footwear
    "Trail Running Shoe": (
        "Trail Short",
        "Trail Running Jacket",
        "Hydration Pack",
        "Performance Tee",
    ),
    "Waterproof Hiking Boot": (
        "Hiking Pant",
        "Hiking Backpack",
        "Rain Jacket",
        "Merino Base Layer Crew",
    ),
    "Approach Shoe": ("Climbing Pant", "Daypack", "Softshell Jacket"),
    "Camp Sandal": ("Board Shorts", "Swim Trunks", "Biodegradable Camp Soap"),
    "Winter Boot": ("Insulated Parka", "Down Jacket", "Merino Base Layer Crew"),
    "Road Running Shoe": ("Performance Tee", "Wireless Earbuds", "Sports Bra", "Trail Short"),
    # backpacks
    "Daypack": ("Insulated Water Bottle", "Rain Jacket", "Power Bank", "Mineral Sunscreen SPF 50"),
    "Hiking Backpack": (
        "Waterproof Hiking Boot",
        "Insulated Water Bottle",
        "Rechargeable Headlamp",
    ),
    "Travel Pack": ("Power Bank", "GaN Wall Charger", "Convertible Pant", "Shampoo Bar"),
    "Hydration Pack": ("Trail Running Shoe", "Trail Short", "Mineral Sunscreen SPF 50"),
    "Commuter Pack": ("Power Bank", "Wireless Earbuds", "USB-C Charging Cable", "Rain Jacket"),
    "Duffel": ("Shampoo Bar", "Natural Deodorant", "Camp Sandal"),
    # kitchen
    "Stainless Cookset": (
        "Backpacking Stove",
        "Enamel Mug",
        "Chef's Knife",
        "Biodegradable Camp Soap",
    ),
    "Cast Iron Skillet": ("Chef's Knife", "French Press", "6-Person Cabin Tent"),
    "Insulated Water Bottle": ("Daypack", "Sun Hoodie", "Hydration Pack"),
    "French Press": ("Enamel Mug", "Cast Iron Skillet"),
    "Backpacking Stove": ("Stainless Cookset", "Enamel Mug", "2-Person Backpacking Tent"),
    "Enamel Mug": ("French Press", "Pour-Over Coffee Maker", "Stainless Cookset"),
    "Chef's Knife": ("Cast Iron Skillet", "Stainless Cookset"),
    "Pour-Over Coffee Maker": ("Enamel Mug", "Insulated Water Bottle"),
    # electronics
    "Power Bank": ("USB-C Charging Cable", "Solar Charger Panel", "GaN Wall Charger"),
    "USB-C Charging Cable": ("Power Bank", "GaN Wall Charger", "Wireless Earbuds"),
    "Solar Charger Panel": ("Power Bank", "USB-C Charging Cable", "Rechargeable Headlamp"),
    "Wireless Earbuds": ("Rugged Phone Case", "USB-C Charging Cable", "Road Running Shoe"),
    "Rugged Phone Case": ("Power Bank", "Wireless Earbuds", "USB-C Charging Cable"),
    "Rechargeable Headlamp": ("Power Bank", "USB-C Charging Cable", "2-Person Backpacking Tent"),
    "Bluetooth Speaker": ("Power Bank", "USB-C Charging Cable", "6-Person Cabin Tent"),
    "GaN Wall Charger": ("USB-C Charging Cable", "Power Bank"),
    # beauty
    "Mineral Sunscreen SPF 50": (
        "Lip Balm Trio",
        "Sun Hoodie",
        "Board Shorts",
        "One-Piece Swimsuit",
    ),
    "Lip Balm Trio": ("Mineral Sunscreen SPF 50", "Face Moisturizer"),
    "Face Moisturizer": ("Lip Balm Trio", "Mineral Sunscreen SPF 50", "Shampoo Bar"),
    "Natural Deodorant": ("Shampoo Bar", "Biodegradable Camp Soap", "Performance Tee"),
    "Biodegradable Camp Soap": ("Shampoo Bar", "Stainless Cookset", "Camp Sandal"),
    "Shampoo Bar": ("Natural Deodorant", "Biodegradable Camp Soap", "Face Moisturizer"),
    # underwear
    "Merino Boxer Brief": ("Merino Base Layer Crew", "Performance Tee"),
    "Sports Bra": ("Performance Tee", "Road Running Shoe", "Hipster Brief"),
    "Hipster Brief": ("Sports Bra", "Merino Base Layer Crew"),
    # swimwear
    "Board Shorts": ("Sun Hoodie", "Mineral Sunscreen SPF 50", "Camp Sandal"),
    "One-Piece Swimsuit": ("Mineral Sunscreen SPF 50", "Camp Sandal", "Sun Hoodie"),
    "Bikini Top": ("Mineral Sunscreen SPF 50", "Camp Sandal", "Lip Balm Trio"),
    "Swim Trunks": ("Mineral Sunscreen SPF 50", "Camp Sandal", "Sun Hoodie"),
}
"""Product type -> the types shoppers buy with it. A gift card goes with nothing in particular."""


@dataclass
class _Shelf:
    """Products to draw from, with cumulative popularity weights for `bisect`."""

    products: list[Row] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)

    def add(self, product: Row, weight: float) -> None:
        self.products.append(product)
        self.weights.append((self.weights[-1] if self.weights else 0.0) + weight)

    def draw(self, rng: random.Random) -> Row:
        return self.products[bisect.bisect_right(self.weights, rng.random() * self.weights[-1])]


@dataclass
class _Pool:
    """One set of allowed products (all, returnable, exchangeable), shelved three ways."""

    everything: _Shelf = field(default_factory=_Shelf)
    by_type: dict[str, _Shelf] = field(default_factory=lambda: defaultdict(_Shelf))
    by_category: dict[str, _Shelf] = field(default_factory=lambda: defaultdict(_Shelf))


class BasketPlanner:
    """Draws the distinct products of one order: first line, then what goes with it.

    Args:
        rng: The store builder's generator (so the whole store stays one seeded sequence).
        products: Catalogue rows.
        types: Each product's type name ("Down Sleeping Bag"), aligned with `products`.
        popularity: Each product's sales weight, aligned with `products`.
        exchangeable: Ids of the products that come in more than one variant.
    """

    def __init__(
        self,
        rng: random.Random,
        products: Sequence[Row],
        types: Sequence[str],
        popularity: Sequence[float],
        exchangeable: frozenset[str],
    ) -> None:
        self.rng = rng
        self._type_of = {p["id"]: t for p, t in zip(products, types, strict=True)}
        self._pools: dict[tuple[bool, bool], _Pool] = {}
        self._favourites: dict[str, tuple[str, ...]] = {}
        category_weight: dict[str, float] = defaultdict(float)
        for product, weight in zip(products, popularity, strict=True):
            category_weight[product["category"]] += weight
        self._categories = list(category_weight)
        self._category_weights = list(itertools.accumulate(category_weight.values()))
        for key in ((False, False), (True, False), (True, True)):
            pool = self._pools[key] = _Pool()
            returnable_only, exchangeable_only = key
            for product, weight in zip(products, popularity, strict=True):
                if returnable_only and product["final_sale"]:
                    continue
                if exchangeable_only and product["id"] not in exchangeable:
                    continue
                pool.everything.add(product, weight)
                pool.by_type[self._type_of[product["id"]]].add(product, weight)
                pool.by_category[product["category"]].add(product, weight)

    def favourites(self, customer_id: str) -> tuple[str, ...]:
        """The departments a shopper keeps coming back to, drawn on their first order."""
        if customer_id not in self._favourites:
            count = self.rng.randint(*FAVOURITE_CATEGORIES)
            picked: list[str] = []
            for _ in range(count):
                index = bisect.bisect_right(
                    self._category_weights, self.rng.random() * self._category_weights[-1]
                )
                if self._categories[index] not in picked:
                    picked.append(self._categories[index])
            self._favourites[customer_id] = tuple(picked)
        return self._favourites[customer_id]

    def products(
        self,
        customer_id: str,
        count: int,
        *,
        returnable_only: bool = False,
        exchangeable_only: bool = False,
    ) -> list[Row]:
        """Up to `count` different products for one order of this shopper.

        Orders headed for a return skip final-sale items; those headed for an exchange take
        only products with more than one variant.
        """
        pool = self._pools[(returnable_only or exchangeable_only, exchangeable_only)]
        favourites = [c for c in self.favourites(customer_id) if c in pool.by_category]
        if favourites and self.rng.random() < FAVOURITE_SHARE:
            first = pool.by_category[self.rng.choice(favourites)].draw(self.rng)
        else:
            first = pool.everything.draw(self.rng)
        picked = [first]
        for _ in range(count * 3):
            if len(picked) == count:
                break
            product = self._next(pool, picked)
            if all(product["id"] != other["id"] for other in picked):
                picked.append(product)
        return picked

    def _next(self, pool: _Pool, picked: list[Row]) -> Row:
        """A complement of a product already in the basket, else any popular product."""
        if self.rng.random() < COMPLEMENT_SHARE:
            base = self.rng.choice(picked)
            kinds = [k for k in COMPLEMENTS.get(self._type_of[base["id"]], ()) if k in pool.by_type]
            if kinds:
                return pool.by_type[self.rng.choice(kinds)].draw(self.rng)
        return pool.everything.draw(self.rng)
