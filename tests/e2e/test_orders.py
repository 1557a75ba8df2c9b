"""Where is my order, end to end: REST channel → Rasa → action server → commerce backend."""

from __future__ import annotations

from actions.support import money
from merchants.identity import sign_customer_token
from stack.processes import Stack
from tests.e2e.conftest import Chat, backend_order, customer_orders, order_in


def verify(chat: Chat, order_id: str, answer: str) -> str:
    """Ask where the order is, give its number and the second factor; return the answer."""
    assert "order number" in chat.text("where is my order?").lower()
    assert "e-mail" in chat.text(order_id).lower()
    return chat.text(answer)


def test_when_shopper_verifies_by_email_then_live_tracking_event_is_shown(
    stack: Stack, chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "in_transit")
    reply = verify(chat, order["order_id"], order["email"])
    live = backend_order(stack, order["order_id"])
    latest = live["shipment"]["events"][-1]
    assert live["shipment"]["tracking_number"] in reply
    assert live["shipment"]["carrier"] in reply
    assert latest["description"] in reply
    assert "Expected delivery" in reply


def test_when_shopper_verifies_by_zip_code_then_order_is_answered(
    chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "out_for_delivery")
    reply = verify(chat, order["order_id"], f"zip is {order['postcode']}")
    assert order["order_id"] in reply
    assert "out for delivery" in reply


def test_when_order_id_and_email_come_together_then_no_second_question(
    chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "shipped")
    reply = chat.text(f"where is order {order['order_id']}? my email is {order['email']}")
    assert order["order_id"] in reply
    assert "tracking number" in reply


def test_when_order_is_unknown_or_answer_wrong_then_replies_are_identical(
    chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "delivered")
    wrong_answer = verify(chat, order["order_id"], "not.me@example.com")
    unknown_order = Chat(chat.url)
    unknown_reply = verify(unknown_order, "AC-999999", order["email"])
    assert wrong_answer == unknown_reply
    assert order["order_id"] not in wrong_answer


def test_when_verification_fails_five_times_then_lookups_stop_and_a_person_is_offered(
    chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "paid")
    assert "order number" in chat.text("where's my package")
    for attempt in range(5):
        chat.text(order["order_id"])
        reply = chat.text(f"wrong{attempt}@example.com")
    assert "security" in reply and "@" in reply  # locked, with the team's contact
    # Even the right answer is refused now.
    reply = chat.text(f"where is {order['order_id']} my email is {order['email']}")
    assert "security" in reply
    assert "placed" not in reply


def test_when_shopper_asks_about_a_second_order_of_theirs_then_no_reverification(
    stack: Stack, chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    first = order_in(demo_orders, "delivered")
    verify(chat, first["order_id"], first["email"])
    theirs = customer_orders(stack, first["customer_id"])
    other = next(o for o in theirs if o["order_id"] != first["order_id"])
    reply = chat.text(f"and what about order {other['order_id']}?")
    assert other["order_id"] in reply
    assert "e-mail" not in reply.lower()


def test_when_second_order_belongs_to_someone_else_then_it_is_refused(
    chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    mine = order_in(demo_orders, "delivered")
    theirs = next(o for o in demo_orders if o["customer_id"] != mine["customer_id"])
    verify(chat, mine["order_id"], mine["email"])
    chat.text(f"what about {theirs['order_id']}")
    reply = chat.text(theirs["email"])
    assert theirs["order_id"] not in reply
    assert "couldn't match" in reply


def test_when_shipment_is_delayed_then_bot_apologises_and_states_policy_options(
    chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "delayed")
    reply = verify(chat, order["order_id"], order["email"])
    assert "sorry" in reply.lower()
    assert "new estimate" in reply
    assert "talk to one of our team" in reply


def test_when_shipment_is_lost_then_bot_offers_reship_or_refund(
    chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "lost")
    reply = verify(chat, order["order_id"], order["postcode"])
    assert "replacement" in reply and "refund" in reply


def test_when_channel_signs_the_shopper_then_recent_orders_are_offered_as_buttons(
    stack: Stack, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "in_transit")
    token = sign_customer_token(order["customer_id"], stack.env["AFTERCARE_IDENTITY_SECRET"])
    chat = Chat(stack.rest_url, metadata={"customer_token": token})
    messages = chat.say("where is my stuff")
    buttons = [b for m in messages for b in m.get("buttons", [])]
    assert any(order["order_id"] in b["payload"] for b in buttons)
    pick = next(b for b in buttons if order["order_id"] in b["payload"])
    reply = chat.text(pick["payload"])
    assert "tracking number" in reply  # no e-mail asked: the channel vouched for the shopper


def test_when_identity_token_is_forged_then_it_is_ignored(
    stack: Stack, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "in_transit")
    forged = sign_customer_token(order["customer_id"], "an-attacker-guessing-the-shared-secret")
    chat = Chat(stack.rest_url, metadata={"customer_token": forged})
    messages = chat.say("where is my order")
    assert not any(m.get("buttons") for m in messages)
    assert "order number" in " ".join(m.get("text", "") for m in messages)


def test_when_shopper_changes_their_mind_mid_lookup_then_bot_lets_go(chat: Chat) -> None:
    chat.text("where is my order")
    reply = chat.text("never mind")
    assert "No problem" in reply
    assert "order" in chat.text("hello").lower()  # greeted normally, no lookup pending


def test_the_verified_order_stays_in_focus_for_the_shoppers_next_questions(
    chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "in_transit", 1)
    first = verify(chat, order["order_id"], order["email"])
    assert order["order_id"] in first

    again = chat.text("when will it get here?")
    assert "order number" not in again.lower() and "Which order" not in again
    assert order["order_id"] in again and "Expected delivery" in again

    address = chat.text("can I change the delivery address?")
    assert "order number" not in address.lower() and "Which order" not in address
    assert order["order_id"] in address  # on its way: too late to change, said of this order


def test_asking_about_another_order_after_one_was_answered_asks_which(
    chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "delivered", 1)
    verify(chat, order["order_id"], order["email"])

    reply = chat.text("and where is my other order?")
    assert "order" in reply.lower() and order["order_id"] not in reply


def test_when_shopper_asks_what_they_paid_then_the_items_and_total_come_from_the_store(
    stack: Stack, chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "delivered", 2)
    asked = chat.text(f"how much did I pay for order {order['order_id']}?")
    assert "e-mail" in asked.lower()
    reply = chat.text(order["email"])
    live = backend_order(stack, order["order_id"])
    assert money(live["total"], live["currency"]) in reply
    for line in live["lines"]:
        assert line["product_name"] in reply
    assert live["payments"][0]["method"]["label"] in reply
    assert live["shipment"]["tracking_number"] in reply


def test_after_the_status_the_same_order_is_priced_without_asking_again(
    stack: Stack, chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "in_transit", 2)
    verify(chat, order["order_id"], order["email"])

    reply = chat.text("and how much was it in total?")
    live = backend_order(stack, order["order_id"])
    assert "order number" not in reply.lower() and "Which order" not in reply
    assert f"Order total: {money(live['total'], live['currency'])}" in reply
