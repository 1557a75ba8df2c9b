"""Another option of the same product and the payment method, as shoppers name them."""

from __future__ import annotations

import pytest

from actions.options import (
    SAME_AGAIN,
    Swap,
    covers,
    decode_swaps,
    describe_swap,
    encode_swaps,
    match_swaps,
    method_buttons,
    option_buttons,
    pick_method,
    same_again,
    total_difference,
)
from actions.services.commerce import OrderLine, PaymentMethod, Product, Variant


def _variant(sku: str, price: float, stock: int = 5, **options: str) -> Variant:
    return Variant(sku=sku, options=options, price=price, stock=stock)


SHIRT = Product(
    "P-SHIRT",
    "T-Shirt",
    (
        _variant("1001", 20.0, color="blue", size="M"),
        _variant("1002", 20.0, color="red", size="M"),
        _variant("1003", 22.0, color="red", size="L"),
        _variant("1004", 24.0, color="red", size="XXL"),
        _variant("1005", 20.0, stock=0, color="black", size="M"),
        _variant("1006", 21.0, color="blue", size="XL"),
    ),
)
BOTTLE = Product(
    "P-BOTTLE",
    "Water Bottle",
    (
        _variant("2001", 30.0, capacity="500ml", color="black"),
        _variant("2002", 35.0, capacity="1000ml", color="black"),
        _variant("2003", 30.0, capacity="500ml", color="red"),
    ),
)
PRODUCTS = {p.product_id: p for p in (SHIRT, BOTTLE)}
SHIRT_LINE = OrderLine(
    1, "P-SHIRT", "1001", "T-Shirt", "clothing", {"color": "blue", "size": "M"}, 1, 20.0, False
)
BOTTLE_LINE = OrderLine(
    2,
    "P-BOTTLE",
    "2001",
    "Water Bottle",
    "kitchen",
    {"capacity": "500ml", "color": "black"},
    1,
    30.0,
    False,
)
LINES = [SHIRT_LINE, BOTTLE_LINE]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("the shirt in red please", {1: "1002"}),
        ("red, size L", {1: "1003"}),
        ("make the tshirt XXL and red", {1: "1004"}),  # "xxl" is not also read as "xl"
        ("I'm after the XL one", {1: "1006"}),  # "I'm" is not the size M
        ("bottle 1000ml", {2: "2002"}),
        ("shirt red L and the bottle in 1000ml", {1: "1003", 2: "2002"}),
        ("the water bottle in red", {2: "2003"}),  # the shirt stays blue
        ("item 1006 please", {1: "1006"}),
        ("1:1003", {1: "1003"}),
    ],
)
def test_the_shoppers_words_pick_another_option_of_the_same_product(
    typed: str, expected: dict[int, str]
) -> None:
    matched = match_swaps(typed, LINES, PRODUCTS)
    assert {s.line.line_id: s.variant.sku for s in matched.swaps} == expected


def test_an_option_the_store_does_not_sell_is_named_back() -> None:
    matched = match_swaps("the shirt in black size L", LINES, PRODUCTS)
    assert not matched.swaps and matched.unavailable == ("T-Shirt (black, L)",)


def test_an_option_out_of_stock_is_not_offered() -> None:
    matched = match_swaps("the shirt in black", LINES, PRODUCTS)
    assert not matched.swaps and matched.out_of_stock == ("T-Shirt (black, M)",)


def test_words_naming_no_option_change_nothing() -> None:
    assert match_swaps("hmm not sure", LINES, PRODUCTS).swaps == ()


def test_price_difference_adds_up_over_all_swaps() -> None:
    swaps = [
        Swap(SHIRT_LINE, SHIRT.variants[3]),  # +4
        Swap(BOTTLE_LINE, BOTTLE.variants[1]),  # +5
    ]
    assert total_difference(swaps) == 9.0
    assert decode_swaps(encode_swaps(swaps)) == {1: "1004", 2: "2002"}


def test_a_swap_names_its_price_change_in_the_merchants_currency() -> None:
    dearer = Swap(SHIRT_LINE, SHIRT.variants[3])
    same_price = Swap(BOTTLE_LINE, BOTTLE.variants[2])

    assert describe_swap(dearer, "EUR") == "T-Shirt (blue, M) → (red, XXL) (+€4.00)"
    assert describe_swap(Swap(BOTTLE_LINE, BOTTLE.variants[1]), "GBP").endswith("(+£5.00)")
    assert describe_swap(same_price, "USD") == "Water Bottle (500ml, black) → (500ml, red)"


