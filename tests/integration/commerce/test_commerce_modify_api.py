"""Changes to an order before it ships: address, payment method, and items (once)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from commerce.db import Database
from commerce.models import Order, Payment
from tests.integration.commerce.conftest import (
    PostChange,
    add_gift_card,
    add_variant,
    balance,
    count,
    line_of,
    variant_of_another_product,
)

ADDRESS = {
    "name": "Dana Reyes",
    "line1": "1600 Pennsylvania Ave NW",
    "line2": "Apt 2",
    "city": "Washington",
    "region": "dc",
    "postcode": "20500-0003",
    "country": "US",
}


# --- address -------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["pending", "paid", "packed"])
async def test_when_order_has_not_shipped_then_the_address_changes(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database, status: str
) -> None:
    order = order_of(status)

    reply = await post_change(order.id, "address", {"address": ADDRESS})

    assert reply.status == 200
    assert reply.body["shipping_address"] == {**ADDRESS, "region": "DC"}
    assert reply.body["status"] == status
    saved = store.run_sync(lambda s: s.get(Order, order.id))
    assert saved.ship_postcode_key == "20500"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("postcode", "2050"),
        ("postcode", "20500-03"),
        ("postcode", "SW1A 1AA"),
        ("postcode", "205000"),
        ("region", "ZZ"),
        ("region", "California"),
        ("country", "CA"),
        ("city", "   "),
        ("line1", None),
        ("name", 42),
    ],
)
async def test_when_the_address_is_not_a_us_address_then_422_invalid_address(
    post_change: PostChange, order_of: Callable[[str], Order], field: str, value: Any
) -> None:
    reply = await post_change(
        order_of("pending").id, "address", {"address": {**ADDRESS, field: value}}
    )

    assert (reply.status, reply.body["error"]["code"]) == (422, "invalid_address")


async def test_when_the_address_is_missing_then_422_invalid_request(
    post_change: PostChange, order_of: Callable[[str], Order]
) -> None:
    reply = await post_change(order_of("pending").id, "address", {"address": "1 Main St"})

    assert (reply.status, reply.body["error"]["code"]) == (422, "invalid_request")


@pytest.mark.parametrize("status", ["shipped", "out_for_delivery", "delivered"])
async def test_when_order_has_shipped_then_the_address_cannot_change(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database, status: str
) -> None:
    order = order_of(status)

    reply = await post_change(order.id, "address", {"address": ADDRESS})

    assert (reply.status, reply.body["error"]["code"]) == (409, "invalid_order_state")
    assert store.run_sync(lambda s: s.get(Order, order.id)).ship_line1 == order.ship_line1


# --- payment method ------------------------------------------------------------------


async def test_when_a_gift_card_covers_the_total_then_it_pays_and_is_debited(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database
) -> None:
    order = order_of("pending")
    card = add_gift_card(store, order.customer_id, order.total_cents + 1000)

    reply = await post_change(order.id, "payment-method", {"payment_method_id": card})

    assert reply.status == 200
    active = [p for p in reply.body["payments"] if p["status"] != "voided"]
    assert [(p["method"]["payment_method_id"], p["amount"]) for p in active] == [
        (card, reply.body["total"])
    ]
    assert balance(store, card) == 1000


async def test_when_a_captured_payment_moves_then_the_old_card_is_refunded_and_books_balance(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database
) -> None:
    order = order_of("pending")
    with store.session() as session, session.begin():
        for payment in session.query(Payment).filter(Payment.order_id == order.id):
            payment.status = "captured"
    card = add_gift_card(store, order.customer_id, order.total_cents)

    reply = await post_change(order.id, "payment-method", {"payment_method_id": card})

    paid = sum(p["amount"] for p in reply.body["payments"] if p["status"] != "voided")
    refunded = sum(r["amount"] for r in reply.body["refunds"])
    assert round(paid - refunded, 2) == reply.body["total"]
    assert {r["status"] for r in reply.body["refunds"]} == {"pending"}
    assert balance(store, card) == 0


async def test_when_the_gift_card_does_not_cover_the_total_then_422_and_nothing_changes(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database
) -> None:
    order = order_of("pending")
    card = add_gift_card(store, order.customer_id, order.total_cents - 1)

    reply = await post_change(order.id, "payment-method", {"payment_method_id": card})

    assert (reply.status, reply.body["error"]["code"]) == (422, "insufficient_gift_card_balance")
    assert balance(store, card) == order.total_cents - 1
    assert count(store, Payment, Payment.order_id == order.id, Payment.status == "voided") == 0


async def test_when_the_method_belongs_to_someone_else_then_422_invalid_payment_method(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database
) -> None:
    order, other = order_of("pending"), order_of("delivered")
    assert other.customer_id != order.customer_id
    card = add_gift_card(store, other.customer_id, 10**7)

    reply = await post_change(order.id, "payment-method", {"payment_method_id": card})

    assert (reply.status, reply.body["error"]["code"]) == (422, "invalid_payment_method")


async def test_when_the_order_already_pays_with_the_method_then_422(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database
) -> None:
    order = order_of("pending")
    current = store.run_sync(
        lambda s: s.query(Payment).filter(Payment.order_id == order.id).first()
    ).payment_method_id

    reply = await post_change(order.id, "payment-method", {"payment_method_id": current})

    assert (reply.status, reply.body["error"]["code"]) == (422, "invalid_payment_method")


@pytest.mark.parametrize("status", ["paid", "packed", "shipped", "delivered"])
async def test_when_order_is_not_pending_then_the_payment_method_cannot_change(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database, status: str
) -> None:
    order = order_of(status)
    card = add_gift_card(store, order.customer_id, 10**7)

    reply = await post_change(order.id, "payment-method", {"payment_method_id": card})

    assert (reply.status, reply.body["error"]["code"]) == (409, "invalid_order_state")


# --- items ---------------------------------------------------------------------------


def _method_of(store: Database, order_id: str) -> str:
    payment = store.run_sync(
        lambda s: s.query(Payment).filter(Payment.order_id == order_id).first()
    )
    return str(payment.payment_method_id)


async def test_when_an_item_changes_to_a_dearer_variant_then_the_difference_is_charged(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database
) -> None:
    order = order_of("pending")
    line = line_of(store, order.id)
    sku = add_variant(store, order.id, 1, price_delta_cents=1250)
    card = add_gift_card(store, order.customer_id, 5000)

    reply = await post_change(
        order.id,
        "items",
        {"changes": [{"line_id": 1, "new_sku": sku}], "payment_method_id": card},
    )

    assert reply.status == 200
    assert reply.body["items_modified"] is True
    changed = reply.body["lines"][0]
    assert (changed["sku"], changed["options"]) == (sku, {"color": "test"})
    assert round(reply.body["total"] * 100) == order.total_cents + 1250 * line.quantity
    charge = [p for p in reply.body["payments"] if p["method"]["payment_method_id"] == card]
    assert [p["amount"] * 100 for p in charge] == [1250 * line.quantity]
    assert balance(store, card) == 5000 - 1250 * line.quantity


async def test_when_an_item_changes_to_a_cheaper_variant_then_the_difference_is_refunded(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database
) -> None:
    order = order_of("pending")
    line = line_of(store, order.id)
    sku = add_variant(store, order.id, 1, price_delta_cents=-500)
    card = add_gift_card(store, order.customer_id, 0)

    reply = await post_change(
        order.id,
        "items",
        {"changes": [{"line_id": 1, "new_sku": sku}], "payment_method_id": card},
    )

    (refund,) = reply.body["refunds"]
    assert (round(refund["amount"] * 100), refund["status"], refund["method"]) == (
        500 * line.quantity,
        "processed",
        "store_credit",
    )
    assert balance(store, card) == 500 * line.quantity
    assert round(reply.body["total"] * 100) == order.total_cents - 500 * line.quantity


async def test_when_a_cheaper_item_is_paid_by_an_authorised_card_then_the_hold_shrinks(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database
) -> None:
    order = order_of("pending")
    line = line_of(store, order.id)
    sku = add_variant(store, order.id, 1, price_delta_cents=-500)
    method = _method_of(store, order.id)

    reply = await post_change(
        order.id,
        "items",
        {"changes": [{"line_id": 1, "new_sku": sku}], "payment_method_id": method},
    )

    assert reply.body["refunds"] == []
    held = sum(p["amount"] for p in reply.body["payments"] if p["status"] == "authorized")
    assert round(held, 2) == reply.body["total"]
    assert round(reply.body["total"] * 100) == order.total_cents - 500 * line.quantity


async def test_when_items_were_changed_once_then_a_second_change_is_409(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database
) -> None:
    order = order_of("pending")
    first, second = (add_variant(store, order.id, 1, price_delta_cents=0) for _ in range(2))
    method = _method_of(store, order.id)

    done = await post_change(
        order.id,
        "items",
        {"changes": [{"line_id": 1, "new_sku": first}], "payment_method_id": method},
    )
    again = await post_change(
        order.id,
        "items",
        {"changes": [{"line_id": 1, "new_sku": second}], "payment_method_id": method},
    )

    assert done.status == 200
    assert (again.status, again.body["error"]["code"]) == (409, "invalid_order_state")
    assert "already changed" in again.body["error"]["message"]


async def test_when_the_new_sku_is_of_another_product_then_422_invalid_item_change(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database
) -> None:
    order = order_of("pending")

    reply = await post_change(
        order.id,
        "items",
        {
            "changes": [{"line_id": 1, "new_sku": variant_of_another_product(store, order.id)}],
            "payment_method_id": _method_of(store, order.id),
        },
    )

    assert (reply.status, reply.body["error"]["code"]) == (422, "invalid_item_change")
    assert "same product" in reply.body["error"]["message"]


@pytest.mark.parametrize("new_sku", ["current", "NO-SUCH-SKU"])
async def test_when_the_new_sku_is_the_current_one_or_unknown_then_422(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database, new_sku: str
) -> None:
    order = order_of("pending")
    sku = line_of(store, order.id).sku if new_sku == "current" else new_sku

    reply = await post_change(
        order.id,
        "items",
        {
            "changes": [{"line_id": 1, "new_sku": sku}],
            "payment_method_id": _method_of(store, order.id),
        },
    )

    assert (reply.status, reply.body["error"]["code"]) == (422, "invalid_item_change")


async def test_when_the_new_variant_is_out_of_stock_then_409_out_of_stock(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database
) -> None:
    order = order_of("pending")
    sku = add_variant(store, order.id, 1, price_delta_cents=0, stock=0)

    reply = await post_change(
        order.id,
        "items",
        {
            "changes": [{"line_id": 1, "new_sku": sku}],
            "payment_method_id": _method_of(store, order.id),
        },
    )

    assert (reply.status, reply.body["error"]["code"]) == (409, "out_of_stock")


async def test_when_a_dearer_change_is_not_covered_by_the_gift_card_then_422_and_no_change(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database
) -> None:
    order = order_of("pending")
    sku = add_variant(store, order.id, 1, price_delta_cents=10_000)
    card = add_gift_card(store, order.customer_id, 100)

    reply = await post_change(
        order.id, "items", {"changes": [{"line_id": 1, "new_sku": sku}], "payment_method_id": card}
    )

    assert (reply.status, reply.body["error"]["code"]) == (422, "insufficient_gift_card_balance")
    assert line_of(store, order.id).sku == order.lines[0].sku
    assert store.run_sync(lambda s: s.get(Order, order.id)).items_modified is False


@pytest.mark.parametrize(
    "changes",
    [
        [],
        [{"line_id": 99, "new_sku": "X"}],
        [{"line_id": 1, "new_sku": "A"}, {"line_id": 1, "new_sku": "B"}],
        [{"line_id": "1", "new_sku": "A"}],
    ],
)
async def test_when_the_changes_are_malformed_or_name_no_line_then_422(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database, changes: list
) -> None:
    order = order_of("pending")

    reply = await post_change(
        order.id, "items", {"changes": changes, "payment_method_id": _method_of(store, order.id)}
    )

    assert reply.status == 422
    assert reply.body["error"]["code"] in {"invalid_request", "unknown_line"}


@pytest.mark.parametrize("status", ["paid", "shipped", "delivered", "cancelled"])
async def test_when_order_is_not_pending_then_items_cannot_change(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database, status: str
) -> None:
    order = order_of(status)
    sku = add_variant(store, order.id, 1, price_delta_cents=0)

    reply = await post_change(
        order.id,
        "items",
        {
            "changes": [{"line_id": 1, "new_sku": sku}],
            "payment_method_id": _method_of(store, order.id),
        },
    )

    assert (reply.status, reply.body["error"]["code"]) == (409, "invalid_order_state")
    assert line_of(store, order.id).sku == order.lines[0].sku
