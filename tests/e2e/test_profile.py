"""The default address on the shopper's account, end to end: REST → Rasa → actions → backend."""

from __future__ import annotations

from stack.processes import Stack
from tests.e2e.conftest import Chat, backend_get, backend_order, order_in

NEW_ADDRESS = "742 Evergreen Terrace, Apt 2, Springfield, OR 97477"


def test_a_shopper_who_moved_gets_the_account_address_changed_and_orders_keep_theirs(
    stack: Stack, chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    sample = order_in(demo_orders, "paid", 1)
    order_before = backend_order(stack, sample["order_id"])

    asked = chat.text("I moved, can you update the default address on my account?")
    assert "e-mail" in asked.lower()
    asked = chat.text(f"{sample['email']} {sample['postcode']}")
    assert "new default address for your account" in asked
    summary = chat.text(NEW_ADDRESS)
    assert "742 Evergreen Terrace, Apt 2, Springfield, OR 97477" in summary
    assert "Shall I change it?" in summary
    done = chat.text("yes")

    assert "default address on your account is now 742 Evergreen Terrace" in done
    customer = backend_get(stack, f"customers/{sample['customer_id']}")
    assert customer["postcode"] == "97477"
    assert (
        backend_order(stack, sample["order_id"])["shipping_address"]
        == (order_before["shipping_address"])
    )


def test_an_address_typed_with_the_request_is_read_back_and_a_no_changes_nothing(
    stack: Stack, chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    sample = order_in(demo_orders, "delivered", 2)
    before = backend_get(stack, f"customers/{sample['customer_id']}")

    chat.text(f"update my default address to {NEW_ADDRESS}")
    summary = chat.text(f"my email is {sample['email']} and zip {sample['postcode']}")
    assert "becomes 742 Evergreen Terrace, Apt 2, Springfield, OR 97477" in summary
    answer = chat.text("no")

    assert "haven't changed anything" in answer
    assert backend_get(stack, f"customers/{sample['customer_id']}") == before