def test_option_and_payment_buttons_show_prices_in_the_merchants_currency() -> None:
    options = [b["title"] for b in option_buttons([SHIRT_LINE], PRODUCTS, "EUR")]
    methods = [b["title"] for b in method_buttons(METHODS, "GBP")]

    assert "T-Shirt: red, L (€22.00)" in options
    assert not any("$" in title for title in options)
    assert "Gift card ending 0333 (balance £10.00)" in methods


def test_a_malformed_slot_value_decodes_to_nothing() -> None:
    assert decode_swaps("red please") == {} and decode_swaps(None) == {}


METHODS = [
    PaymentMethod("credit_card_111", "credit_card", "Visa ending 4242"),
    PaymentMethod("paypal_222", "paypal", "PayPal"),
    PaymentMethod("gift_card_333", "gift_card", "Gift card ending 0333", balance=10.0),
]


@pytest.mark.parametrize(
    ("typed", "method_id"),
    [
        ("my gift card", "gift_card_333"),
        ("paypal please", "paypal_222"),
        ("the visa", "credit_card_111"),
        ("card ending 4242", "credit_card_111"),
        ("credit_card_111", "credit_card_111"),
        ("whatever", None),
    ],
)
def test_the_shopper_names_a_payment_method(typed: str, method_id: str | None) -> None:
    picked = pick_method(typed, METHODS)
    assert (picked.payment_method_id if picked else None) == method_id


def test_two_cards_make_my_card_ambiguous() -> None:
    two = [*METHODS, PaymentMethod("credit_card_444", "credit_card", "Mastercard ending 9999")]
    assert pick_method("my credit card", two) is None
    picked = pick_method("the mastercard ending 9999", two)
    assert picked is not None and picked.payment_method_id == "credit_card_444"


def test_a_gift_card_covers_only_its_balance() -> None:
    gift = METHODS[2]
    assert covers(gift, 10.0) and not covers(gift, 10.01)
    assert covers(METHODS[0], 10_000.0)


def test_payment_buttons_leave_out_the_current_method_and_show_gift_card_balances() -> None:
    titles = [b["title"] for b in method_buttons(METHODS, "USD", exclude=["paypal_222"])]
    assert titles == ["Visa ending 4242", "Gift card ending 0333 (balance $10.00)"]


@pytest.mark.parametrize(
    "typed",
    ["the same one please", "just send me a new one", "an identical replacement",
     "same again", "exact same as before", "another one just like it"],
)  # fmt: skip
def test_words_for_the_same_option_again_are_heard(typed: str) -> None:
    assert SAME_AGAIN.search(typed)


@pytest.mark.parametrize("typed", ["in red please", "size L", "a different colour", "the bottle"])
def test_words_for_another_option_are_not_read_as_the_same_again(typed: str) -> None:
    assert not SAME_AGAIN.search(typed)


def test_the_same_again_swaps_each_line_for_its_own_option_when_in_stock() -> None:
    matched = same_again(LINES, PRODUCTS)

    assert [(s.line.line_id, s.variant.sku) for s in matched.swaps] == [(1, "1001"), (2, "2001")]
    assert total_difference(matched.swaps) == 0
    assert describe_swap(matched.swaps[0], "USD") == "T-Shirt (blue, M) → a new one, the same"


def test_the_same_again_of_a_sold_out_option_is_named_back() -> None:
    sold_out = OrderLine(
        3, "P-SHIRT", "1005", "T-Shirt", "clothing", {"color": "black", "size": "M"}, 1, 20.0, False
    )

    matched = same_again([sold_out], PRODUCTS)

    assert matched.swaps == ()
    assert matched.out_of_stock == ("T-Shirt (black, M)",)


def test_an_exchange_offers_the_same_again_first_and_an_item_change_does_not() -> None:
    exchange = option_buttons([SHIRT_LINE], PRODUCTS, "USD", same=True)
    change = option_buttons([SHIRT_LINE], PRODUCTS, "USD")

    assert exchange[0] == {
        "title": "T-Shirt: the same again",
        "payload": '/inform{"item_changes":"1:1001"}',
    }
    assert exchange[1:] == change
    assert all("1:1001" not in b["payload"] for b in change)
