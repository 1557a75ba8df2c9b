"""Returns over REST: the policy decides, nothing opens without a yes, exactly one RMA."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from merchants.policy import DEFAULT_POLICY_PATH, parse_policy
from stack.processes import Stack
from tests.e2e.conftest import Chat, backend_order, customer_claims, customer_orders
from tests.e2e.variants import after_item_question, returnable_lines

POLICY = parse_policy(DEFAULT_POLICY_PATH)
FINAL_SALE = frozenset(POLICY.returns.final_sale_categories)


def _returnable(order: dict[str, Any]) -> bool:
    final = set(POLICY.returns.final_sale_categories)
    returned = {i for r in order["returns"] for i in r["line_ids"]}
    return any(
        not li["final_sale"] and li["category"] not in final and li["line_id"] not in returned
        for li in order["lines"]
    )


def find_delivered(
    stack: Stack, demo_orders: list[dict[str, str]], *, within_window: bool
) -> tuple[dict[str, Any], str]:
    """A delivered order inside (or outside) the return window, with the customer's e-mail."""
    now = datetime.now(timezone.utc)
    window = timedelta(days=POLICY.returns.window_days)
    for sample in demo_orders:
        for summary in customer_orders(stack, sample["customer_id"]):
            if summary["status"] != "delivered":
                continue
            order = backend_order(stack, summary["order_id"])
            delivered = datetime.fromisoformat(
                order["shipment"]["delivered_at"].replace("Z", "+00:00")
            )
            # A day's margin on either side: the bot counts whole days since delivery.
            inside = now - delivered <= window - timedelta(days=1)
            outside = now - delivered > window + timedelta(days=1)
            if (
                (inside if within_window else outside)
                and _returnable(order)
                and not order["returns"]
                and not customer_claims(stack, order["customer_id"])
            ):
                return order, sample["email"]
    raise AssertionError("the demo store has no such delivered order")


def test_when_shopper_confirms_a_return_then_exactly_one_rma_is_opened(
    stack: Stack, chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order, email = find_delivered(stack, demo_orders, within_window=True)
    assert "order number" in chat.text("i want to return something").lower()
    chat.text(order["order_id"])
    messages = chat.say(email)
    buttons = [b for m in messages for b in m.get("buttons", [])]
    several = len(returnable_lines(stack, order["order_id"], FINAL_SALE)) > 1
    reply = after_item_question(
        " ".join(m.get("text", "") for m in messages),
        several,
        lambda: chat.text(buttons[0]["payload"]),  # several returnable items: pick the first
    )
    assert "reason" in reply.lower()
    assert "refund" in chat.text("it doesn't fit").lower()
    summary = chat.text("refund please")
    assert order["order_id"] in summary and "Shall I start the return" in summary
    assert backend_order(stack, order["order_id"])["returns"] == []  # nothing before the yes
    done = chat.text("yes")
    after = backend_order(stack, order["order_id"])
    assert len(after["returns"]) == 1
    assert after["returns"][0]["rma_id"] in done
    assert after["status"] == "return_requested"
    chat.text("yes")  # a repeated yes opens nothing more
    assert len(backend_order(stack, order["order_id"])["returns"]) == 1


def test_when_return_window_has_passed_then_the_return_is_refused(
    stack: Stack, chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order, email = find_delivered(stack, demo_orders, within_window=False)
    chat.text(f"i want to return order {order['order_id']}")
    reply = chat.text(email)
    assert f"{POLICY.returns.window_days} days after delivery" in reply
    assert backend_order(stack, order["order_id"])["returns"] == []


def test_when_order_is_not_delivered_then_it_cannot_be_returned_yet(
    stack: Stack, chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    sample = next(o for o in demo_orders if o["status"] == "in_transit")
    chat.text(f"how do i send back {sample['order_id']}")
    reply = chat.text(sample["email"])
    assert "can't be returned yet" in reply
