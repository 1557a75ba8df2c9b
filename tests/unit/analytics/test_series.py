"""The dashboard's time series: every day of the range, in order, empty days included."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from analytics.figures import Scope, conversations, latency
from analytics.ingest import ingest
from analytics.series import by_day
from tests.unit.analytics.chats import DAY, Chat, at, stream


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return sa.create_engine(f"sqlite:///{tmp_path / 'analytics.db'}")


def greetings(day: dt.date, n: int, confidence: float) -> list[Chat]:
    return [
        Chat(f"{day}-{i}", at(day, 9, i)).session("demo").user("hi", "greet", confidence)
        .action("utter_greet").bot("utter_greet", after=0.1 * (i + 1)).listen()
        for i in range(n)
    ]  # fmt: skip


def test_when_a_day_has_no_conversation_then_it_is_shown_with_zero_and_no_rates(
    engine: Engine,
) -> None:
    last = DAY + dt.timedelta(days=2)
    ingest(engine, stream(greetings(DAY, 3, 0.9) + greetings(last, 1, 0.2)))
    days = by_day(engine, Scope("demo", DAY, last))
    assert [d["day"] for d in days] == [str(DAY), str(DAY + dt.timedelta(days=1)), str(last)]
    assert [d["conversations"] for d in days] == [3, 0, 1]
    assert days[1]["containment_rate"] is None and days[1]["latency_p50_ms"] is None
    assert days[2]["low_confidence_rate"] == 1.0


def test_a_days_figures_are_those_of_a_range_of_that_one_day(engine: Engine) -> None:
    ingest(engine, stream(greetings(DAY, 4, 0.9)))
    (day,) = by_day(engine, Scope("demo", DAY, DAY))
    one_day = Scope("demo", DAY, DAY)
    assert day["conversations"] == conversations(engine, one_day).conversations
    assert day["latency_p90_ms"] == latency(engine, one_day).p90_ms
    assert by_day(engine, Scope("outdoor", DAY, DAY))[0]["conversations"] == 0
