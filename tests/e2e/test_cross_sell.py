"""Cross-sell end to end: REST channel → Rasa → action server → commerce backend.

Suggestions come from the backend's recommender, the offer after good news comes once and
not at a bad moment, and a picked suggestion is recorded in the backend.
"""

from __future__ import annotations

from typing import Any

from stack.processes import Stack
from tests.e2e.conftest import Chat, backend_get, customer_orders, order_in
from tests.e2e.standins import ProviderStandIn
from tests.e2e.test_channels_sms import Phone, _sent_until, new_number
from tests.merchants import best_seller, product_names

OPEN = {"delayed", "lost", "return_requested", "exchange_requested"}
OFFER = "would you like a few suggestions"


def calm_order(stack: Stack, demo_orders: list[dict[str, str]], status: str) -> dict[str, str]:
    """An order in ``status`` of a shopper with no return or parcel problem open."""
    for order in (o for o in demo_orders if o["status"] == status):
        orders = customer_orders(stack, order["customer_id"])[:10]
        claims = backend_get(stack, f"customers/{order['customer_id']}/claims", days="30")
        if not claims["claims"] and all(o["status"] not in OPEN for o in orders):
            return order
    raise AssertionError(f"no calm shopper with an order {status} in the demo store")


def track(chat: Chat, order: dict[str, str]) -> str:
    chat.text("where is my order?")
    chat.text(order["order_id"])
    return chat.text(order["email"])


def suggestion_buttons(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    buttons = [button for message in messages for button in message.get("buttons", [])]
    return [b for b in buttons if "suggested_product" in b["payload"]]


def test_after_good_news_the_offer_leads_to_suggestions_and_a_pick_is_recorded(
    stack: Stack, chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order = calm_order(stack, demo_orders, "in_transit")
    assert "in transit" in track(chat, order)

    assert OFFER in chat.text("great, thanks!").lower()
    shown = chat.say("yes please")
    buttons = suggestion_buttons(shown)
    text = "\n".join(m.get("text", "") for m in shown)

    assert len(buttons) == 3
    assert "go with what you bought" in text
    assert text.count("in stock") == 3 and text.count("$") >= 3
    bought = {
        line["product_id"]
        for summary in customer_orders(stack, order["customer_id"])
        for line in backend_get(stack, f"orders/{summary['order_id'].lstrip('#')}")["lines"]
    }
    picked = buttons[1]["payload"].split('"suggested_product":"')[1].split('"')[0]
    assert picked not in bought

    assert "good choice" in chat.text(buttons[1]["payload"]).lower()
    clicks = backend_get(stack, "recommendations/clicks", customer_id=order["customer_id"])
    assert [(c["product_id"], c["position"]) for c in clicks["clicks"]] == [(picked, 2)]


def test_a_stranger_asking_gets_popular_products_as_buttons(chat: Chat) -> None:
    messages = chat.say("any recommendations?")
    text = "\n".join(m.get("text", "") for m in messages)

    assert len(suggestion_buttons(messages)) == 3
    assert "other shoppers like" in text
    assert "order number" in text  # how to get suggestions for what they bought


def test_the_offer_is_made_once_and_never_after_a_no(
    stack: Stack, chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order = calm_order(stack, demo_orders, "delivered")
    track(chat, order)
    assert OFFER in chat.text("thank you").lower()
    assert "won't suggest anything else" in chat.text("no thanks").lower()

    chat.text("where's my order now?")
    assert order["order_id"] in chat.text(order["order_id"])  # known now: no second question
    again = chat.text("thanks")

    assert OFFER not in again.lower()
    assert "anything else" in again.lower()  # utter_you_are_welcome


def test_an_upset_shopper_is_not_offered_anything(
    stack: Stack, chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order = calm_order(stack, demo_orders, "in_transit")
    chat.text("this is ridiculous!! where is my order")
    chat.text(order["order_id"])
    chat.text(order["email"])

    reply = chat.text("ok thanks")

    assert OFFER not in reply.lower()
    assert "anything else" in reply.lower()  # utter_you_are_welcome


def test_a_shopper_with_an_open_return_is_not_offered_anything(
    chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "return_requested")
    assert "return" in track(chat, order).lower()

    reply = chat.text("thanks!")

    assert OFFER not in reply.lower()
    assert "anything else" in reply.lower()  # utter_you_are_welcome


def test_a_stranger_texting_the_outdoor_merchant_gets_its_rules_and_not_the_demo_s(
    stack: Stack,
    chat: Chat,
    provider_standin: ProviderStandIn,
    seeded_store: tuple[str, list[dict[str, str]]],
    outdoor_excludes: str,
) -> None:
    excluded = product_names(seeded_store[0], outdoor_excludes)
    phone = Phone(stack, "outdoor-7f3c", stack.env["TWILIO_AUTH_TOKEN_OUTDOOR"], new_number())
    expected = [
        item["name"]
        for item in backend_get(stack, "recommendations", merchant="outdoor")["recommendations"]
    ]

    demo = "\n".join(m.get("text", "") for m in chat.say("any recommendations?"))  # REST
    assert phone.text("any recommendations?") == []  # outdoor replies over Twilio's API
    sent = _sent_until(provider_standin, phone, expected[-1])
    outdoor = " ".join(" ".join(s.body["Body"] for s in sent).split())  # SMS parts rejoined

    assert best_seller(seeded_store[0]).name in demo
    assert "other shoppers like" in outdoor
    assert all(name in outdoor for name in expected), outdoor
    assert not [name for name in excluded if name in outdoor], outdoor
