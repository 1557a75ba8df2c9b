"""GET /api/v1/orders/{ref} and POST /api/v1/orders/{ref}/verify over HTTP."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestClient

from commerce.db import Database
from commerce.models import Order

ORDER_KEYS = {
    "order_id", "customer_id", "status", "items_modified", "placed_at", "currency", "subtotal",
    "shipping_cost", "total", "lines", "shipping_address", "payments", "shipment", "returns",
    "refunds",
}  # fmt: skip
TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


async def test_when_order_exists_then_it_comes_back_in_the_contract_shape(
    client: TestClient, auth: dict[str, str], order_of: Callable[[str], Order]
) -> None:
    order = order_of("in_transit")

    response = await client.get(f"/api/v1/orders/{order.id}", headers=auth)
    body = await response.json()

    assert response.status == 200
    assert set(body) == ORDER_KEYS
    assert (body["order_id"], body["customer_id"], body["status"]) == (
        order.id,
        order.customer_id,
        "in_transit",
    )
    assert TIME.match(body["placed_at"])
    assert body["total"] == round(body["subtotal"] + body["shipping_cost"], 2)
    assert body["lines"][0]["line_id"] == 1
    assert body["shipping_address"]["postcode"] == order.ship_postcode
    shipment = body["shipment"]
    assert shipment["status"] == "in_transit"
    assert shipment["delivered_at"] is None
    assert shipment["tracking_url"].startswith("https://")
    stamps = [event["timestamp"] for event in shipment["events"]]
    assert stamps == sorted(stamps) and all(TIME.match(stamp) for stamp in stamps)
    assert re.match(r"^\d{4}-\d{2}-\d{2}$", shipment["estimated_delivery_date"])


async def test_when_money_is_sent_then_it_has_two_decimals_on_the_wire(
    client: TestClient, auth: dict[str, str], order_of: Callable[[str], Order]
) -> None:
    order = order_of("delivered")

    text = await (await client.get(f"/api/v1/orders/{order.id}", headers=auth)).text()

    for key in ("subtotal", "shipping_cost", "total", "unit_price", "amount"):
        for value in re.findall(rf'"{key}": ([0-9.]+)', text):
            assert re.fullmatch(r"\d+\.\d{2}", value), (key, value)


async def test_when_order_has_not_shipped_then_its_shipment_is_null(
    client: TestClient, auth: dict[str, str], order_of: Callable[[str], Order]
) -> None:
    body = await (await client.get(f"/api/v1/orders/{order_of('packed').id}", headers=auth)).json()

    assert body["status"] == "packed"
    assert body["shipment"] is None


async def test_when_order_was_refunded_then_returns_and_refunds_are_included(
    client: TestClient, auth: dict[str, str], order_of: Callable[[str], Order]
) -> None:
    body = await (
        await client.get(f"/api/v1/orders/{order_of('refunded').id}", headers=auth)
    ).json()

    (rma,) = body["returns"]
    (refund,) = body["refunds"]
    assert rma["rma_id"].startswith("RMA-") and rma["line_ids"]
    assert set(rma["line_ids"]) <= {line["line_id"] for line in body["lines"]}
    assert refund["refund_id"].startswith("RF-") and refund["amount"] > 0
    assert body["shipment"]["events"][-1]["status"] == "delivered"


@pytest.mark.parametrize("style", ["exact", "lower", "compact", "hash", "digits", "spaced"])
async def test_when_reference_is_typed_loosely_then_the_same_order_is_returned(
    client: TestClient, auth: dict[str, str], order_of: Callable[[str], Order], style: str
) -> None:
    order_id = order_of("delivered").id
    digits = order_id.split("-")[1]
    typed = {
        "exact": order_id,
        "lower": order_id.lower(),
        "compact": order_id.replace("-", "").lower(),
        "hash": f"#{digits}",
        "digits": digits,
        "spaced": f"AC {digits}",
    }[style]

    response = await client.get(f"/api/v1/orders/{quote(typed, safe='')}", headers=auth)

    assert response.status == 200
    assert (await response.json())["order_id"] == order_id


@pytest.mark.parametrize("reference", ["AC-000001", "999999", "XX-100001", "%23", "AC"])
async def test_when_order_is_unknown_then_the_answer_is_404_order_not_found(
    client: TestClient, auth: dict[str, str], reference: str
) -> None:
    response = await client.get(f"/api/v1/orders/{reference}", headers=auth)

    assert response.status == 404
    assert (await response.json())["error"]["code"] == "order_not_found"


async def test_when_answer_is_the_customer_email_then_verify_returns_the_ids(
    client: TestClient, auth: dict[str, str], order_of: Callable[[str], Order]
) -> None:
    order = order_of("shipped")
    typed_email = f"  {order.customer.email.upper()} "

    response = await client.post(
        f"/api/v1/orders/{order.id.lower()}/verify", json={"answer": typed_email}, headers=auth
    )

    assert response.status == 200
    assert await response.json() == {"order_id": order.id, "customer_id": order.customer_id}


@pytest.mark.parametrize("form", ["plain", "spaced", "zip_plus_four"])
async def test_when_answer_is_the_postcode_then_verify_returns_the_ids(
    client: TestClient, auth: dict[str, str], order_of: Callable[[str], Order], form: str
) -> None:
    order = order_of("delayed")
    zip5 = order.ship_postcode[:5]
    answer = {"plain": zip5, "spaced": f" {zip5[:3]} {zip5[3:]} ", "zip_plus_four": f"{zip5}-4321"}

    response = await client.post(
        f"/api/v1/orders/{order.id}/verify", json={"answer": answer[form]}, headers=auth
    )

    assert response.status == 200
    assert (await response.json())["order_id"] == order.id


async def test_when_a_shipped_gift_is_verified_then_the_billing_postcode_works_too(
    client: TestClient, auth: dict[str, str], store: Database
) -> None:
    from sqlalchemy import select

    gift = store.run_sync(
        lambda s: s.execute(
            select(Order).where(Order.ship_postcode_key != Order.billing_postcode_key).limit(1)
        ).scalar_one()
    )

    for answer in (gift.ship_postcode, gift.billing_postcode):
        response = await client.post(
            f"/api/v1/orders/{gift.id}/verify", json={"answer": answer}, headers=auth
        )
        assert response.status == 200, answer


async def test_when_answer_is_wrong_then_verify_gives_same_404_as_unknown_order(
    client: TestClient, auth: dict[str, str], order_of: Callable[[str], Order]
) -> None:
    order = order_of("delivered")
    other = order_of("lost")

    wrong = await client.post(
        f"/api/v1/orders/{order.id}/verify", json={"answer": other.customer.email}, headers=auth
    )
    unknown = await client.post(
        "/api/v1/orders/AC-000001/verify", json={"answer": order.customer.email}, headers=auth
    )

    assert wrong.status == unknown.status == 404
    assert await wrong.json() == await unknown.json()
    assert (await wrong.json())["error"]["code"] == "verification_failed"


@pytest.mark.parametrize(
    "body",
    [{}, {"answer": ""}, {"answer": "   "}, {"answer": None}, {"answer": 94107}, {"email": "x"}],
)
async def test_when_answer_is_missing_or_empty_then_verify_answers_422(
    client: TestClient, auth: dict[str, str], order_of: Callable[[str], Order], body: dict
) -> None:
    response = await client.post(
        f"/api/v1/orders/{order_of('paid').id}/verify", json=body, headers=auth
    )

    assert response.status == 422
    assert (await response.json())["error"]["code"] == "invalid_request"
