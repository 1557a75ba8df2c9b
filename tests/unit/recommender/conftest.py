"""A small hand-made catalogue whose similarities are chosen, not computed.

Each product's embedding is a unit vector in five dimensions: products meant to be alike
share a direction, so the diversity rule and the "similar to" reason can be tested exactly.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from recommender.catalog import Basket, Catalog, Product
from recommender.config import PriceBand, RankingSettings, RecommendationPolicy

# (id, name, category, price in cents, in stock, direction)
ROWS = (
    ("P-TENT", "Alpine Tent", "tents", 20000, True, (1, 0, 0, 0, 0)),
    ("P-PAD", "Ridge Sleeping Pad", "sleeping_bags", 6000, True, (0.6, 0.8, 0, 0, 0)),
    ("P-PAD-WIDE", "Ridge Sleeping Pad Wide", "sleeping_bags", 6500, True, (0.6, 0.79, 0.1, 0, 0)),
    ("P-STOVE", "Pocket Stove", "kitchen", 5000, True, (0, 0, 1, 0, 0)),
    ("P-JACKET", "Storm Jacket", "outerwear", 15000, True, (0, 0, 0, 1, 0)),
    ("P-SHELL", "Rain Shell", "outerwear", 12000, True, (0, 0, 0.2, 0.98, 0)),
    ("P-GIFT", "Gift Card", "gift_cards", 5000, True, (0, 0, 0, 0, 1)),
    ("P-BANNED", "Knife Set", "kitchen_knives", 4000, True, (0, 0.5, 0.5, 0.5, 0.5)),
    ("P-ROOFBOX", "Car Roof Box", "car", 90000, True, (0.7, 0, 0, 0, 0.71)),
    ("P-LANTERN", "Camp Lantern", "lighting", 3000, False, (0.8, 0, 0.6, 0, 0)),
    ("P-HEADLAMP", "Headlamp", "lighting", 4000, True, (0.5, 0, 0.5, 0.5, 0.5)),
)
NOW = dt.datetime(2026, 11, 20, 16, 0)


def make_catalog() -> Catalog:
    products = [
        Product(pid, name, category, price, stock, f"{name}. {category}.")
        for pid, name, category, price, stock, _ in ROWS
    ]
    vectors = np.array([direction for *_, direction in ROWS], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return Catalog.of(products, vectors)


@pytest.fixture
def catalog() -> Catalog:
    return make_catalog()


@pytest.fixture
def policy() -> RecommendationPolicy:
    return RecommendationPolicy(
        max_results=3,
        exclude_categories=["gift_cards"],
        exclude_products=["P-BANNED"],
        region_exclusions={"HI": ["kitchen"]},
        price_band=PriceBand(min_ratio=0.0, max_ratio=1.5),
        recently_returned_days=60,
        near_duplicate_similarity=0.95,
    )


@pytest.fixture
def settings() -> RankingSettings:
    return RankingSettings(
        evidence_prior=10,
        history_evidence_prior=10,  # the shipped 100 would outweigh these few orders
        content_boost=3,
        together_min_lift=1.5,
        copurchase_prior=2,
        candidates_per_source=50,
        related_first_within=10,
        anchors=3,
        min_content_similarity=0.35,
    )


def basket(order_id: str, *product_ids: str, customer: str = "C-1", day: int = 1) -> Basket:
    return Basket(order_id, customer, dt.datetime(2026, 10, day, 12), product_ids)
