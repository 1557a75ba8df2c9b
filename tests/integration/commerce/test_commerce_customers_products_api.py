"""Customers, a customer's recent orders, and products over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from commerce.db import Database
from commerce.models import Customer, Order

CUSTOMER_KEYS = {"customer_id", "name", "email", "phone", "postcode"}
SUMMARY_KEYS = {
    "order_id", "status", "placed_at", "total", "currency", "item_count", "first_item_name"
}  # fmt: skip


def _busiest_customer(store: Database) -> tuple[str, int]:
    query = (
        select(Order.customer_id, func.count())
        .group_by(Order.customer_id)
        .order_by(func.count().desc(), Order.customer_id)
        .limit(1)
    )
    customer_id, count = store.run_sync(lambda s: s.execute(query).one())
    return str(customer_id), int(count)


async def test_when_customer_exists_then_it_is_returned_by_id(
    client: TestClient, auth: dict[str, str], order_of: Callable[[str], Order]
) -> None:
    customer = order_of("delivered").customer

    response = await client.get(f"/api/v1/customers/{customer.id}", headers=auth)
    body = await response.json()

    assert response.status == 200
    assert set(body) == CUSTOMER_KEYS
    assert body == {
        "customer_id": customer.id,
        "name": f"{customer.first_name} {customer.last_name}",
        "email": customer.email,
        "phone": customer.phone,
        "postcode": customer.postcode,
    }


async def test_when_email_is_typed_differently_then_the_customer_is_still_found(
    client: TestClient, auth: dict[str, str], order_of: Callable[[str], Order]
) -> None:
    customer = order_of("paid").customer
    typed = quote(f" {customer.email.upper()} ")

    response = await client.get(f"/api/v1/customers?email={typed}", headers=auth)

    assert response.status == 200
    assert (await response.json())["customer_id"] == customer.id


@pytest.mark.parametrize("path", ["/api/v1/customers/C-99999", "/api/v1/customers/nobody"])
async def test_when_customer_id_is_unknown_then_404_customer_not_found(
    client: TestClient, auth: dict[str, str], path: str
) -> None:
    response = await client.get(path, headers=auth)

    assert response.status == 404
    assert (await response.json())["error"]["code"] == "customer_not_found"


async def test_when_email_is_unknown_then_404_customer_not_found(
    client: TestClient, auth: dict[str, str]
) -> None:
    response = await client.get("/api/v1/customers?email=nobody@example.com", headers=auth)

    assert response.status == 404
    assert (await response.json())["error"]["code"] == "customer_not_found"


@pytest.mark.parametrize("query", ["", "?email=", "?email=%20%20", "?mail=a@example.com"])
async def test_when_email_is_missing_then_422(
    client: TestClient, auth: dict[str, str], query: str
) -> None:
    response = await client.get(f"/api/v1/customers{query}", headers=auth)

    assert response.status == 422
    assert (await response.json())["error"]["code"] == "invalid_request"


async def test_when_listing_orders_then_newest_come_first_with_five_by_default(
    client: TestClient, auth: dict[str, str], store: Database
) -> None:
    customer_id, count = _busiest_customer(store)

    body = await (await client.get(f"/api/v1/customers/{customer_id}/orders", headers=auth)).json()

    orders = body["orders"]
    assert len(orders) == min(5, count) and count > 5
    assert all(set(order) == SUMMARY_KEYS for order in orders)
    placed = [order["placed_at"] for order in orders]
    assert placed == sorted(placed, reverse=True)
    assert all(order["item_count"] >= 1 and order["first_item_name"] for order in orders)


@pytest.mark.parametrize("limit", [1, 2, 50])
async def test_when_limit_is_given_then_at_most_that_many_orders_come_back(
    client: TestClient, auth: dict[str, str], store: Database, limit: int
) -> None:
    customer_id, count = _busiest_customer(store)

    response = await client.get(
        f"/api/v1/customers/{customer_id}/orders?limit={limit}", headers=auth
    )

    assert response.status == 200
    assert len((await response.json())["orders"]) == min(limit, count)


@pytest.mark.parametrize("limit", ["0", "51", "-1", "abc", "2.5", ""])
async def test_when_limit_is_out_of_range_or_not_a_number_then_422(
    client: TestClient, auth: dict[str, str], store: Database, limit: str
) -> None:
    customer_id, _ = _busiest_customer(store)

    response = await client.get(
        f"/api/v1/customers/{customer_id}/orders?limit={limit}", headers=auth
    )

    assert response.status == 422
    assert (await response.json())["error"]["code"] == "invalid_request"


async def test_when_listing_orders_of_an_unknown_customer_then_404(
    client: TestClient, auth: dict[str, str]
) -> None:
    response = await client.get("/api/v1/customers/C-99999/orders", headers=auth)

    assert response.status == 404
    assert (await response.json())["error"]["code"] == "customer_not_found"


async def test_when_product_exists_then_it_comes_with_variants_and_stock(
    client: TestClient, auth: dict[str, str], order_of: Callable[[str], Order], store: Database
) -> None:
    from sqlalchemy.orm import selectinload

    order = store.run_sync(
        lambda s: s.execute(
            select(Order)
            .where(Order.id == order_of("delivered").id)
            .options(selectinload(Order.lines))
        ).scalar_one()
    )
    line = order.lines[0]

    response = await client.get(f"/api/v1/products/{line.product_id}", headers=auth)
    body = await response.json()

    assert response.status == 200
    assert set(body) == {
        "product_id", "name", "category", "description", "price", "final_sale", "attributes",
        "variants",
    }  # fmt: skip
    assert body["product_id"] == line.product_id and body["category"] == line.category
    assert line.sku in {variant["sku"] for variant in body["variants"]}
    assert all(variant["stock"] >= 0 for variant in body["variants"])


async def test_when_product_is_unknown_then_404_product_not_found(
    client: TestClient, auth: dict[str, str]
) -> None:
    response = await client.get("/api/v1/products/P-0000", headers=auth)

    assert response.status == 404
    assert (await response.json())["error"]["code"] == "product_not_found"


async def test_when_email_and_postcode_match_then_the_customer_is_found(
    client: TestClient, auth: dict[str, str], order_of: Callable[[str], Order]
) -> None:
    customer = order_of("shipped").customer
    query = f"email={quote(customer.email)}&postcode={quote(customer.postcode)}"

    response = await client.get(f"/api/v1/customers?{query}", headers=auth)

    assert response.status == 200
    assert (await response.json())["customer_id"] == customer.id


@pytest.mark.parametrize("wrong", ["postcode", "email"])
async def test_when_either_half_of_email_and_postcode_is_wrong_then_the_same_404(
    client: TestClient, auth: dict[str, str], order_of: Callable[[str], Order], wrong: str
) -> None:
    customer = order_of("shipped").customer
    email = "nobody@example.com" if wrong == "email" else customer.email
    postcode = "00000" if wrong == "postcode" else customer.postcode
    query = f"email={quote(email)}&postcode={quote(postcode)}"

    response = await client.get(f"/api/v1/customers?{query}", headers=auth)

    assert response.status == 404
    assert (await response.json())["error"] == {
        "code": "customer_not_found",
        "message": "No customer matches these details.",
    }


async def test_a_postcode_an_order_shipped_to_also_finds_the_customer(
    client: TestClient, auth: dict[str, str], store: Database
) -> None:
    query = (
        select(Order)
        .join(Order.customer)
        .where(Order.ship_postcode_key != Customer.postcode_key)
        .order_by(Order.id)
        .limit(1)
    )
    order, email = store.run_sync(
        lambda s: (lambda o: (o, o.customer.email))(s.execute(query).scalars().one())
    )
    query_string = f"email={quote(email)}&postcode={quote(order.ship_postcode)}"

    response = await client.get(f"/api/v1/customers?{query_string}", headers=auth)

    assert response.status == 200
    assert (await response.json())["customer_id"] == order.customer_id
