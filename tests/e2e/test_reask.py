"""Never the same question a third time, over REST: the order number, a check, an address."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import Chat, order_in

ORDER_QUESTION = "What's your order number?"
PERSON = "/request_human"


def _text(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def _payloads(messages: list[dict[str, Any]]) -> list[str]:
    return [b["payload"] for m in messages for b in m.get("buttons", [])]


def test_when_an_email_is_typed_for_the_order_number_then_the_shopper_is_found_another_way(
    chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "in_transit")
    said = [chat.text("where is my order?")]
    first = chat.say(order["email"])
    assert "doesn't look like an order number" in _text(first)
    second = chat.say(order["email"])
    said += [_text(first), _text(second)]
    # The second miss changes course: where the number is, another way, and a person.
    assert ORDER_QUESTION not in _text(second)
    assert "doesn't look like an order number" not in _text(second)
    assert "confirmation e-mail" in _text(second) and "account page" in _text(second)
    assert PERSON in _payloads(second)
    # The other way: the e-mail and the ZIP together find the shopper, who picks an order.
    third = chat.say(f"{order['email']} {order['postcode']}")
    said.append(_text(third))
    picks = [p for p in _payloads(third) if order["order_id"] in p]
    assert picks, _text(third)  # the order is among the shopper's recent ones
    reply = chat.text(picks[0])
    assert order["order_id"] in reply
    assert "e-mail" not in reply.lower()  # the shopper is verified: no second question
    assert sum(text.count(ORDER_QUESTION) for text in said) <= 2


def test_an_email_alone_lists_no_orders_and_a_wrong_zip_finds_nobody(
    chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    """Knowing someone's e-mail must not be enough to see their orders."""
    order = order_in(demo_orders, "shipped", 1)
    chat.text("where is my order?")
    chat.text(order["email"])
    assert "account page" in chat.text(order["email"])  # the second miss: another way
    alone = chat.say(order["email"])
    assert not [p for p in _payloads(alone) if "order_id" in p]
    assert "ZIP" in _text(alone) and order["order_id"] not in _text(alone)
    wrong_zip = "99999" if order["postcode"] != "99999" else "10001"
    wrong = chat.say(f"{order['email']} {wrong_zip}")
    assert not [p for p in _payloads(wrong) if "order_id" in p]
    assert order["order_id"] not in _text(wrong)


def test_when_the_shopper_finds_the_order_number_after_all_then_the_lookup_goes_on(
    chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "shipped")
    chat.text("where's my parcel")
    chat.text("AC-12")
    second = chat.text("order 1234")
    assert "account page" in second and ORDER_QUESTION not in second
    assert "e-mail" in chat.text(order["order_id"]).lower()  # the usual second factor
    assert "tracking number" in chat.text(order["email"])


def test_after_two_failed_checks_the_reply_is_the_same_for_an_unknown_order(
    chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "delivered", 1)
    unknown = Chat(chat.url)
    replies: dict[str, list[str]] = {"wrong answer": [], "unknown order": []}
    for who, talk, number, answer in (
        ("wrong answer", chat, order["order_id"], "not.me@example.com"),
        ("unknown order", unknown, "AC-999999", order["email"]),
    ):
        talk.text("where is my order?")
        for _ in range(2):
            talk.text(number)
            replies[who].append(talk.text(answer))
    assert replies["wrong answer"] == replies["unknown order"]
    second = replies["wrong answer"][1]
    assert "couldn't match" in second and "confirmation e-mail" in second
    assert "person" in second
    assert order["order_id"] not in second


def test_when_the_new_address_is_missed_twice_then_an_example_and_a_person_are_offered(
    chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "packed", 1)
    chat.text(f"I need to change the delivery address for {order['order_id']}")
    assert "new delivery address" in chat.text(order["email"])
    assert "couldn't read that as a US address" in chat.text("my friend's place")
    second = chat.say("at my mum's")
    assert "What's the new delivery address" not in _text(second)
    assert "couldn't read that" not in _text(second)
    assert "Let's try it on one line" in _text(second)
    assert PERSON in _payloads(second)
    summary = chat.text("742 Evergreen Terrace, Springfield, OR 97477")
    assert "Shall I change it" in summary
    assert "haven't changed anything" in chat.text("no")


def test_after_a_third_miss_the_form_is_left_and_the_person_offered_takes_over(
    chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "packed", 1)
    chat.text(f"change the shipping address of {order['order_id']} please")
    chat.text(order["email"])
    for text in ("my friend's place", "at my mum's"):
        chat.text(text)
    third = chat.say("the blue house")
    assert "leave it here" in _text(third)
    assert PERSON in _payloads(third)
    assert "haven't changed anything" in _text(third)
    assert "team" in chat.text(PERSON)
