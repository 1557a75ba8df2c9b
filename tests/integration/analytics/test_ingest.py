"""A day at the store, ingested into a real database: the figures a merchant would read.

Replaying the stream, cutting it into other batches, or delivering it twice leaves the same
tables; PostgreSQL (127.0.0.1:5432, a database of its own, dropped afterwards) gives the same
rows as SQLite.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from analytics.figures import (
    Scope,
    conversations,
    forms,
    guardrails,
    handoffs,
    intents,
    latency,
    recommendations,
    satisfaction,
    time_to_resolution,
    understanding,
)
from analytics.ingest import ingest, rebuild_all
from tests.integration.analytics.conftest import dump
from tests.postgres import fresh_database
from tests.unit.analytics.chats import DAY, a_day_at_the_store, stream

pytestmark = pytest.mark.timeout(120)

DEMO = Scope("demo", DAY, DAY)


@pytest.fixture
def day(engine: Engine) -> Engine:
    report = ingest(engine, stream(a_day_at_the_store()))
    assert report.stored == report.received and report.rejected == 0
    return engine


def test_containment_counts_only_what_the_bot_resolved_alone(day: Engine) -> None:
    found = conversations(day, DEMO)
    assert (found.conversations, found.resolved, found.involved, found.contained) == (5, 3, 3, 1)
    assert found.containment_rate == 0.2
    assert conversations(day, Scope("demo", DAY, DAY, "orders")).containment_rate == 1.0


def test_handoffs_are_counted_by_reason_and_ratings_by_ticket(day: Engine) -> None:
    assert handoffs(day, DEMO).by_reason == {
        "asked_for_person": 1,
        "nlu_fallbacks": 1,
        "safety": 1,
    }
    csat = satisfaction(day, DEMO)
    assert (csat.asked, csat.rated, csat.mean, csat.satisfied_rate) == (2, 2, 3.0, 0.5)
    assert handoffs(day, Scope("demo", DAY, DAY, "returns")).by_reason == {"asked_for_person": 1}


def test_understanding_and_intents_leave_out_messages_to_a_person(day: Engine) -> None:
    nlu = understanding(day, DEMO)
    assert (nlu.turns, nlu.fallback, nlu.low_confidence) == (17, 2, 2)
    found = intents(day, DEMO)
    assert found["inform"] == 8 and found["nlu_fallback"] == 2 and sum(found.values()) == 17


def test_forms_show_completion_and_the_question_shoppers_stop_at(day: Engine) -> None:
    demo = {f.form: f for f in forms(day, DEMO)}
    assert demo["order_status_form"].completion_rate == 1.0
    assert demo["return_form"].handed_off == 1
    assert demo["return_form"].drop_off == {"return_reason": 1}
    (outdoor,) = forms(day, Scope("outdoor", DAY, DAY))
    assert (outdoor.form, outdoor.abandoned, outdoor.drop_off) == (
        "cancel_order_form",
        1,
        {"cancel_reason": 1},
    )


def test_tenants_see_only_their_own_conversations(day: Engine) -> None:
    outdoor = Scope("outdoor", DAY, DAY)
    assert conversations(day, outdoor).conversations == 1
    assert handoffs(day, outdoor).handoffs == 0
    assert conversations(day, Scope("elsewhere", DAY, DAY)).conversations == 0


def test_recommendations_latency_guardrails_and_time_to_resolution(day: Engine) -> None:
    recs = recommendations(day, DEMO)
    assert (recs.offered, recs.shown, recs.clicked, recs.bought) == (1, 1, 1, 0)
    lat = latency(day, DEMO)
    assert lat.turns == 17 and 300 <= (lat.p50_ms or 0) <= lat.p90_ms <= (lat.p99_ms or 0)
    assert guardrails(day, DEMO).handoff_signals == {"safety": 1}
    ttr = time_to_resolution(day, DEMO)
    assert ttr.resolved == 3 and ttr.by_bot_p50_s is not None and ttr.by_person_p50_s


def test_ingesting_the_same_stream_again_changes_nothing(day: Engine) -> None:
    before = dump(day)
    again = ingest(day, stream(a_day_at_the_store()))
    assert again.stored == 0 and again.duplicates == again.received
    assert dump(day) == before


def test_any_batches_in_any_order_rebuild_the_same_tables(day: Engine, tmp_path: Path) -> None:
    shuffled = stream(a_day_at_the_store())
    random.Random(7).shuffle(shuffled)
    other = sa.create_engine(f"sqlite:///{tmp_path / 'replayed.db'}")
    for start in range(0, len(shuffled), 13):
        ingest(other, shuffled[start : start + 13])
    ingest(other, shuffled[:40])  # an at-least-once source delivers some again
    assert dump(other) == dump(day)
    rebuild_all(other)
    assert dump(other) == dump(day)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with fresh_database(f"aftercare_analytics_{uuid.uuid4().hex[:10]}") as url:
        yield url


def test_postgresql_holds_the_same_rows_as_sqlite(day: Engine, postgres_url: str) -> None:
    pg = sa.create_engine(postgres_url)
    try:
        ingest(pg, stream(a_day_at_the_store()))
        ingest(pg, stream(a_day_at_the_store()))
        assert dump(pg) == dump(day)
        assert conversations(pg, DEMO) == conversations(day, DEMO)
    finally:
        pg.dispose()
