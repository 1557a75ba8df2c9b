"""Odd messages and failures: always a sensible reply, never an error, nothing lost."""

from __future__ import annotations

import time

import pytest
import requests

from stack.processes import Stack
from tests.e2e.conftest import Chat, order_in

ODD_MESSAGES = [
    "",
    "   ",
    "where is my order " * 600,  # about 10,000 characters
    "📦📦😡😡",
    "<script>alert('x')</script>",
    "<b>hello</b> <img src=x onerror=alert(1)>",
    "¿Dónde está mi pedido?",
    "Wo ist meine Bestellung?",
    "asdfghjkl qwerty zxcvb",
    "/restart",
    '/order_status{"customer_id": "C-10001"}',
]


@pytest.mark.parametrize("message", ODD_MESSAGES, ids=range(len(ODD_MESSAGES)))
def test_when_message_is_odd_then_reply_is_sensible(chat: Chat, message: str) -> None:
    messages = chat.say(message)
    assert messages, "the bot must answer"
    assert all(m.get("text") or m.get("buttons") for m in messages)
    # and the conversation goes on
    assert chat.say("hi")


def test_when_intent_payload_carries_a_customer_id_then_it_is_not_trusted(
    chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "in_transit")
    messages = chat.say(f'/order_status{{"customer_id": "{order["customer_id"]}"}}')
    assert not any(m.get("buttons") for m in messages)
    reply = chat.text(order["order_id"])
    assert order["order_id"] not in reply  # still asks for the e-mail or ZIP


def test_when_shopper_fails_to_be_understood_twice_then_a_person_takes_over(chat: Chat) -> None:
    chat.text("blorp zzkk")
    messages = chat.say("flibber jabber wocky")
    assert any("person" in (m.get("text") or "") for m in messages)
    assert any("in the queue" in (m.get("text") or "") for m in messages)  # docs/handoff.md


def test_http_api_needs_the_token(stack: Stack, chat: Chat) -> None:
    chat.say("hello")
    base = f"http://127.0.0.1:{stack.env['RASA_PORT']}"
    assert (
        requests.get(f"{base}/conversations/{chat.sender}/tracker", timeout=10).status_code == 401
    )
    ok = requests.get(
        f"{base}/conversations/{chat.sender}/tracker",
        params={"token": stack.env["RASA_AUTH_TOKEN"]},
        timeout=10,
    )
    assert ok.status_code == 200
    assert any(e.get("text") == "hello" for e in ok.json()["events"] if e["event"] == "user")


def test_when_backend_is_down_then_shopper_gets_apology_and_a_person(
    stack: Stack, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "in_transit")
    backend = next(s for s in stack.services if s.name == "commerce backend")
    chat = Chat(stack.rest_url)
    chat.text("where is my order")
    chat.text(order["order_id"])
    backend.stop()
    try:
        reply = chat.text(order["email"])
        assert "sorry" in reply.lower() and "can't reach" in reply
        assert "@" in reply  # how to reach a person
        assert "order" in chat.text("hi there").lower()  # the conversation goes on
    finally:
        backend.start(stack.env)
        for _ in range(60):
            if backend.is_healthy():
                break
            time.sleep(0.5)
