"""Cancelling over REST: nothing changes without an explicit yes, and the backend agrees."""

from __future__ import annotations

from stack.processes import Stack
from tests.e2e.conftest import Chat, backend_order, order_in


def start_cancel(chat: Chat, order: dict[str, str]) -> str:
    """Ask to cancel, give the order and its e-mail; return what the bot said last."""
    assert "order number" in chat.text("i need to cancel an order").lower()
    chat.text(order["order_id"])
    return chat.text(order["email"])


def test_when_shopper_confirms_then_order_is_cancelled_once(
    stack: Stack, chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "pending", 0)
    assert "why" in start_cancel(chat, order).lower()
    summary = chat.text("ordered it by mistake")
    assert order["order_id"] in summary and "Shall I go ahead" in summary
    assert backend_order(stack, order["order_id"])["status"] == "pending"  # not before the yes
    done = chat.text("yes")
    assert "is cancelled" in done
    after = backend_order(stack, order["order_id"])
    assert after["status"] == "cancelled"
    refunds_after_first_yes = len(after["refunds"])
    chat.text("yes")  # a repeated yes changes nothing
    assert len(backend_order(stack, order["order_id"])["refunds"]) == refunds_after_first_yes


def test_when_shopper_says_no_at_the_confirmation_then_nothing_changes(
    stack: Stack, chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "pending", 1)
    start_cancel(chat, order)
    chat.text("don't need it anymore")
    reply = chat.text("no")
    assert "haven't changed anything" in reply
    assert backend_order(stack, order["order_id"])["status"] == "pending"


def test_when_order_has_shipped_then_cancellation_is_refused_and_a_return_offered(
    stack: Stack, chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "in_transit", 1)
    reply = start_cancel(chat, order)
    assert "can't be cancelled" in reply and "return it within 30 days" in reply
    assert backend_order(stack, order["order_id"])["status"] == "in_transit"


def test_when_shopper_backs_out_mid_cancellation_then_nothing_changes(
    stack: Stack, chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "pending", 2)
    start_cancel(chat, order)
    reply = chat.text("no forget it")
    assert "haven't changed anything" in reply
    assert backend_order(stack, order["order_id"])["status"] == "pending"
