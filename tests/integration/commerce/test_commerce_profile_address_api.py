"""Changing the default address on a customer's account over HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from aiohttp.test_utils import TestClient

from commerce.models import Order
from tests.integration.commerce.conftest import AUTH

NEW = {
    "line1": "742 Evergreen Terrace",
    "line2": "Apt 2",
    "city": "Springfield",
    "region": "OR",
    "postcode": "97477",
    "country": "US",
}


async def _post(
    client: TestClient, customer_id: str, body: dict[str, Any], key: str | None = None
) -> tuple[int, dict[str, Any], bool]:
    headers = {**AUTH, "Idempotency-Key": key or uuid.uuid4().hex}
    response = await client.post(
        f"/api/v1/customers/{customer_id}/address", json=body, headers=headers
    )
    replayed = response.headers.get("Idempotent-Replayed") == "true"
    return response.status, dict(await response.json()), replayed


async def test_the_new_default_address_is_stored_and_answered_and_orders_keep_theirs(
    client: TestClient, order_of: Callable[[str], Order]
) -> None:
    order = order_of("pending")
    customer = order.customer
    before = await (await client.get(f"/api/v1/orders/{order.id}", headers=AUTH)).json()

    status, body, replayed = await _post(client, customer.id, {"address": NEW})

    assert (status, replayed) == (200, False)
    assert body["customer_id"] == customer.id
    assert body["address"] == {**NEW, "name": body["name"]}
    assert body["name"] == f"{customer.first_name} {customer.last_name}"
    assert body["postcode"] == "97477"
    after = await (await client.get(f"/api/v1/orders/{order.id}", headers=AUTH)).json()
    assert after["shipping_address"] == before["shipping_address"]


async def test_the_customer_is_found_by_the_new_postcode_afterwards(
    client: TestClient, order_of: Callable[[str], Order]
) -> None:
    customer = order_of("delivered").customer

    await _post(client, customer.id, {"address": NEW})
    found = await client.get(
        "/api/v1/customers",
        params={"name": f"{customer.first_name} {customer.last_name}", "postcode": "97477"},
        headers=AUTH,
    )

    assert found.status == 200
    assert (await found.json())["customer_id"] == customer.id


async def test_a_retry_with_the_same_key_replays_the_first_answer(
    client: TestClient, order_of: Callable[[str], Order]
) -> None:
    customer = order_of("delivered").customer
    key = uuid.uuid4().hex

    first = await _post(client, customer.id, {"address": NEW}, key)
    again = await _post(client, customer.id, {"address": NEW}, key)
    other = await _post(client, customer.id, {"address": {**NEW, "line1": "1 Main St"}}, key)

    assert (first[0], first[2]) == (200, False)
    assert (again[0], again[1], again[2]) == (200, first[1], True)
    assert (other[0], other[1]["error"]["code"]) == (409, "idempotency_key_reused")


async def test_an_address_without_a_zip_is_422_invalid_address_and_nothing_changes(
    client: TestClient, order_of: Callable[[str], Order]
) -> None:
    customer = order_of("delivered").customer

    status, body, _ = await _post(client, customer.id, {"address": {**NEW, "postcode": "9747"}})
    found = await client.get(
        "/api/v1/customers",
        params={"name": f"{customer.first_name} {customer.last_name}", "postcode": "97477"},
        headers=AUTH,
    )

    assert (status, body["error"]["code"]) == (422, "invalid_address")
    assert found.status == 404


async def test_an_unknown_customer_is_404(client: TestClient) -> None:
    status, body, _ = await _post(client, "C-00000", {"address": NEW})

    assert (status, body["error"]["code"]) == (404, "customer_not_found")


async def test_without_an_idempotency_key_the_change_is_422(
    client: TestClient, order_of: Callable[[str], Order]
) -> None:
    customer = order_of("delivered").customer
    response = await client.post(
        f"/api/v1/customers/{customer.id}/address", json={"address": NEW}, headers=AUTH
    )

    assert response.status == 422
    assert (await response.json())["error"]["code"] == "idempotency_key_required"
