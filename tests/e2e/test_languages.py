"""A shopper writing in another language, on the running stack: English, theirs, a person."""

from __future__ import annotations

from stack.processes import Stack
from tests.e2e.conftest import Chat


def test_where_is_my_order_in_spanish_gets_english_spanish_and_the_offer_of_a_person(
    stack: Stack, chat: Chat
) -> None:
    replies = chat.say("¿dónde está mi pedido?")
    texts = [m.get("text", "") for m in replies]
    assert texts[0] == "Sorry, I can only chat in English."
    assert "solo puedo atenderte en inglés" in texts[1]
    assert "order number" not in " ".join(texts).lower()
    offer = replies[-1]
    assert "person from our team" in offer["text"]
    assert [b["payload"] for b in offer["buttons"]] == ["/affirm", "/deny"]


def test_tapping_yes_after_writing_in_spanish_puts_the_shopper_in_the_queue(
    stack: Stack, chat: Chat
) -> None:
    chat.say("quiero devolver unos zapatos que compré")
    replies = chat.say("/affirm")
    assert "in the queue" in " ".join(m.get("text", "") for m in replies)
    assert any(m.get("custom", {}).get("handoff") for m in replies)


def test_tapping_no_after_writing_in_german_carries_on_in_english(stack: Stack, chat: Chat) -> None:
    assert "English" in chat.text("wo ist meine Bestellung?")
    assert "carry on in English" in chat.text("/deny")
    assert "order number" in chat.text("where is my order?").lower()
