"""The assistant's own rating question at goodbye: its rows and the ``assistant_satisfaction``
figure (docs/analytics.md, "CSAT"), from event streams as Rasa publishes them."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from analytics.daily import daily, write_csv
from analytics.derive import derive
from analytics.facts import fact_of
from analytics.figures import (
    Scope,
    assistant_satisfaction,
    conversations,
    forms,
    handoffs,
    report,
    satisfaction,
    time_to_resolution,
    understanding,
)
from analytics.ingest import ingest, rebuild_all
from analytics.records import Derived
from analytics.tables import BOT_RATINGS
from tests.unit.analytics.chats import (
    DAY,
    NAME,
    Chat,
    at,
    bot_rated,
    goodbye_asked,
    hand_off,
    order_status,
    rated,
    stream,
)

THRESHOLD = 0.6
NEXT_DAY = DAY + dt.timedelta(days=1)


def derived(chat: Chat) -> Derived:
    facts = [fact_of(m) for m in chat.messages()]
    return derive(facts[0].sender_key, facts, THRESHOLD)


def served(sender: str = "s1", tenant: str = "demo", day: dt.date = DAY, hour: int = 9) -> Chat:
    """An order question, answered: the assistant served the shopper alone."""
    return order_status(Chat(sender, at(day, hour)).session(tenant))


def said_bye(chat: Chat) -> Chat:
    """A goodbye the question does not follow (a merchant that does not ask)."""
    return chat.user("ok bye", "goodbye", 0.98).action("utter_goodbye").bot("utter_goodbye")


def asked_something_new(chat: Chat) -> Chat:
    """Instead of rating, the shopper starts a return: the form is rejected, the return runs."""
    chat.user("actually I want to return something", "start_return", 0.93)
    chat.rejected("conversation_rating_form").action("return_form").form("return_form")
    chat.slot("requested_slot", "return_items").bot("utter_ask_return_items")
    return chat.listen()


def test_a_rating_is_kept_with_the_flow_of_the_conversation_it_closed() -> None:
    out = derived(bot_rated(goodbye_asked(served()), f"4 stars, thanks {NAME}", "4"))
    (asked,) = out.bot_ratings
    assert (asked["flow"], asked["day"], asked["rating"], asked["skipped"]) == (
        "orders",
        DAY,
        4,
        False,
    )
    assert out.conversations[0]["flow"] == "orders" and out.conversations[0]["contained"]
    answer = out.turns[-1]
    assert (answer["flow"], answer["form"]) == ("rating", "conversation_rating_form")


def test_an_answer_that_is_no_rating_is_skipped() -> None:
    (asked,) = derived(bot_rated(goodbye_asked(served()), "nah", "skipped", "deny")).bot_ratings
    assert (asked["rating"], asked["skipped"]) == (None, True)


def test_a_new_request_instead_of_a_rating_is_asked_not_rated_and_served_as_usual() -> None:
    out = derived(asked_something_new(goodbye_asked(served())))
    (asked,) = out.bot_ratings
    assert (asked["rating"], asked["skipped"]) == (None, False)
    request = out.turns[-1]
    assert (request["flow"], request["form"]) == ("returns", None)
    assert [(f["form"], f["flow"]) for f in out.forms] == [
        ("order_status_form", "orders"),
        ("return_form", "returns"),
    ]
    assert out.conversations[0]["flow"] == "orders"


def _same_but_ending(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in ("ended_at", "shopper_turns")}


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(lambda c: c, id="left unanswered"),
        pytest.param(lambda c: bot_rated(c, "5", "5"), id="rated"),
        pytest.param(lambda c: bot_rated(c, "meh", "skipped", "nlu_fallback"), id="not understood"),
    ],
)
def test_the_question_changes_neither_the_conversation_nor_its_form_runs(
    answer: Callable[[Chat], Chat],
) -> None:
    without = derived(said_bye(served()).listen())
    with_question = derived(answer(goodbye_asked(served())))
    assert [_same_but_ending(c) for c in with_question.conversations] == [
        _same_but_ending(c) for c in without.conversations
    ]
    assert with_question.conversations[0]["resolved_by"] == "bot"
    assert with_question.forms == without.forms
    assert len(with_question.bot_ratings) == 1


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return sa.create_engine(f"sqlite:///{tmp_path / 'analytics.db'}")


def refund_policy(chat: Chat) -> Chat:
    chat.user("what is your refund policy", "refund_policy", 0.9).action("action_refund_policy")
    return chat.bot("utter_refund_policy").listen()


def store(asking: bool) -> list[Chat]:
    """demo: three order conversations rated 5, 3 and skipped, a refund question left unrated,
    an order conversation the next day rated 4, and a handoff the desk's question rated 2;
    outdoor: one order conversation rated 1. Without ``asking`` the same, said goodbye to."""

    def closed(chat: Chat, kept: str | None) -> Chat:
        if not asking:
            return said_bye(chat).listen()
        chat = goodbye_asked(chat)
        return chat if kept is None else bot_rated(chat, f"{kept}, thank you", kept)

    desk = hand_off(Chat("d1", at(DAY, 15)).session("demo").user("a person", "request_human"))
    return [
        closed(served("a1", hour=9), "5"),
        closed(served("a2", hour=10), "3"),
        closed(served("a3", hour=11), "skipped"),
        closed(refund_policy(Chat("a4", at(DAY, 12)).session("demo")), None),
        closed(served("a5", day=NEXT_DAY), "4"),
        closed(served("o1", tenant="outdoor", hour=13), "1"),
        rated(desk, "2"),
    ]


@pytest.fixture
def day(engine: Engine) -> Engine:
    ingest(engine, stream(store(asking=True)))
    return engine


def test_the_assistants_csat_counts_questions_asked_ratings_and_skips(day: Engine) -> None:
    found = report(day, Scope("demo", DAY, DAY))["assistant_satisfaction"]
    assert found == {
        "asked": 4,
        "rated": 2,
        "skipped": 1,
        "mean": 4.0,
        "satisfied_rate": 0.5,
        "distribution": {1: 0, 2: 0, 3: 1, 4: 0, 5: 1},
    }
    desk = satisfaction(day, Scope("demo", DAY, DAY))
    assert (desk.asked, desk.rated, desk.mean) == (1, 1, 2.0)  # the desk's own, unchanged


@pytest.mark.parametrize(
    ("scope", "asked", "rated", "mean"),
    [
        (Scope("demo", DAY, DAY, "orders"), 3, 2, 4.0),
        (Scope("demo", DAY, DAY, "refunds"), 1, 0, None),
        (Scope("demo", DAY, DAY, "rating"), 0, 0, None),  # the answers' turns, no conversation
        (Scope("demo", NEXT_DAY, NEXT_DAY), 1, 1, 4.0),
        (Scope("demo", DAY, NEXT_DAY), 5, 3, 4.0),
        (Scope("outdoor", DAY, NEXT_DAY), 1, 1, 1.0),
        (Scope("elsewhere", DAY, NEXT_DAY), 0, 0, None),
    ],
)
def test_the_assistants_csat_is_filtered_by_tenant_day_and_the_conversations_flow(
    day: Engine, scope: Scope, asked: int, rated: int, mean: float | None
) -> None:
    found = assistant_satisfaction(day, scope)
    assert (found.asked, found.rated, found.mean) == (asked, rated, mean)


@pytest.mark.parametrize("flow", [None, "orders", "refunds"])
def test_asking_changes_no_other_figure_of_the_flows_served(
    day: Engine, tmp_path: Path, flow: str | None
) -> None:
    without = sa.create_engine(f"sqlite:///{tmp_path / 'without.db'}")
    ingest(without, stream(store(asking=False)))
    scope = Scope("demo", DAY, NEXT_DAY, flow)
    for figure in (conversations, forms, handoffs, time_to_resolution, satisfaction):
        assert figure(day, scope) == figure(without, scope), figure.__name__
    if flow is not None:  # answers are turns of the "rating" flow, not of the flow served
        assert understanding(day, scope) == understanding(without, scope)
    assert "conversation_rating_form" not in {f.form for f in forms(day, Scope("demo", DAY, DAY))}
    without.dispose()


def test_the_csv_has_the_assistants_ratings_per_day_and_flow(day: Engine) -> None:
    out = io.StringIO()
    write_csv(daily(day, Scope("demo", DAY, NEXT_DAY)), out)
    rows = {(r["day"], r["flow"]): r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    pick = ("assistant_ratings", "assistant_rating_mean", "ratings", "rating_mean")
    assert [rows[DAY.isoformat(), "orders"][k] for k in pick] == ["2", "4.0", "0", ""]
    assert [rows[DAY.isoformat(), "refunds"][k] for k in pick] == ["0", "", "0", ""]
    assert [rows[NEXT_DAY.isoformat(), "orders"][k] for k in pick] == ["1", "4.0", "0", ""]
    assert [rows[DAY.isoformat(), "handoff"][k] for k in pick] == ["0", "", "1", "2.0"]


def _bot_ratings(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        query = sa.select(BOT_RATINGS).order_by(*BOT_RATINGS.primary_key.columns)
        return [tuple(row) for row in connection.execute(query)]


def test_rebuild_derives_the_same_rows_even_into_a_database_made_before_the_table(
    day: Engine,
) -> None:
    before = _bot_ratings(day)
    assert len(before) == 6
    rebuild_all(day)
    assert _bot_ratings(day) == before
    BOT_RATINGS.drop(day)  # an analytics database of the release before this table
    rebuild_all(day)
    assert _bot_ratings(day) == before
