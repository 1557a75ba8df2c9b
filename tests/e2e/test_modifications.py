"""Item-option and payment-method changes on pending demo orders, over REST.

Each test reads the backend afterwards: the line's SKU, the payments, the order's flags.
"""

from __future__ import annotations

from typing import Any

import pytest

from stack.processes import Stack
from tests.e2e.conftest import Chat, backend_get, backend_order, order_in
from tests.e2e.variants import (
    after_payment_question,
    alternative,
    as_seeded,
    line_sku,
    samples_in,
)


@pytest.fixture(scope="module")
def pending(seeded_store: tuple[str, list[dict[str, str]]]) -> list[dict[str, str]]:
    """Every pending demo order: the item tests use up one each."""
    return samples_in(seeded_store[0], "pending")


def _pending_with_option(
    stack: Stack, pending: list[dict[str, str]], start: int
) -> tuple[dict[str, str], dict[str, Any]]:
    for order in pending[start:]:
        if not as_seeded(backend_order(stack, order["order_id"]), "pending"):
            continue  # another test cancelled or changed it
        found = alternative(stack, order["order_id"])
        if found is not None:
            return order, found
    pytest.fail("the seed lacks it: no pending demo order with another option in stock")


def label(stack: Stack, order: dict[str, str]) -> str:
    """How the shopper names the card the order was paid with."""
    name: str = backend_order(stack, order["order_id"])["payments"][0]["method"]["label"]
    return name


def test_when_shopper_confirms_an_item_change_then_the_line_becomes_that_option(
    stack: Stack, chat: Chat, pending: list[dict[str, str]]
) -> None:
    order, alt = _pending_with_option(stack, pending, 0)
    chat.text("can i change the size or colour of something i ordered? it hasn't shipped")
    chat.text(order["order_id"])
    assert "What should change" in chat.text(order["email"])
    reply = after_payment_question(
        chat.text(alt["words"]), alt, lambda: chat.text(label(stack, order))
    )
    assert "Shall I go ahead" in reply and alt["variant"]["options"][alt["option"]] in reply
    assert line_sku(stack, order["order_id"], alt["line"]["line_id"]) == alt["line"]["sku"]
    assert "now has" in chat.text("yes")
    after = backend_order(stack, order["order_id"])
    assert line_sku(stack, order["order_id"], alt["line"]["line_id"]) == alt["variant"]["sku"]
    assert after["items_modified"] is True and after["status"] == "pending"


def test_when_items_were_changed_once_then_a_second_change_is_refused(
    stack: Stack, pending: list[dict[str, str]]
) -> None:
    order, alt = _pending_with_option(stack, pending, 1)
    first = Chat(stack.rest_url)
    first.text(f"change an item on order {order['order_id']}")
    first.text(order["postcode"])
    reply = after_payment_question(
        first.text(alt["words"]), alt, lambda: first.text(label(stack, order))
    )
    assert "Shall I go ahead" in reply
    first.text("yes")
    changed = line_sku(stack, order["order_id"], alt["line"]["line_id"])
    second = Chat(stack.rest_url)
    second.text(f"i want to modify the items in order {order['order_id']}")
    assert "already changed once" in second.text(order["email"])
    assert line_sku(stack, order["order_id"], alt["line"]["line_id"]) == changed


def test_when_shopper_says_no_to_the_item_summary_then_nothing_changes(
    stack: Stack, chat: Chat, pending: list[dict[str, str]]
) -> None:
    order, alt = _pending_with_option(stack, pending, 2)
    chat.text("I need to change the item options on my order")
    chat.text(order["order_id"])
    chat.text(order["email"])
    reply = after_payment_question(
        chat.text(alt["words"]), alt, lambda: chat.text(label(stack, order))
    )
    assert "Shall I go ahead" in reply
    assert "haven't changed anything" in chat.text("no")
    after = backend_order(stack, order["order_id"])
    assert after["items_modified"] is False
    assert line_sku(stack, order["order_id"], alt["line"]["line_id"]) == alt["line"]["sku"]


