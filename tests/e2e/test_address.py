"""Address changes over REST: only before shipping, only after a yes."""

from __future__ import annotations

from stack.processes import Stack
from tests.e2e.conftest import Chat, backend_order, order_in


def test_when_shopper_confirms_a_new_address_then_the_order_ships_there(
    stack: Stack, chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "paid", 1)
    assert "order number" in chat.text("i need to change my delivery address").lower()
    chat.text(order["order_id"])
    assert "new delivery address" in chat.text(order["email"])
    summary = chat.text("742 Evergreen Terrace, Springfield, OR 97477")
    assert "742 Evergreen Terrace, Springfield, OR 97477" in summary
    assert backend_order(stack, order["order_id"])["shipping_address"]["postcode"] != "97477"
    assert "will now go to" in chat.text("yes")
    address = backend_order(stack, order["order_id"])["shipping_address"]
    assert (address["line1"], address["city"], address["postcode"]) == (
        "742 Evergreen Terrace",
        "Springfield",
        "97477",
    )


def test_when_order_has_shipped_then_the_address_cannot_change(
    stack: Stack, chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "shipped", 0)
    before = backend_order(stack, order["order_id"])["shipping_address"]
    chat.text(f"change the address for order {order['order_id']}")
    reply = chat.text(order["email"])
    assert "can't be changed any more" in reply
    assert backend_order(stack, order["order_id"])["shipping_address"] == before


def test_when_the_address_is_unreadable_then_the_shopper_is_asked_again(
    chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "packed", 0)
    chat.text(f"wrong address on {order['order_id']}, need to update it")
    chat.text(order["email"])
    reply = chat.text("my friend's place")
    assert "couldn't read that as a US address" in reply


def test_a_new_address_given_at_the_summary_replaces_the_first_one(
    stack: Stack, chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "paid", 2)
    chat.text(f"I need to change the delivery address for {order['order_id']}")
    chat.text(order["email"])
    assert "Shall I change it" in chat.text("12 Oak St, Springfield, IL 62704")
    summary = chat.text("sorry, make that 55 Elm Road, Apt 2, Madison, WI 53703")
    assert "55 Elm Road, Apt 2, Madison, WI 53703" in summary and "Shall I change it" in summary
    assert backend_order(stack, order["order_id"])["shipping_address"]["postcode"] != "53703"
    chat.text("yes")
    address = backend_order(stack, order["order_id"])["shipping_address"]
    assert (address["line1"], address["postcode"]) == ("55 Elm Road", "53703")
