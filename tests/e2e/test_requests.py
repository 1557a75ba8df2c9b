"""Several requests in one message, end to end: each is answered, one after the other."""

from __future__ import annotations

from stack.processes import Stack
from tests.e2e.conftest import Chat, backend_order, order_in, product_named_alone


def test_an_order_question_and_a_product_question_in_one_message_are_both_answered(
    stack: Stack, chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "shipped", 1)
    product = product_named_alone(stack, demo_orders)

    reply = chat.text(
        f"where is order {order['order_id']}? my email is {order['email']}. "
        f"also, how much is the {product['name']}?"
    )

    live = backend_order(stack, order["order_id"])
    assert live["shipment"]["tracking_number"] in reply
    assert f"The {product['name']} costs" in reply
    assert "Now for your other request." in reply
    assert "e-mail" not in reply  # the e-mail given with the order was used for it


def test_after_a_cancellation_the_question_asked_with_it_is_answered(
    stack: Stack, chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "packed", 2)
    product = product_named_alone(stack, demo_orders)

    assert "e-mail" in chat.text(
        f"I need to cancel order {order['order_id']}, and how much is the {product['name']}?"
    )
    assert "why" in chat.text(order["email"]).lower()
    summary = chat.text("ordered it by mistake")
    assert "Shall I go ahead" in summary and "costs" not in summary  # one request at a time
    done = chat.text("yes")

    assert "is cancelled" in done
    assert backend_order(stack, order["order_id"])["status"] == "cancelled"
    assert f"The {product['name']} costs" in done
    assert done.index("is cancelled") < done.index("Now for your other request.")


def test_a_message_with_one_request_and_its_details_gets_no_second_answer(
    chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "in_transit", 2)

    reply = chat.text(f"Where is my order {order['order_id']}? The email is {order['email']}.")

    assert order["order_id"] in reply
    assert "other request" not in reply
