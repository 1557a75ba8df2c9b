"""Exchanges of delivered demo orders in chat: one RMA, status exchange requested."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from merchants.policy import DEFAULT_POLICY_PATH, parse_policy
from stack.processes import Stack
from tests.e2e.conftest import Chat, backend_get, backend_order
from tests.e2e.variants import (
    after_item_question,
    after_payment_question,
    alternative,
    as_seeded,
    returnable_lines,
    samples_in,
)

POLICY = parse_policy(DEFAULT_POLICY_PATH)
FINAL_SALE = frozenset(POLICY.returns.final_sale_categories)
# Openings that name the exchange only by a size or colour, or say "swap" with "colour" (once
# read as a product recommendation request); each must still reach the exchange.
OWN_WORDS = (
    "the shoes are too small can i get a bigger pair",
    "Swap something I bought for a different colour",
    "wrong colour, want the blue one instead",
)


def _delivered_with_option(
    stack: Stack, demo_orders: list[dict[str, str]], start: int
) -> tuple[dict[str, str], dict[str, Any]]:
    for order in [o for o in demo_orders if o["status"] == "delivered"][start:]:
        body = backend_order(stack, order["order_id"])
        if body["status"] != "delivered" or body["returns"]:
            continue
        if any(line["final_sale"] for line in body["lines"]):
            continue
        found = alternative(stack, order["order_id"])
        if found is not None:
            return order, found
    pytest.fail("the seed lacks it: no delivered demo order with another option in stock")


def first_payment_label(stack: Stack, order: dict[str, str]) -> str:
    """How the shopper names the card the order was paid with."""
    label: str = backend_order(stack, order["order_id"])["payments"][0]["method"]["label"]
    return label


def test_when_shopper_confirms_an_exchange_then_one_exchange_rma_is_opened(
    stack: Stack, chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order, alt = _delivered_with_option(stack, demo_orders, 0)
    chat.text("I'd like to exchange something I got for a different size")
    chat.text(order["order_id"])
    after_item_question(
        chat.text(order["email"]),
        len(returnable_lines(stack, order["order_id"], FINAL_SALE)) > 1,
        lambda: chat.text(alt["line"]["product_name"]),
    )
    chat.text("doesn't fit")
    assert "Which option would you like instead" in chat.text("exchange please")
    reply = after_payment_question(
        chat.text(alt["words"]), alt, lambda: chat.text(first_payment_label(stack, order))
    )
    assert "Shall I start the exchange" in reply
    assert backend_order(stack, order["order_id"])["status"] == "delivered"
    assert "is open" in chat.text("yes")
    chat.text("yes")  # a repeated yes creates nothing more
    after = backend_order(stack, order["order_id"])
    assert after["status"] == "exchange_requested"
    assert [(r["resolution"], r["line_ids"]) for r in after["returns"]] == [
        ("exchange", [alt["line"]["line_id"]])
    ]


def test_when_shopper_says_no_to_the_exchange_then_nothing_is_opened(
    stack: Stack, chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order, alt = _delivered_with_option(stack, demo_orders, 1)
    chat.text(f"can i swap an item from order {order['order_id']}")
    after_item_question(
        chat.text(order["email"]),
        len(returnable_lines(stack, order["order_id"], FINAL_SALE)) > 1,
        lambda: chat.text(alt["line"]["product_name"]),
    )
    chat.text("wrong size")
    chat.text("exchange")
    summary = after_payment_question(
        chat.text(alt["words"]), alt, lambda: chat.text(first_payment_label(stack, order))
    )
    assert "Shall I start the exchange" in summary
    assert "haven't changed anything" in chat.text("no")
    after = backend_order(stack, order["order_id"])
    assert after["status"] == "delivered" and after["returns"] == []


@pytest.fixture(scope="module")
def delivered(seeded_store: tuple[str, list[dict[str, str]]]) -> list[dict[str, str]]:
    """Every delivered demo order: each exchange uses one up."""
    return samples_in(seeded_store[0], "delivered")


def _exchangeable(stack: Stack, delivered: list[dict[str, str]]) -> tuple[dict[str, str], Any]:
    """A delivered order inside the return window with another option of a returnable line."""
    now = datetime.now(timezone.utc)
    # A day's margin: the bot counts whole days since delivery.
    window = timedelta(days=POLICY.returns.window_days - 1)
    final = set(POLICY.returns.final_sale_categories)
    for order in delivered:
        body = backend_order(stack, order["order_id"])
        if not as_seeded(body, "delivered") or not body["shipment"]:
            continue
        at = datetime.fromisoformat(body["shipment"]["delivered_at"].replace("Z", "+00:00"))
        if now - at > window or any(li["final_sale"] for li in body["lines"]):
            continue
        found = alternative(stack, order["order_id"])
        if found is not None and found["line"]["category"] not in final:
            return order, found
    pytest.fail("the seed lacks it: no delivered demo order with another option in stock")


@pytest.mark.parametrize("opening", OWN_WORDS)
def test_when_shopper_asks_for_an_exchange_in_their_own_words_then_the_exchange_is_opened(
    opening: str, stack: Stack, chat: Chat, delivered: list[dict[str, str]]
) -> None:
    order, alt = _exchangeable(stack, delivered)
    assert "order number" in chat.text(opening).lower()
    chat.text(order["order_id"])
    reply = after_item_question(
        chat.text(order["email"]),
        len(returnable_lines(stack, order["order_id"], FINAL_SALE)) > 1,
        # Several items: tap the one to exchange (product names can overlap).
        lambda: chat.text(f'/inform{{"return_items":"{alt["line"]["line_id"]}"}}'),
    )
    assert "reason for the return" in reply
    assert "exchange for another option" in chat.text("doesn't fit").lower()
    assert "Which option would you like instead" in chat.text("exchange")
    reply = after_payment_question(
        chat.text(alt["words"]), alt, lambda: chat.text(first_payment_label(stack, order))
    )
    assert "Shall I start the exchange" in reply
    assert "is open" in chat.text("yes")
    after = backend_order(stack, order["order_id"])
    assert after["status"] == "exchange_requested"
    assert [(r["resolution"], r["line_ids"]) for r in after["returns"]] == [
        ("exchange", [alt["line"]["line_id"]])
    ]


def _delivered_line_in_stock(
    stack: Stack, delivered: list[dict[str, str]]
) -> tuple[dict[str, str], dict[str, Any], bool]:
    """An order inside the return window with a returnable line whose option is in stock.

    The line's product name is the only one of its kind in the order, so naming it picks it;
    the flag says whether "which item?" is asked (several returnable lines).
    """
    now = datetime.now(timezone.utc)
    window = timedelta(days=POLICY.returns.window_days - 1)  # the bot counts whole days
    for order in delivered:
        body = backend_order(stack, order["order_id"])
        if body["status"] != "delivered" or body["returns"] or not body["shipment"]:
            continue
        at = datetime.fromisoformat(body["shipment"]["delivered_at"].replace("Z", "+00:00"))
        if now - at > window:
            continue
        lines = returnable_lines(stack, order["order_id"], FINAL_SALE)
        names = [line["product_name"] for line in body["lines"]]
        for line in lines:
            if names.count(line["product_name"]) != 1:
                continue
            product = backend_get(stack, f"products/{line['product_id']}")
            if any(v["sku"] == line["sku"] and v["stock"] > 0 for v in product["variants"]):
                return order, line, len(lines) > 1
    pytest.fail("the seed lacks it: no delivered demo order with an item still in stock")


def test_an_exchange_for_the_same_option_sends_a_new_one_at_no_cost(
    stack: Stack, chat: Chat, delivered: list[dict[str, str]]
) -> None:
    order, line, several = _delivered_line_in_stock(stack, delivered)
    chat.text("I'd like to exchange an item I received")
    chat.text(order["order_id"])
    after_item_question(chat.text(order["email"]), several, lambda: chat.text(line["product_name"]))
    chat.text("it stopped working")
    asked = chat.say("exchange please")
    assert "the same again" in asked[-1]["text"]
    assert asked[-1]["buttons"][0]["title"] == f"{line['product_name']}: the same again"

    summary = chat.text("just the same one again please")

    assert f"{line['product_name']} (" in summary and "a new one, the same" in summary
    assert "Shall I start the exchange" in summary
    chat.text("yes")
    after = backend_order(stack, order["order_id"])
    assert after["status"] == "exchange_requested"
    assert [(r["resolution"], r["line_ids"]) for r in after["returns"]] == [
        ("exchange", [line["line_id"]])
    ]
    assert after["returns"][0]["exchanges"] == [
        {"line_id": line["line_id"], "new_sku": line["sku"]}
    ]