def test_when_the_option_is_not_sold_then_the_shopper_is_asked_again(
    stack: Stack, chat: Chat, pending: list[dict[str, str]]
) -> None:
    unchanged = [
        o
        for o in pending
        if backend_order(stack, o["order_id"])["status"] == "pending"
        and not backend_order(stack, o["order_id"])["items_modified"]
    ]
    assert unchanged, "the demo store has no pending order whose items were never changed"
    order = unchanged[-1]
    chat.text("change the colour of an item in my order please")
    chat.text(order["order_id"])
    chat.text(order["email"])
    reply = chat.text("hmm, something nicer")
    assert "couldn't tell which option" in reply
    assert backend_order(stack, order["order_id"])["items_modified"] is False


def _pending_with_second_method(
    stack: Stack, pending: list[dict[str, str]]
) -> tuple[dict[str, str], dict[str, Any]]:
    for order in pending[::-1]:
        body = backend_order(stack, order["order_id"])
        if body["status"] != "pending":
            continue
        holding = {
            p["method"]["payment_method_id"] for p in body["payments"] if p["status"] != "voided"
        }
        methods = backend_get(stack, f"customers/{body['customer_id']}/payment-methods")
        for method in methods["payment_methods"]:
            if method["payment_method_id"] not in holding and (
                method["type"] != "gift_card" or float(method["balance"]) >= float(body["total"])
            ):
                return order, method
    pytest.fail(
        "the seed lacks it: no pending demo order whose shopper has a second payment method"
    )


def test_when_shopper_confirms_another_payment_method_then_it_pays_for_the_order(
    stack: Stack, chat: Chat, pending: list[dict[str, str]]
) -> None:
    order, method = _pending_with_second_method(stack, pending)
    chat.text("can i pay for my order with a different card")
    chat.text(order["order_id"])
    assert "Which payment method should pay for it instead" in chat.text(order["email"])
    assert "Shall I change it" in chat.text(method["label"])
    assert "now paid with" in chat.text("yes")
    payments = backend_order(stack, order["order_id"])["payments"]
    active = [p for p in payments if p["status"] not in ("voided", "refunded")]
    assert [p["method"]["payment_method_id"] for p in active] == [method["payment_method_id"]]
    assert float(active[0]["amount"]) == float(backend_order(stack, order["order_id"])["total"])


def test_when_order_has_shipped_then_the_payment_method_cannot_change(
    stack: Stack, chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "shipped", 1)
    before = backend_order(stack, order["order_id"])["payments"]
    chat.text(f"change the payment method on {order['order_id']}")
    assert "can't be changed any more" in chat.text(order["email"])
    assert backend_order(stack, order["order_id"])["payments"] == before


def test_another_option_named_at_the_summary_replaces_the_first_choice(
    stack: Stack, chat: Chat, pending: list[dict[str, str]]
) -> None:
    for order in pending[::-1]:
        live = backend_order(stack, order["order_id"])
        if live["status"] != "pending" or live["items_modified"]:
            continue
        first = alternative(stack, order["order_id"])
        second = alternative(stack, order["order_id"], skip_lines=1)
        if first is not None and second is not None:
            break
    else:
        pytest.fail("the seed lacks it: no unchanged pending demo order with two changeable items")
    chat.text(f"i want to change an item on order {order['order_id']}")
    chat.text(order["email"])
    paid_with = label(stack, order)
    reply = after_payment_question(chat.text(first["words"]), first, lambda: chat.text(paid_with))
    assert "Shall I go ahead" in reply
    reply = after_payment_question(
        chat.text(f"actually, {second['words']} instead"), second, lambda: chat.text(paid_with)
    )
    assert "Shall I go ahead" in reply and second["line"]["product_name"] in reply
    chat.text("yes")
    assert line_sku(stack, order["order_id"], second["line"]["line_id"]) == second["variant"]["sku"]
    assert line_sku(stack, order["order_id"], first["line"]["line_id"]) == first["line"]["sku"]
