"""Questions about the rules are answered from the merchant's policy file, over REST."""

from __future__ import annotations

from merchants.policy import DEFAULT_POLICY_PATH, parse_policy
from tests.e2e.conftest import Chat, order_in


def test_when_shopper_asks_about_the_return_window_then_the_policy_window_is_stated_first(
    chat: Chat,
) -> None:
    policy = parse_policy(DEFAULT_POLICY_PATH)
    messages = [m["text"] for m in chat.say("how many days do i have to return stuff?")]
    assert f"within {policy.returns.window_days} days of delivery" in messages[0]
    assert not any("final sale" in m for m in messages)  # only the rule asked about
    assert "I can also tell you about" in messages[-1] and "what can't be returned" in messages[-1]


def test_when_shopper_asks_if_a_swimsuit_can_go_back_then_only_the_final_sale_rule_is_said(
    chat: Chat,
) -> None:
    messages = [m["text"] for m in chat.say("can I return a swimsuit?")]
    assert len(messages) == 2
    assert "final sale" in messages[0] and "swimwear" in messages[0]
    assert "the return window" in messages[1]


def test_when_shopper_asks_for_the_whole_policy_then_every_rule_is_said(chat: Chat) -> None:
    messages = [m["text"] for m in chat.say("what is your return policy?")]
    assert len(messages) == 5
    assert not any("I can also tell you" in m for m in messages)


def test_when_shopper_asks_about_sale_underwear_then_final_sale_comes_first(chat: Chat) -> None:
    messages = [m["text"] for m in chat.say("can i send back underwear i bought?")]
    assert "final sale" in messages[0] and "underwear" in messages[0]


def test_when_a_rules_question_interrupts_a_lookup_then_the_lookup_carries_on(
    chat: Chat,
) -> None:
    chat.text("where is my order")
    reply = chat.text("wait, are returns free?")
    assert "free" in reply and "label" in reply
    assert "order number" in reply  # asks for the order number again


def test_when_shopper_asks_where_their_refund_is_then_the_refund_is_stated(
    chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "refunded")
    assert "order number" in chat.text("i still haven't got my refund").lower()
    chat.text(order["order_id"])
    reply = chat.text(order["email"])
    assert "refund of" in reply and order["order_id"] in reply
    assert "business days" in reply or "immediately" in reply


def test_when_order_has_no_refund_then_shopper_hears_so(
    chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "in_transit")
    chat.text(f"where is the refund for {order['order_id']}")
    reply = chat.text(order["postcode"])
    assert "no refund" in reply and "in transit" in reply
