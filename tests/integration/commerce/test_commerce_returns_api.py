"""POST /api/v1/orders/{ref}/returns: refunds, store credit and exchanges of delivered lines."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from commerce.db import Database
from commerce.models import Order, OrderLine, PaymentMethod, ProductVariant, Refund, ReturnRequest
from tests.integration.commerce.conftest import (
    NOW,
    GetOrder,
    PostChange,
    add_gift_card,
    add_variant,
    balance,
    count,
    line_of,
    variant_of_another_product,
)


def _value(line: OrderLine) -> float:
    return round(line.unit_price_cents * line.quantity / 100, 2)


async def test_when_a_delivered_line_is_returned_for_a_refund_then_an_rma_tells_what_to_do(
    post_change: PostChange,
    order_of: Callable[[str], Order],
    store: Database,
    get_order: GetOrder,
) -> None:
    order = order_of("delivered")
    line = line_of(store, order.id)

    reply = await post_change(
        order.id, "returns", {"line_ids": [1], "reason": "too small", "resolution": "refund"}
    )

    assert reply.status == 201
    body = reply.body
    assert body["rma_id"].startswith("RMA-")
    assert (body["status"], body["resolution"], body["line_ids"]) == ("requested", "refund", [1])
    assert body["order_status"] == "return_requested"
    assert body["refund_amount"] == _value(line)
    assert body["created_at"] == NOW.isoformat() + "Z"
    instructions = body["instructions"]
    assert "label" in instructions and "e-mail" in instructions
    assert "within 14 days" in instructions and body["rma_id"] in instructions
    assert f"${body['refund_amount']:,.2f}" in instructions
    assert body["refund_to"]["type"] in {"credit_card", "paypal", "gift_card"}

    order_now = await get_order(order.id)
    assert order_now["status"] == "return_requested"
    assert [rma["rma_id"] for rma in order_now["returns"]] == [body["rma_id"]]
    assert order_now["refunds"] == []  # the money moves when the parcel arrives


async def test_when_the_refund_goes_to_an_existing_gift_card_then_the_rma_says_so(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database
) -> None:
    order = order_of("delivered")
    card = add_gift_card(store, order.customer_id, 700)

    reply = await post_change(
        order.id,
        "returns",
        {
            "line_ids": [1],
            "reason": "changed mind",
            "resolution": "refund",
            "payment_method_id": card,
        },
    )

    assert reply.status == 201
    assert reply.body["refund_to"]["payment_method_id"] == card
    assert "available at once" in reply.body["instructions"]
    assert balance(store, card) == 700  # credited when the parcel arrives, not before


async def test_when_the_refund_method_is_neither_original_nor_a_gift_card_then_422(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database
) -> None:
    order = order_of("delivered")
    with store.session() as session, session.begin():
        session.add(
            PaymentMethod(
                id="PM-PAYPAL-X",
                customer_id=order.customer_id,
                type="paypal",
                paypal_email="x@example.com",
                is_default=False,
            )
        )

    reply = await post_change(
        order.id,
        "returns",
        {
            "line_ids": [1],
            "reason": "x",
            "resolution": "refund",
            "payment_method_id": "PM-PAYPAL-X",
        },
    )

    assert (reply.status, reply.body["error"]["code"]) == (422, "invalid_payment_method")


async def test_when_store_credit_is_chosen_and_there_is_no_gift_card_then_one_is_opened(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database
) -> None:
    order = order_of("delivered")
    with store.session() as session, session.begin():
        session.query(PaymentMethod).filter(
            PaymentMethod.customer_id == order.customer_id, PaymentMethod.type == "gift_card"
        ).update({"type": "paypal", "gift_card_balance_cents": None})

    reply = await post_change(
        order.id, "returns", {"line_ids": [1], "reason": "x", "resolution": "store_credit"}
    )

    card = reply.body["refund_to"]
    assert reply.status == 201 and card["type"] == "gift_card"
    assert "as store credit" in reply.body["instructions"]
    assert balance(store, card["payment_method_id"]) == 0


async def test_when_an_exchange_costs_more_then_the_difference_is_charged_now(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database
) -> None:
    order = order_of("delivered")
    line = line_of(store, order.id)
    sku = add_variant(store, order.id, 1, price_delta_cents=300, stock=3)
    card = add_gift_card(store, order.customer_id, 10_000)

    reply = await post_change(
        order.id,
        "returns",
        {
            "line_ids": [1],
            "reason": "wrong colour",
            "resolution": "exchange",
            "exchanges": [{"line_id": 1, "new_sku": sku}],
            "payment_method_id": card,
        },
    )

    assert reply.status == 201
    body = reply.body
    assert (body["resolution"], body["order_status"]) == ("exchange", "exchange_requested")
    assert body["exchanges"] == [{"line_id": 1, "new_sku": sku}]
    assert (body["refund_amount"], body["refund_to"]) == (0, None)
    assert "replacement" in body["instructions"] and "charged" in body["instructions"]
    assert balance(store, card) == 10_000 - 300 * line.quantity
    assert store.run_sync(lambda s: s.get(ProductVariant, sku)).stock == 3 - line.quantity


async def test_when_an_exchange_costs_less_then_the_difference_is_refunded_on_arrival(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database
) -> None:
    order = order_of("delivered")
    line = line_of(store, order.id)
    sku = add_variant(store, order.id, 1, price_delta_cents=-200)
    card = add_gift_card(store, order.customer_id, 0)

    reply = await post_change(
        order.id,
        "returns",
        {
            "line_ids": [1],
            "reason": "size",
            "resolution": "exchange",
            "exchanges": [{"line_id": 1, "new_sku": sku}],
            "payment_method_id": card,
        },
    )

    assert round(reply.body["refund_amount"] * 100) == 200 * line.quantity
    assert reply.body["refund_to"]["payment_method_id"] == card


async def test_when_an_exchange_changes_the_price_without_a_payment_method_then_422(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database
) -> None:
    order = order_of("delivered")
    sku = add_variant(store, order.id, 1, price_delta_cents=100)

    reply = await post_change(
        order.id,
        "returns",
        {
            "line_ids": [1],
            "reason": "size",
            "resolution": "exchange",
            "exchanges": [{"line_id": 1, "new_sku": sku}],
        },
    )

    assert (reply.status, reply.body["error"]["code"]) == (422, "invalid_payment_method")
    assert count(store, ReturnRequest, ReturnRequest.order_id == order.id) == 0


async def test_when_an_exchange_is_for_another_product_then_422_invalid_item_change(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database
) -> None:
    order = order_of("delivered")

    reply = await post_change(
        order.id,
        "returns",
        {
            "line_ids": [1],
            "reason": "size",
            "resolution": "exchange",
            "exchanges": [{"line_id": 1, "new_sku": variant_of_another_product(store, order.id)}],
        },
    )

    assert (reply.status, reply.body["error"]["code"]) == (422, "invalid_item_change")


@pytest.mark.parametrize(
    "status", ["pending", "paid", "shipped", "in_transit", "lost", "cancelled"]
)
async def test_when_order_was_not_delivered_then_return_is_409(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database, status: str
) -> None:
    order = order_of(status)

    reply = await post_change(
        order.id, "returns", {"line_ids": [1], "reason": "x", "resolution": "refund"}
    )

    assert (reply.status, reply.body["error"]["code"]) == (409, "invalid_order_state")
    assert status in reply.body["error"]["message"]
    assert count(store, ReturnRequest, ReturnRequest.order_id == order.id) == 0


@pytest.mark.parametrize("status", ["return_requested", "exchange_requested", "refunded"])
async def test_when_a_line_is_already_in_a_return_then_409_already_returned(
    post_change: PostChange, order_of: Callable[[str], Order], get_order: GetOrder, status: str
) -> None:
    order = order_of(status)
    client_order = await get_order(order.id)
    returned = client_order["returns"][0]["line_ids"]

    reply = await post_change(
        order.id, "returns", {"line_ids": returned, "reason": "x", "resolution": "refund"}
    )

    assert (reply.status, reply.body["error"]["code"]) == (409, "already_returned")
    assert client_order["returns"][0]["rma_id"] in reply.body["error"]["message"]


async def test_when_a_line_was_returned_a_moment_ago_then_a_second_return_is_409(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database
) -> None:
    order = order_of("delivered")
    body = {"line_ids": [1], "reason": "x", "resolution": "refund"}

    first = await post_change(order.id, "returns", body)
    second = await post_change(order.id, "returns", body)

    assert first.status == 201
    assert (second.status, second.body["error"]["code"]) == (409, "already_returned")
    assert count(store, ReturnRequest, ReturnRequest.order_id == order.id) == 1
    assert count(store, Refund, Refund.order_id == order.id) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"line_ids": [], "reason": "x", "resolution": "refund"},
        {"line_ids": [1, 1], "reason": "x", "resolution": "refund"},
        {"line_ids": [True], "reason": "x", "resolution": "refund"},
        {"line_ids": [1], "reason": "", "resolution": "refund"},
        {"line_ids": [1], "reason": "x", "resolution": "repair"},
        {"line_ids": [1], "reason": "x", "resolution": "exchange"},
        {"line_ids": [1], "reason": "x", "resolution": "refund", "exchanges": [{"line_id": 1}]},
    ],
)
async def test_when_the_return_body_is_malformed_then_422_invalid_request(
    post_change: PostChange, order_of: Callable[[str], Order], body: dict
) -> None:
    reply = await post_change(order_of("delivered").id, "returns", body)

    assert (reply.status, reply.body["error"]["code"]) == (422, "invalid_request")


async def test_when_a_line_id_is_not_in_the_order_then_422_unknown_line(
    post_change: PostChange, order_of: Callable[[str], Order]
) -> None:
    reply = await post_change(
        order_of("delivered").id,
        "returns",
        {"line_ids": [42], "reason": "x", "resolution": "refund"},
    )

    assert (reply.status, reply.body["error"]["code"]) == (422, "unknown_line")


async def test_an_exchange_for_the_same_option_sends_a_new_one_and_costs_nothing(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database
) -> None:
    order = order_of("delivered")
    line = line_of(store, order.id)

    def restock(session: Any) -> int:
        variant = session.get(ProductVariant, line.sku)
        variant.stock = 5
        session.commit()
        return int(variant.stock)

    store.run_sync(restock)

    reply = await post_change(
        order.id,
        "returns",
        {
            "line_ids": [1],
            "reason": "damaged",
            "resolution": "exchange",
            "exchanges": [{"line_id": 1, "new_sku": line.sku}],
        },
    )

    assert reply.status == 201
    assert reply.body["exchanges"] == [{"line_id": 1, "new_sku": line.sku}]
    assert (reply.body["refund_amount"], reply.body["order_status"]) == (0, "exchange_requested")
    assert store.run_sync(lambda s: s.get(ProductVariant, line.sku)).stock == 5 - line.quantity
