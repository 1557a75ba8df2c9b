"""Two merchants on one store, for the tests of whose recommendation rules apply.

The demo merchant keeps its real policy file; the second, `outdoor`, gets τ-bench's policy
file (the one `channels/tenants.yml` names for it) with its `recommendations` section edited
the way a merchant would edit it. `best_seller` says which product a shopper nobody knows is
shown first, so a test can make the two merchants' rules differ exactly there.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import func, select

from commerce.db import Database
from commerce.models import OrderLine, Product, ProductVariant
from tests.conftest import ROOT

DEMO_POLICY = ROOT / "data" / "policy" / "demo.yml"
OUTDOOR_BASE = ROOT / "data" / "policy" / "tau-bench.yml"
DEMO_EXCLUDED = ("gift_cards", "underwear")
"""The categories `data/policy/demo.yml` never suggests."""


class Listed(NamedTuple):
    """A product as a test names it."""

    id: str
    name: str
    category: str


def best_seller(db_url: str, excluded_categories: tuple[str, ...] = DEMO_EXCLUDED) -> Listed:
    """The product in most orders that is in stock and not in `excluded_categories`.

    It is what a shopper nobody knows is shown first (popularity; ties go to the lower id).
    """
    database = Database(db_url, max_workers=1)
    try:
        stocked = (
            select(ProductVariant.product_id).where(ProductVariant.stock > 0).distinct()
        ).scalar_subquery()
        query = (
            select(Product.id, Product.name, Product.category)
            .join(OrderLine, OrderLine.product_id == Product.id)
            .where(Product.category.not_in(excluded_categories), Product.id.in_(stocked))
            .group_by(Product.id)
            .order_by(func.count(func.distinct(OrderLine.order_id)).desc(), Product.id)
            .limit(1)
        )
        return Listed(*database.run_sync(lambda s: s.execute(query).one()))
    finally:
        database.close()


def product_names(db_url: str, category: str) -> set[str]:
    """The names of every product in `category`."""
    database = Database(db_url, max_workers=1)
    try:
        query = select(Product.name).where(Product.category == category)
        return set(database.run_sync(lambda s: s.execute(query).scalars().all()))
    finally:
        database.close()


def write_demo_policy_quiet_later(path: Path) -> Path:
    """The demo policy with its quiet hours moved to start ten hours from now, in its zone.

    A test stack lives for minutes; the proactive tests then run at any time of day without
    meeting the quiet hours, which their own tests cover (tests/unit/proactive).
    """
    document = yaml.safe_load(DEMO_POLICY.read_text(encoding="utf-8"))
    zone = ZoneInfo(document["proactive"]["time_zone"])
    start = dt.datetime.now(zone) + dt.timedelta(hours=10)
    end = start + dt.timedelta(hours=2)
    document["proactive"]["quiet_hours"] = {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def write_outdoor_policy(path: Path, **recommendations: Any) -> Path:
    """τ-bench's policy file with its `recommendations` section changed as given."""
    document = yaml.safe_load(OUTDOOR_BASE.read_text(encoding="utf-8"))
    document["recommendations"].update(recommendations)
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path
