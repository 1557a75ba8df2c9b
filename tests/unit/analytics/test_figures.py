"""Figures from the tables: percentiles, drift, the CSV export (a fresh SQLite file per test)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from analytics.daily import CSV_COLUMNS, daily, write_csv
from analytics.figures import Scope, drift, latency, percentile, understanding
from analytics.ingest import ingest
from tests.unit.analytics.chats import DAY, Chat, at, stream


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return sa.create_engine(f"sqlite:///{tmp_path / 'analytics.db'}")


@pytest.mark.parametrize(
    ("values", "p", "expected"),
    [
        ([], 50, None),
        ([7.0], 99, 7.0),
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50, 5),
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90, 9),
        ([10, 1, 9, 2, 8, 3, 7, 4, 6, 5], 99, 10),
    ],
)
def test_percentiles_are_nearest_rank(values: list[float], p: float, expected: float) -> None:
    assert percentile(values, p) == expected


def greetings(day: dt.date, n: int, intent: str, confidence: float) -> list[Chat]:
    return [
        Chat(f"{day}-{intent}-{i}", at(day, 9, i)).session("demo").user("hi", intent, confidence)
        .action("utter_greet").bot("utter_greet", after=0.1 * (i + 1)).listen()
        for i in range(n)
    ]  # fmt: skip


def test_drift_compares_this_week_with_the_four_weeks_before(engine: Engine) -> None:
    week_end = DAY
    before = [week_end - dt.timedelta(days=d) for d in (8, 15, 22, 34)]
    chats = [c for d in before for c in greetings(d, 3, "order_status", 0.9)]
    chats += greetings(week_end - dt.timedelta(days=35), 5, "greet", 0.1)  # outside both
    chats += greetings(week_end, 2, "order_status", 0.9) + greetings(week_end, 2, "greet", 0.3)
    ingest(engine, stream(chats))
    found = drift(engine, "demo", week_end)
    assert (found.week_turns, found.baseline_turns) == (4, 12)
    assert found.low_confidence_week == 0.5 and found.low_confidence_baseline == 0.0
    assert found.low_confidence_change == 0.5
    assert found.intent_shift == 0.5
    assert found.intent_changes == {"greet": 0.5, "order_status": -0.5}


def test_no_baseline_means_no_drift_figure_rather_than_zero(engine: Engine) -> None:
    ingest(engine, stream(greetings(DAY, 2, "greet", 0.9)))
    found = drift(engine, "demo", DAY)
    assert found.intent_shift is None and found.low_confidence_change is None


def test_a_scope_without_data_gives_no_rates(engine: Engine) -> None:
    ingest(engine, stream(greetings(DAY, 2, "greet", 0.9)))
    empty = Scope("demo", DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=3))
    assert understanding(engine, empty).fallback_rate is None
    assert latency(engine, empty).p50_ms is None
    assert understanding(engine, Scope("nobody", DAY, DAY)).turns == 0


def test_the_csv_has_a_row_per_day_and_flow_with_the_days_figures(engine: Engine) -> None:
    other_day = DAY + dt.timedelta(days=1)
    ingest(engine, stream(greetings(DAY, 3, "greet", 0.9) + greetings(other_day, 1, "greet", 0.2)))
    out = io.StringIO()
    write_csv(daily(engine, Scope("demo", DAY, other_day)), out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [(r["day"], r["flow"], r["conversations"]) for r in rows] == [
        (DAY.isoformat(), "other", "3"),
        (other_day.isoformat(), "other", "1"),
    ]
    assert rows[0]["latency_p50_ms"] == "220.0" and rows[0]["rating_mean"] == ""
    assert rows[1]["low_confidence_rate"] == "1.0"
