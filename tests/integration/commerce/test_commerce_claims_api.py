"""Claims on parcels, and the customer's claims, refunds and payment methods."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from commerce.db import Database
from commerce.models import Claim, Order, Payment, Refund
from tests.integration.commerce.conftest import (
    NOW,
    PostChange,
    add_gift_card,
    balance,
    count,
    line_of,
)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        ("delivered", "damaged"),
        ("delivered", "wrong_item"),
        ("delivered", "missing"),
        ("lost", "not_received"),
        ("delayed", "not_received"),
        ("shipped", "not_received"),
    ],
)
async def test_when_a_shipped_order_has_a_problem_then_a_reship_claim_is_recorded(
    post_change: PostChange,
    order_of: Callable[[str], Order],
    store: Database,
    status: str,
    kind: str,
) -> None:
    order = order_of(status)
    line = line_of(store, order.id)

    reply = await post_change(
        order.id, "claims", {"kind": kind, "line_ids": [1], "remedy": "reship"}
    )

    assert reply.status == 201
    assert reply.body["claim_id"].startswith("CL-")
    assert (reply.body["kind"], reply.body["remedy"], reply.body["status"]) == (
        kind,
        "reship",
        "open",
    )
    assert round(reply.body["amount"] * 100) == line.unit_price_cents * line.quantity
    assert count(store, Refund, Refund.order_id == order.id, Refund.claim_id.is_not(None)) == 0


async def test_when_the_remedy_is_a_refund_then_the_lines_value_is_refunded_to_the_payment(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database
) -> None:
    order = order_of("delivered")
    line = line_of(store, order.id)

    reply = await post_change(
        order.id,
        "claims",
        {"kind": "damaged", "line_ids": [1], "remedy": "refund", "description": "cracked"},
    )

    assert (reply.status, reply.body["status"]) == (201, "resolved")
    refunds = store.run_sync(
        lambda s: list(
            s.execute(select(Refund).where(Refund.claim_id == reply.body["claim_id"])).scalars()
        )
    )
    assert sum(r.amount_cents for r in refunds) == line.unit_price_cents * line.quantity
    assert {r.method for r in refunds} == {"original_payment"}
    assert all(r.payment_id is not None for r in refunds)


async def test_when_a_gift_card_paid_order_is_refunded_by_a_claim_then_the_card_is_credited(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database
) -> None:
    order = order_of("delivered")
    card = add_gift_card(store, order.customer_id, 150)
    with store.session() as session, session.begin():
        for payment in session.execute(
            select(Payment).where(Payment.order_id == order.id)
        ).scalars():
            payment.payment_method_id = card
    line = line_of(store, order.id)

    reply = await post_change(
        order.id, "claims", {"kind": "missing", "line_ids": [1], "remedy": "refund"}
    )

    assert reply.status == 201
    assert balance(store, card) == 150 + line.unit_price_cents * line.quantity


@pytest.mark.parametrize("status", ["pending", "paid", "packed", "cancelled"])
async def test_when_the_order_has_not_shipped_then_a_claim_is_409(
    post_change: PostChange, order_of: Callable[[str], Order], status: str
) -> None:
    reply = await post_change(
        order_of(status).id, "claims", {"kind": "damaged", "line_ids": [1], "remedy": "refund"}
    )

    assert (reply.status, reply.body["error"]["code"]) == (409, "invalid_order_state")


async def test_when_a_line_was_already_claimed_then_409_already_claimed(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database
) -> None:
    order = order_of("delivered")
    body = {"kind": "damaged", "line_ids": [1], "remedy": "refund"}

    first = await post_change(order.id, "claims", body)
    second = await post_change(order.id, "claims", {**body, "remedy": "reship"})

    assert first.status == 201
    assert (second.status, second.body["error"]["code"]) == (409, "already_claimed")
    assert count(store, Claim, Claim.order_id == order.id) == 1


async def test_when_a_line_was_refunded_by_a_claim_then_it_cannot_be_returned(
    post_change: PostChange, order_of: Callable[[str], Order]
) -> None:
    order = order_of("delivered")
    await post_change(order.id, "claims", {"kind": "damaged", "line_ids": [1], "remedy": "refund"})

    reply = await post_change(
        order.id, "returns", {"line_ids": [1], "reason": "broken", "resolution": "refund"}
    )

    assert (reply.status, reply.body["error"]["code"]) == (409, "already_returned")


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "stolen", "line_ids": [1], "remedy": "refund"},
        {"kind": "damaged", "line_ids": [1], "remedy": "apology"},
        {"kind": "damaged", "line_ids": "1", "remedy": "refund"},
        {"kind": "damaged", "line_ids": [1], "remedy": "refund", "description": 7},
    ],
)
async def test_when_the_claim_body_is_malformed_then_422(
    post_change: PostChange, order_of: Callable[[str], Order], body: dict
) -> None:
    reply = await post_change(order_of("delivered").id, "claims", body)

    assert (reply.status, reply.body["error"]["code"]) == (422, "invalid_request")


async def test_when_a_claim_field_breaks_its_rule_then_the_answer_names_it_and_nothing_is_filed(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database
) -> None:
    order = order_of("delivered")
    body = {"kind": "damaged", "line_ids": [1], "remedy": "refund", "description": "x" * 2001}
    claims = count(store, Claim)

    reply = await post_change(order.id, "claims", body)

    assert (reply.status, reply.body["error"]["code"]) == (422, "invalid_request")
    assert reply.body["error"]["message"] == "description must be at most 2000 characters."
    assert count(store, Claim) == claims


# --- the customer's claims, refunds and payment methods -------------------------------


async def test_when_claims_are_listed_then_only_recent_ones_come_newest_first(
    client: TestClient,
    auth: dict[str, str],
    post_change: PostChange,
    order_of: Callable[[str], Order],
    store: Database,
) -> None:
    order = order_of("delivered")
    reply = await post_change(
        order.id, "claims", {"kind": "damaged", "line_ids": [1], "remedy": "reship"}
    )
    with store.session() as session, session.begin():
        session.add(
            Claim(
                id="CL-OLD",
                order_id=order.id,
                customer_id=order.customer_id,
                kind="missing",
                remedy="reship",
                status="open",
                amount_cents=100,
                created_at=NOW - dt.timedelta(days=120),
            )
        )
    path = f"/api/v1/customers/{order.customer_id}/claims"

    recent = await (await client.get(path, headers=auth)).json()
    year = await (await client.get(f"{path}?days=365", headers=auth)).json()

    assert [c["claim_id"] for c in recent["claims"]] == [reply.body["claim_id"]]
    assert [c["claim_id"] for c in year["claims"]] == [reply.body["claim_id"], "CL-OLD"]
    assert recent["claims"][0]["order_id"] == order.id


@pytest.mark.parametrize("days", ["0", "3651", "abc", "-1"])
async def test_when_days_is_out_of_range_then_422(
    client: TestClient, auth: dict[str, str], order_of: Callable[[str], Order], days: str
) -> None:
    customer = order_of("delivered").customer_id

    response = await client.get(f"/api/v1/customers/{customer}/claims?days={days}", headers=auth)

    assert response.status == 422


async def test_when_refunds_are_listed_then_every_order_of_the_customer_is_covered(
    client: TestClient,
    auth: dict[str, str],
    post_change: PostChange,
    order_of: Callable[[str], Order],
) -> None:
    order = order_of("paid")
    await post_change(order.id, "cancel", {"reason": "other"})

    body = await (
        await client.get(f"/api/v1/customers/{order.customer_id}/refunds", headers=auth)
    ).json()

    newest = body["refunds"][0]
    assert (newest["order_id"], newest["status"], newest["created_at"]) == (
        order.id,
        "pending",
        NOW.isoformat() + "Z",
    )
    stamps = [refund["created_at"] for refund in body["refunds"]]
    assert stamps == sorted(stamps, reverse=True)


async def test_when_payment_methods_are_listed_then_gift_cards_show_their_balance(
    client: TestClient, auth: dict[str, str], order_of: Callable[[str], Order], store: Database
) -> None:
    customer = order_of("delivered").customer_id
    card = add_gift_card(store, customer, 2550)

    body = await (
        await client.get(f"/api/v1/customers/{customer}/payment-methods", headers=auth)
    ).json()

    methods = {m["payment_method_id"]: m for m in body["payment_methods"]}
    assert methods[card] == {
        "payment_method_id": card,
        "type": "gift_card",
        "label": f"Gift card ending {card[-4:]}",
        "balance": 25.5,
    }
    assert all("balance" not in m for m in methods.values() if m["type"] != "gift_card")


@pytest.mark.parametrize("what", ["claims", "refunds", "payment-methods"])
async def test_when_the_customer_is_unknown_then_404(
    client: TestClient, auth: dict[str, str], what: str
) -> None:
    response = await client.get(f"/api/v1/customers/C-00000/{what}", headers=auth)

    assert response.status == 404
    assert (await response.json())["error"]["code"] == "customer_not_found"
