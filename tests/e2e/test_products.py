"""Catalogue questions end to end: REST channel → Rasa → action server → commerce backend."""

from __future__ import annotations

from stack.processes import Stack
from tests.e2e.conftest import Chat, catalogue_search, product_named_alone


def test_how_many_options_are_in_stock_is_answered_with_the_catalogues_figures(
    stack: Stack, chat: Chat, demo_orders: list[dict[str, str]]
) -> None:
    product = product_named_alone(stack, demo_orders)
    variants = product["variants"]
    in_stock = sum(1 for v in variants if v["stock"] > 0)

    reply = chat.text(f"how many options of the {product['name']} do you have in stock right now?")

    assert f"The {product['name']} costs" in reply
    assert f"{len(variants)} options, {in_stock} of them available right now" in reply


def test_a_word_many_products_share_gets_buttons_and_a_press_answers_the_question(
    stack: Stack, chat: Chat
) -> None:
    found = catalogue_search(stack, "sun hoodie")
    close = [p for p in found if p["match"] >= found[0]["match"] - 0.1]
    assert len(close) > 1, "the demo catalogue sells several sun hoodies"

    asked = chat.say("what colors does the sun hoodie come in?")

    buttons = asked[-1]["buttons"]
    assert "Which one do you mean?" in asked[-1]["text"]
    assert [b["title"] for b in buttons] == [p["name"] for p in close[:5]]
    chosen = close[1]
    colours = {v["options"]["color"] for v in chosen["variants"]}
    answer = chat.text(buttons[1]["payload"])
    assert f"The {chosen['name']} costs" in answer
    assert f"{len(colours)} colors: " in answer
    assert all(colour in answer for colour in colours)


def test_which_one_answered_in_words_picks_the_product_named(stack: Stack, chat: Chat) -> None:
    found = catalogue_search(stack, "sun hoodie")
    close = [p for p in found if p["match"] >= found[0]["match"] - 0.1][:5]
    chosen = close[-1]

    chat.say("how much is the sun hoodie?")
    answer = chat.text(f"the {chosen['name'].split()[0].lower()} one")

    assert f"The {chosen['name']} costs" in answer
