"""What is in an order and what it cost, told from the order as the backend returns it."""

from __future__ import annotations

from datetime import datetime, timezone

from actions.orders import describe_details, lines_asked
from actions.services.commerce import Order, OrderLine, PaymentMethod, Refund, Shipment
from actions.support import money


def _line(line_id: int, name: str, price: float, quantity: int = 1, **options: str) -> OrderLine:
    return OrderLine(
        line_id=line_id,
        product_id=f"P-{line_id}",
        sku=f"SKU-{line_id}",
        product_name=name,
        category="apparel",
        options=options,
        quantity=quantity,
        unit_price=price,
        final_sale=False,
    )


LINES = (
    _line(1, "Hoodie", 39.0, color="blue", size="M"),
    _line(2, "Water Bottle", 12.5, quantity=2, capacity="750ml"),
)
CARD = PaymentMethod("PM-1", "credit_card", "Visa ending 4242")
GIFT = PaymentMethod("PM-2", "gift_card", "Gift card", balance=17.25)


def _order(**extra: object) -> Order:
    fields: dict[str, object] = {"shipment": None, "paid_with": ("PM-1",), **extra}
    return Order(
        order_id="AC-100001",
        customer_id="C-10001",
        status="delivered",
        placed_at=datetime(2026, 11, 10, 9, 0, tzinfo=timezone.utc),
        currency="USD",
        total=64.0,
        lines=LINES,
        shipping_postcode="94107",
        shipping_name="Jane Doe",
        **fields,  # type: ignore[arg-type]
    )


def test_every_line_comes_with_its_options_and_price_and_the_total_after() -> None:
    [(response, values)] = describe_details(_order(), [CARD, GIFT])
    assert response == "utter_order_details"
    assert values["items"] == (
        "• Hoodie (blue, M): $39.00\n• 2 × Water Bottle (750ml): $12.50 each, $25.00"
    )
    assert values["total"] == "$64.00"
    assert values["payment"] == "Visa ending 4242"  # the gift card did not pay for this order


def test_a_question_naming_one_item_gets_that_item_alone_with_the_total() -> None:
    asked = lines_asked("how much was the hoodie?", LINES)
    [(_, values)] = describe_details(_order(), [CARD], asked)
    assert values["items"] == "• Hoodie (blue, M): $39.00"
    assert values["total"] == "$64.00"


def test_a_question_naming_no_item_lists_them_all() -> None:
    asked = lines_asked("what did I order and how much was it", LINES)
    [(_, values)] = describe_details(_order(), [CARD], asked)
    assert values["items"].count("•") == 2


def test_a_gift_card_that_paid_has_its_balance_told() -> None:
    said = dict(describe_details(_order(paid_with=("PM-1", "PM-2")), [CARD, GIFT]))
    assert said["utter_order_details"]["payment"] == "Visa ending 4242 and Gift card"
    assert said["utter_order_details_balance"] == {"payment": "Gift card", "balance": "$17.25"}


def test_refunds_so_far_and_the_parcel_are_told_after_the_figures() -> None:
    refund = Refund("RF-1", 12.5, "original_payment", "processed", None, None)
    parcel = Shipment("UPS", "1Z999AA10123456784", None, "delivered", None, None, None, None)
    said = describe_details(_order(refunds=(refund,), shipment=parcel), [CARD])
    assert [response for response, _ in said] == [
        "utter_order_details",
        "utter_order_details_refunded",
        "utter_order_details_parcel",
    ]
    assert said[1][1] == {"refunded": "$12.50"}
    assert said[2][1] == {"carrier": "UPS", "tracking_number": "1Z999AA10123456784"}


def test_without_the_payment_methods_the_figures_are_still_told() -> None:
    [(_, values)] = describe_details(_order(), [])
    assert values["total"] == "$64.00"
    assert values["payment"] == "the payment method on file"


def test_amounts_carry_the_merchants_currency() -> None:
    assert money(1234.5, "USD") == "$1,234.50"
    assert money(25, "EUR") == "€25.00"
    assert money(7, "GBP") == "£7.00"
