"""The assistant's own rating question at a served shopper's goodbye, on the running stack."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import requests
import sqlalchemy as sa

from analytics.figures import Scope, assistant_satisfaction
from stack.processes import Stack
from tests.e2e.conftest import Chat, order_in

QUESTION = "how did I do today"
GOODBYES = {
    "Bye for now, and thanks for shopping with us!",
    "Take care! Come back any time if something about your order comes up.",
}


def slot_of(stack: Stack, chat: Chat, slot: str) -> Any:
    """The slot's value in Rasa's tracker of this conversation."""
    tracker = requests.get(
        f"http://127.0.0.1:{stack.env['RASA_PORT']}/conversations/{chat.sender}/tracker",
        params={"token": stack.env["RASA_AUTH_TOKEN"]},
        timeout=10,
    ).json()
    return tracker["slots"].get(slot)


def today() -> Scope:
    day = dt.datetime.now(dt.timezone.utc).date()
    return Scope("demo", day, day)


def ratings_of_4(engine: sa.engine.Engine, at_least: int, timeout_s: float = 30) -> int:
    """Today's ratings of 4 in the analytics database the desk fills, once there are enough."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = assistant_satisfaction(engine, today()).distribution[4]
        if found >= at_least or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def served(chat: Chat, order: dict[str, str]) -> None:
    """The shopper asks where an order is and gets the answer."""
    reply = chat.text(f"where is order {order['order_id']}? my email is {order['email']}")
    assert order["order_id"] in reply


def test_when_a_served_shopper_says_bye_then_a_rating_is_asked_and_stored(
    stack: Stack, chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    engine = sa.create_engine(stack.env["ANALYTICS_DB_URL"])
    before = assistant_satisfaction(engine, today()).distribution[4]
    served(chat, order_in(demo_orders, "shipped"))
    goodbye = chat.say("ok bye")
    texts = [m.get("text", "") for m in goodbye]
    assert texts[0] in GOODBYES
    assert QUESTION in texts[-1]
    assert [b["title"] for b in goodbye[-1]["buttons"]] == ["1", "2", "3", "4", "5"]
    assert "Thank you for rating me" in chat.text("4 stars, quick and easy")
    assert slot_of(stack, chat, "conversation_rating") == "4"
    # The desk follows the event stream: the supervisors' CSAT figure counts the rating.
    assert ratings_of_4(engine, before + 1) == before + 1
    # Asked once a session: another goodbye is only a goodbye.
    assert QUESTION not in chat.text("bye")


def test_when_the_shopper_only_made_small_talk_then_no_rating_is_asked(chat: Chat) -> None:
    chat.text("hi")
    assert QUESTION not in chat.text("bye")


def test_when_the_shopper_answers_the_question_with_no_rating_then_it_ends_quietly(
    stack: Stack, chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    served(chat, order_in(demo_orders, "delivered"))
    assert QUESTION in chat.text("thanks, goodbye")
    assert "No problem" in chat.text("nah")
    assert slot_of(stack, chat, "conversation_rating") == "skipped"


def test_when_the_shopper_asks_something_new_instead_of_rating_then_it_is_served(
    stack: Stack, chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    served(chat, order_in(demo_orders, "shipped", 1))
    assert QUESTION in chat.text("bye")
    order = order_in(demo_orders, "shipped", 1)
    # The return flow answers, about the order of this conversation: still on its way.
    reply = chat.text("actually I want to return something")
    assert f"Order {order['order_id']} is on its way, so it can't be returned yet" in reply
    assert slot_of(stack, chat, "conversation_rating") is None
