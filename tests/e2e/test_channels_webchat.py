"""Web chat in a real browser: Debian's headless Chromium, the served page, the npm widget,
Rasa's socket.io channel, the action server and the backend."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import socketio

from merchants.identity import sign_customer_token
from stack.processes import Stack
from tests.e2e.conftest import backend_order, order_in
from tests.e2e.sockets import leave

pytestmark = pytest.mark.stack

WAIT_MS = 30_000


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    opened = context.new_page()
    yield opened
    context.close()


def chat_url(stack: Stack, query: str = "") -> str:
    return f"http://127.0.0.1:{stack.env['RASA_PORT']}/webhooks/webchat/demo/{query}"


def say(page: Any, text: str, expect: str) -> str:
    """Type a message like a shopper and wait until a bot bubble contains ``expect``."""
    box = page.locator(".rw-new-message")
    box.fill(text)
    box.press("Enter")
    answer = page.locator(".rw-response", has_text=expect).last
    answer.wait_for(timeout=WAIT_MS)
    return str(answer.inner_text())


def test_when_shopper_chats_in_the_browser_then_the_tracking_answer_shows_and_survives_reload(
    stack: Stack, page: Any, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "shipped", 1)
    live = backend_order(stack, order["order_id"])
    tracking = live["shipment"]["tracking_number"]
    page.goto(chat_url(stack))
    say(page, "hi where is my order", "order number")
    say(page, order["order_id"], "e-mail")
    say(page, order["email"], tracking)
    transcript = page.locator(".rw-messages-container").inner_text()
    assert live["shipment"]["events"][-1]["description"] in transcript

    page.reload()
    page.locator(".rw-response", has_text=tracking).first.wait_for(timeout=WAIT_MS)
    # The server kept the conversation too: the shopper is still verified after the reload.
    again = say(page, f"and where is {order['order_id']} now?", tracking)
    assert "e-mail" not in again.lower()


def test_when_the_shop_passes_a_signed_customer_token_then_their_orders_are_offered(
    stack: Stack, page: Any, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "delivered", 1)
    token = sign_customer_token(order["customer_id"], stack.env["AFTERCARE_IDENTITY_SECRET"])
    page.goto(chat_url(stack, f"?customer_token={token}"))
    say(page, "where's my order?", "most recent")
    buttons = page.locator(".rw-reply")
    buttons.first.wait_for(timeout=WAIT_MS)
    assert order["order_id"] in " ".join(buttons.all_inner_texts())


def test_when_the_token_is_forged_then_it_is_ignored_and_the_shopper_verifies(
    stack: Stack, page: Any, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "delivered", 1)
    forged = sign_customer_token(order["customer_id"], "a-secret-the-shop-never-had-" * 2)
    page.goto(chat_url(stack, f"?customer_token={forged}"))
    reply = say(page, "where's my order?", "order number")
    assert "most recent" not in reply


def test_when_a_chat_session_floods_then_it_is_told_to_slow_down(stack: Stack) -> None:
    client = socketio.SimpleClient()
    client.connect(
        f"http://127.0.0.1:{stack.env['RASA_PORT']}",
        socketio_path="socket.io",
        transports=["polling"],
        wait_timeout=10,
    )
    try:
        client.emit("session_request", {"session_id": None})
        event, session_id = client.receive(timeout=10)
        assert event == "session_confirm"
        for _ in range(12):
            client.emit("user_uttered", {"message": "hi", "session_id": session_id})
        refused: list[str] = []  # until both kinds of reply came, or 8 s of silence
        answered: list[str] = []
        while not (refused and answered):
            try:
                event, body = client.receive(timeout=8)
            except socketio.exceptions.TimeoutError:
                break
            if event == "bot_uttered":
                text = body.get("text", "")
                (refused if "very quickly" in text else answered).append(text)
        assert refused, answered
        assert answered, refused  # the burst got answers
    finally:
        leave(client)
