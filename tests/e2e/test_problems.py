"""Delivery problems over REST: a claim after a yes, or a person when the policy says so."""

from __future__ import annotations

from typing import Any

from merchants.policy import DEFAULT_POLICY_PATH, parse_policy
from stack.processes import Stack
from tests.e2e.conftest import Chat, backend_order, customer_claims, customer_orders

POLICY = parse_policy(DEFAULT_POLICY_PATH)


def find_delivered(
    stack: Stack, demo_orders: list[dict[str, str]], *, cheap: bool, skip: int = 0
) -> tuple[dict[str, Any], str]:
    """A delivered single-item order below (or above) the person threshold, and its e-mail."""
    found = 0
    for sample in demo_orders:
        for summary in customer_orders(stack, sample["customer_id"]):
            if summary["status"] != "delivered":
                continue
            order = backend_order(stack, summary["order_id"])
            if len(order["lines"]) != 1 or customer_claims(stack, order["customer_id"]):
                continue
            value = sum(li["unit_price"] * li["quantity"] for li in order["lines"])
            if (value <= POLICY.claims.human_above_value) == cheap:
                if found == skip:
                    return order, sample["email"]
                found += 1
    raise AssertionError("the demo store has no such order")


def test_when_a_cheap_item_arrives_damaged_then_a_refund_claim_is_recorded_once(
    stack: Stack, chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order, email = find_delivered(stack, demo_orders, cheap=True)
    assert "order number" in chat.text("my parcel arrived smashed").lower()
    chat.text(order["order_id"])
    messages = chat.say(email)
    assert any(b["payload"].endswith('"refund"}') for m in messages for b in m.get("buttons", []))
    summary = chat.text("refund please")
    assert order["order_id"] in summary and "Shall I go ahead" in summary
    assert customer_claims(stack, order["customer_id"]) == []  # nothing before the yes
    done = chat.text("yes")
    claims = customer_claims(stack, order["customer_id"])
    assert len(claims) == 1 and claims[0]["kind"] == "damaged"
    assert str(claims[0]["claim_id"]) in done
    chat.text("yes")
    assert len(customer_claims(stack, order["customer_id"])) == 1


def test_when_the_items_are_worth_more_than_the_threshold_then_a_person_takes_it(
    stack: Stack, chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order, email = find_delivered(stack, demo_orders, cheap=False)
    chat.text(f"order {order['order_id']} says delivered but i never got it")
    reply = chat.text(email)
    assert "needs a person" in reply
    assert customer_claims(stack, order["customer_id"]) == []


def test_when_order_has_not_shipped_then_no_claim_is_possible(
    chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    sample = next(o for o in demo_orders if o["status"] == "paid")
    chat.text(f"my order {sample['order_id']} is missing an item")
    reply = chat.text(sample["email"])
    assert "hasn't shipped yet" in reply
