"""Catalogue answers told from the product as the backend returns it (actions/products.py)."""

from __future__ import annotations

import json

import pytest

from actions.products import (
    MAX_CHOICES,
    choice_buttons,
    describe_product,
    more_words,
    named_options,
    ordinal,
    pick,
)
from actions.services.commerce import Product, ProductMatch, Variant


def _variant(sku: str, price: float, stock: int, **options: str) -> Variant:
    return Variant(sku=sku, options=options, price=price, stock=stock)


TEE = Product(
    product_id="P-7",
    name="Trail Tee",
    variants=(
        _variant("T-BLU-S", 20.0, 5, color="blue", size="S"),
        _variant("T-BLU-M", 20.0, 0, color="blue", size="M"),
        _variant("T-RED-S", 22.5, 3, color="red", size="S"),
        _variant("T-RED-M", 22.5, 0, color="red", size="M"),
        _variant("T-RED-XL", 24.0, 1, color="red", size="XL"),
    ),
)
MUG = Product("P-9", "Camp Mug", (_variant("MUG", 12.0, 0),))


def _replies(question: str, product: Product = TEE) -> dict[str, dict[str, str]]:
    return dict(describe_product(product, question, "USD"))


def test_the_overview_counts_every_option_and_those_in_stock() -> None:
    overview = _replies("how many options of the trail tee are there?")["utter_product_overview"]
    assert overview["product"] == "Trail Tee"
    assert overview["price"] == "from $20.00 to $24.00"
    assert overview["choices"] == "5 options, 3 of them available right now"


def test_each_option_kind_is_counted_and_listed() -> None:
    lists = _replies("what colours does it come in")["utter_product_options"]["option_lists"]
    assert lists == "2 colors: blue, red. 3 sizes: S, M, XL."


def test_a_named_option_in_stock_gets_its_price() -> None:
    said = _replies("do you have it in red size XL?")["utter_product_in_options"]
    assert said == {"wanted": "red, size XL", "verdict": "available, $24.00"}


def test_a_named_colour_partly_in_stock_says_which_sizes_are() -> None:
    said = _replies("is the blue one in stock")["utter_product_in_options"]
    assert said == {"wanted": "blue", "verdict": "1 of 2 available (S), $20.00"}


def test_a_named_option_sold_out_is_said_so() -> None:
    said = _replies("any in medium? size M")["utter_product_in_options"]
    assert said["verdict"] == "sold out right now"


def test_an_option_the_product_does_not_have_is_said_so() -> None:
    said = _replies("does the trail tee come in blue, size XL?")
    assert said["utter_product_not_offered"] == {"product": "Trail Tee", "wanted": "blue, size XL"}


def test_im_is_not_read_as_size_m() -> None:
    assert not named_options("I'm asking about the tee", TEE)


def test_the_longest_size_named_wins_over_the_ones_inside_it() -> None:
    xxl = Product(
        "P-8", "Vest", (_variant("V-XL", 30, 1, size="XL"), _variant("V-L", 30, 1, size="L"))
    )
    assert named_options("in XL please", xxl).values == {"size": ["XL"]}


def test_a_product_with_one_option_says_whether_it_is_sold_out_and_lists_nothing() -> None:
    replies = _replies("how much is the camp mug", MUG)
    assert replies["utter_product_overview"]["choices"] == "one option, sold out right now"
    assert replies["utter_product_overview"]["price"] == "$12.00"
    assert "utter_product_options" not in replies


def _match(name: str, score: float) -> ProductMatch:
    return ProductMatch(Product(f"P-{name}", name, ()), score)


def test_a_whole_name_is_picked_alone() -> None:
    found = [_match("Smart Watch", 1.0), _match("Smart Thermostat", 0.47)]
    assert [m.product.name for m in pick(found)] == ["Smart Watch"]


def test_a_clear_partial_winner_is_picked_alone() -> None:
    found = [_match("Granite Daypack", 0.92), _match("Summit Daypack", 0.47)]
    assert [m.product.name for m in pick(found)] == ["Granite Daypack"]


def test_close_matches_are_all_offered_and_more_than_the_buttons_are_counted() -> None:
    found = [_match("Sierra Sun Hoodie", 0.72), _match("Coastal Sun Hoodie", 0.71)]
    assert len(pick(found)) == 2
    tents = [_match(f"Tent {n}", 0.2) for n in range(8)]
    assert len(pick(tents)) == 8
    assert more_words(len(tents) - MAX_CHOICES).startswith(" 3 more fit too")
    assert more_words(0) == ""


def test_weak_matches_are_no_match() -> None:
    assert pick([_match("LED Light Bulb", 0.12)]) == []
    assert pick([]) == []


def test_a_choice_button_carries_the_product_id_as_the_same_intent() -> None:
    [button] = choice_buttons([_match("Granite Daypack", 0.9)])
    intent, _, entities = button["payload"].partition("{")
    assert intent == "/product_question"
    assert json.loads("{" + entities) == {"product_id": "P-Granite Daypack"}
    assert button["title"] == "Granite Daypack"


@pytest.mark.parametrize(
    ("typed", "position"),
    [("the second one", 1), ("2", 1), ("first", 0), ("the last one please", -1), ("3rd", 2),
     ("the coastal one", None), ("size 10 please, in the blue", None)],
)  # fmt: skip
def test_a_position_among_the_buttons_is_read_from_the_answer(
    typed: str, position: int | None
) -> None:
    assert ordinal(typed) == position
