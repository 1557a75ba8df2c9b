"""Rewording decisions: from the bot event's metadata to a fact's flag, a reply row, the figure."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from analytics.derive import derive
from analytics.facts import StreamMessage, fact_of
from analytics.figures import Scope, guardrails
from analytics.ingest import ingest, rebuild_all
from analytics.tables import REPLIES
from tests.unit.analytics.chats import DAY, EMAIL, Chat, at, stream

THRESHOLD = 0.6


def decided(reason: Any, rephrased: Any = None) -> dict[str, Any]:
    """A bot event's metadata as Rasa writes it for a reply the NLG decided on."""
    if rephrased is None:
        rephrased = reason == "rephrased"
    generation = {"rephrased": rephrased, "reason": reason}
    return {"metadata": {"rephrase": True, "generation": generation}}


def generative_day(day: dt.date = DAY) -> list[Chat]:
    """demo: g1 a greeting reworded, an order answer over the budget; g2 an order answer the
    fact lock refused, then a reply not eligible; outdoor: g3 a greeting reworded."""
    g1 = Chat("g1", at(day, 9)).session("demo")
    g1.user("hello", "greet", 0.99).action("utter_greet")
    g1.bot("utter_greet", **decided("rephrased")).listen()
    g1.user("where is my order?", "order_status").action("action_order_status")
    g1.bot("utter_order_status_in_motion", **decided("budget")).listen()
    g2 = Chat("g2", at(day, 10)).session("demo")
    g2.user("where is my order?", "order_status").action("action_order_status")
    g2.bot("utter_order_status_paid", **decided("rail_fact_lock")).listen()
    g2.user("ok", "affirm").action("utter_anything_else").bot("utter_anything_else").listen()
    g3 = Chat("sms:outdoor:Zm9vYmFy", at(day, 11)).session("outdoor")
    g3.user("hi", "greet", 0.99).action("utter_greet")
    g3.bot("utter_greet", **decided("rephrased")).listen()
    return [g1, g2, g3]


def bot_fact_flags(**metadata: Any) -> frozenset[str]:
    chat = Chat("s1", at(DAY, 9)).bot("utter_greet", **metadata)
    return fact_of(chat.messages()[0]).flags


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return sa.create_engine(f"sqlite:///{tmp_path / 'analytics.db'}")


@pytest.mark.parametrize(
    ("reason", "rephrased", "flag"),
    [
        ("rephrased", True, "generation=rephrased"),
        ("budget", False, "generation=budget"),
        ("rail_fact_lock", False, "generation=rail_fact_lock"),
        ("provider_timeout", False, "generation=provider_timeout"),
    ],
)
def test_a_reply_decided_on_keeps_its_decision_as_a_flag(
    reason: str, rephrased: bool, flag: str
) -> None:
    assert flag in bot_fact_flags(**decided(reason, rephrased))


@pytest.mark.parametrize(
    "metadata",
    [
        {},
        {"metadata": {"rephrase": True}},  # marked, but the switch was off: no decision
        decided("error: KeyError"),  # not one of the listed reasons
        decided(f"rail_{EMAIL}"),
        decided(["rephrased"]),
        decided("rephrased", rephrased=False),  # contradicts itself
        decided("budget", rephrased=True),
        decided("budget", rephrased="no"),
        {"metadata": {"generation": "rephrased"}},
        {"metadata": "generation"},
        {"generation": {"rephrased": True, "reason": "rephrased"}},  # not where Rasa puts it
    ],
)
def test_anything_but_a_well_formed_decision_leaves_no_flag(metadata: dict[str, Any]) -> None:
    assert not any(f.startswith("generation") for f in bot_fact_flags(**metadata))


def test_each_reply_decided_on_is_a_row_with_the_flow_of_the_turn_it_answers() -> None:
    facts = [fact_of(m) for m in generative_day()[0].messages()]
    rows = derive(facts[0].sender_key, facts, THRESHOLD).replies
    assert [(r["n"], r["response"], r["flow"], r["rephrased"], r["reason"]) for r in rows] == [
        (0, "utter_greet", "other", True, "rephrased"),
        (1, "utter_order_status_in_motion", "orders", False, "budget"),
    ]
    assert {(r["tenant"], r["day"]) for r in rows} == {("demo", DAY)}


def test_the_figure_counts_eligible_rephrased_and_refused_by_reason(engine: Engine) -> None:
    ingest(engine, stream(generative_day()))
    found = guardrails(engine, Scope("demo", DAY, DAY))
    assert (found.replies_eligible, found.replies_rephrased) == (3, 1)
    assert found.replies_refused == {"budget": 1, "rail_fact_lock": 1}
    assert found.rephrase_rate == 0.3333
    orders = guardrails(engine, Scope("demo", DAY, DAY, "orders"))
    assert (orders.replies_eligible, orders.replies_rephrased, orders.rephrase_rate) == (2, 0, 0.0)
    outdoor = guardrails(engine, Scope("outdoor", DAY, DAY))
    assert (outdoor.replies_eligible, outdoor.replies_refused, outdoor.rephrase_rate) == (
        1,
        {},
        1.0,
    )


def test_without_a_decision_in_the_range_the_layer_was_off(engine: Engine) -> None:
    ingest(engine, stream(generative_day()))
    next_day = DAY + dt.timedelta(days=1)
    found = guardrails(engine, Scope("demo", next_day, next_day))
    assert (found.replies_eligible, found.replies_refused, found.rephrase_rate) == (0, {}, None)


def test_a_database_from_before_the_replies_table_gets_it_and_rebuild_fills_it(
    engine: Engine,
) -> None:
    ingest(engine, stream(generative_day()))
    REPLIES.drop(engine)  # as a database created before this table existed
    assert "analytics_replies" not in sa.inspect(engine).get_table_names()
    assert rebuild_all(engine) == 3
    assert guardrails(engine, Scope("demo", DAY, DAY)).replies_eligible == 3
    with engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(REPLIES)).scalar() == 4


def test_a_redelivered_stream_counts_each_reply_once(engine: Engine) -> None:
    messages = stream(generative_day())
    ingest(engine, messages)
    ingest(engine, [StreamMessage(m.body) for m in reversed(messages)])
    assert guardrails(engine, Scope("demo", DAY, DAY)).replies_eligible == 3
