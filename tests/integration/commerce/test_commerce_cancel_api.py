"""POST /api/v1/orders/{ref}/cancel: only before shipping, and every payment given back."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from commerce.db import Database
from commerce.models import Order, Payment, ProductVariant
from tests.integration.commerce.conftest import NOW, PostChange, add_gift_card, balance


@pytest.mark.parametrize("status", ["pending", "paid", "packed"])
async def test_when_order_has_not_shipped_then_it_is_cancelled_with_the_reason(
    post_change: PostChange, order_of: Callable[[str], Order], status: str
) -> None:
    order = order_of(status)

    reply = await post_change(order.id, "cancel", {"reason": "no_longer_needed"})

    assert reply.status == 200
    assert reply.body["order_id"] == order.id
    assert reply.body["status"] == "cancelled"


async def test_when_a_captured_card_payment_is_cancelled_then_a_pending_refund_follows(
    post_change: PostChange, order_of: Callable[[str], Order]
) -> None:
    order = order_of("paid")

    reply = await post_change(order.id, "cancel", {"reason": "ordered_by_mistake"})

    (refund,) = reply.body["refunds"]
    assert refund["amount"] == reply.body["total"]
    assert (refund["method"], refund["status"], refund["processed_at"]) == (
        "original_payment",
        "pending",
        None,
    )
    assert refund["created_at"] == NOW.isoformat() + "Z"
    assert {p["status"] for p in reply.body["payments"]} == {"refunded"}


async def test_when_an_authorised_payment_is_cancelled_then_it_is_voided_without_a_refund(
    post_change: PostChange, order_of: Callable[[str], Order]
) -> None:
    order = order_of("pending")

    reply = await post_change(order.id, "cancel", {"reason": "other"})

    assert reply.body["refunds"] == []
    assert {p["status"] for p in reply.body["payments"]} == {"voided"}


async def test_when_a_gift_card_paid_order_is_cancelled_then_the_card_is_credited_at_once(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database
) -> None:
    order = order_of("paid")
    card = add_gift_card(store, order.customer_id, 0)
    with store.session() as session, session.begin():
        for payment in session.execute(
            select(Payment).where(Payment.order_id == order.id)
        ).scalars():
            payment.payment_method_id = card

    reply = await post_change(order.id, "cancel", {"reason": "no_longer_needed"})

    assert [r["status"] for r in reply.body["refunds"]] == ["processed"]
    assert reply.body["refunds"][0]["processed_at"] == NOW.isoformat() + "Z"
    assert balance(store, card) == order.total_cents


async def test_when_an_order_is_cancelled_then_its_items_go_back_to_stock(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database
) -> None:
    order = order_of("packed")
    line = order.lines[0]
    before = store.run_sync(lambda s: s.get(ProductVariant, line.sku)).stock

    await post_change(order.id, "cancel", {"reason": "other"})

    assert store.run_sync(lambda s: s.get(ProductVariant, line.sku)).stock == before + line.quantity


@pytest.mark.parametrize(
    "status", ["shipped", "in_transit", "delivered", "cancelled", "return_requested"]
)
async def test_when_order_has_shipped_or_is_closed_then_cancel_is_409_with_the_status(
    post_change: PostChange, order_of: Callable[[str], Order], status: str
) -> None:
    order = order_of(status)

    reply = await post_change(order.id, "cancel", {"reason": "no_longer_needed"})

    assert reply.status == 409
    assert reply.body["error"]["code"] == "invalid_order_state"
    assert status in reply.body["error"]["message"]


@pytest.mark.parametrize("body", [{}, {"reason": "changed my mind"}, {"reason": None}])
async def test_when_the_reason_is_not_one_of_the_three_then_422(
    post_change: PostChange, order_of: Callable[[str], Order], body: dict
) -> None:
    reply = await post_change(order_of("pending").id, "cancel", body)

    assert (reply.status, reply.body["error"]["code"]) == (422, "invalid_request")


async def test_when_the_order_is_unknown_then_404(post_change: PostChange) -> None:
    reply = await post_change("AC-000001", "cancel", {"reason": "other"})

    assert (reply.status, reply.body["error"]["code"]) == (404, "order_not_found")
