"""The funnel's last step: bought, from the conversions the commerce backend listed.

A day at the store (tests/unit/analytics/chats.py: one suggestion shown and clicked in a
``demo`` conversation whose flow is ``orders``) plus conversions stored as a sync stores them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from analytics.daily import daily, write_csv
from analytics.figures import Scope, recommendations
from analytics.ingest import ingest
from analytics.purchases import Conversion, store_conversions
from analytics.tables import create_tables
from tests.unit.analytics.chats import DAY, a_day_at_the_store, stream

BEFORE = DAY - dt.timedelta(days=1)


def conversion(list_id: str, day: dt.date, hour: int = 9) -> Conversion:
    clicked = dt.datetime.combine(day, dt.time(hour, 5))
    return Conversion(
        recommendation_id=list_id,
        product_id="P-1042",
        clicked_at=clicked.isoformat() + "Z",
        order_id=f"AC-9{list_id[-5:]}",
        placed_at=(clicked + dt.timedelta(days=3)).isoformat() + "Z",
    )


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    built = sa.create_engine(f"sqlite:///{tmp_path / 'analytics.db'}")
    ingest(built, stream(a_day_at_the_store()))
    create_tables(built)
    with built.begin() as connection:
        store_conversions(connection, "demo", [conversion("rec_00001", DAY)])
        store_conversions(connection, "demo", [conversion("rec_00002", BEFORE, hour=23)])
        store_conversions(connection, "outdoor", [conversion("rec_00003", DAY)])
    return built


def test_bought_counts_the_tenants_conversions_clicked_in_the_range(engine: Engine) -> None:
    day = recommendations(engine, Scope("demo", DAY, DAY))
    both = recommendations(engine, Scope("demo", BEFORE, DAY))
    outdoor = recommendations(engine, Scope("outdoor", DAY, DAY))

    assert (day.shown, day.clicked, day.bought, day.bought_rate) == (1, 1, 1, 1.0)
    assert both.bought == 2
    assert (outdoor.clicked, outdoor.bought, outdoor.bought_rate) == (0, 1, None)


def test_without_conversions_bought_is_zero_not_unknown(engine: Engine) -> None:
    later = DAY + dt.timedelta(days=1)
    assert recommendations(engine, Scope("demo", later, later)).bought == 0


def test_bought_is_the_cross_sell_flows_and_its_rate_is_per_click_of_every_flow(
    engine: Engine,
) -> None:
    cross_sell = recommendations(engine, Scope("demo", DAY, DAY, "cross_sell"))
    orders = recommendations(engine, Scope("demo", DAY, DAY, "orders"))

    assert (cross_sell.clicked, cross_sell.bought, cross_sell.bought_rate) == (0, 1, 1.0)
    assert (orders.clicked, orders.bought, orders.bought_rate) == (1, None, None)


def test_the_csv_puts_bought_on_the_cross_sell_row_of_the_click_day(engine: Engine) -> None:
    out = io.StringIO()
    write_csv(daily(engine, Scope("demo", BEFORE, DAY)), out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))

    bought = {(r["day"], r["flow"]): r["suggestions_bought"] for r in rows}
    assert bought[(BEFORE.isoformat(), "cross_sell")] == "1"
    assert bought[(DAY.isoformat(), "cross_sell")] == "1"
    assert bought[(DAY.isoformat(), "orders")] == ""
    added = next(r for r in rows if (r["day"], r["flow"]) == (DAY.isoformat(), "cross_sell"))
    assert added["conversations"] == "0"


def test_storing_the_same_conversions_again_changes_nothing(engine: Engine) -> None:
    with engine.begin() as connection:
        again = store_conversions(connection, "demo", [conversion("rec_00001", DAY)])
    assert again == 0
    assert recommendations(engine, Scope("demo", DAY, DAY)).bought == 1
