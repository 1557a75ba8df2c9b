"""Real requests and responses validate against the schemas of the served OpenAPI document.

Each change is checked against the request schema its route documents and its answer
against that route's documented response, so a route and its documentation cannot drift.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import jsonschema
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient

from commerce.db import Database
from commerce.models import ORDER_STATUSES, Order
from tests.integration.commerce.conftest import (
    AUTH,
    add_gift_card,
    add_variant,
    poster,
)

Validator = Callable[[Any, Any], None]


def _to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 marks null with `nullable`; JSON Schema spells it as a type."""
    if isinstance(node, list):
        return [_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _to_json_schema(value) for key, value in node.items()}
    if converted.pop("nullable", False):
        if "type" in converted:
            converted["type"] = [converted["type"], "null"]
            if "enum" in converted:
                converted["enum"] = [*converted["enum"], None]
        else:
            return {"anyOf": [converted, {"type": "null"}]}
    return converted


class Contract:
    """The served document, able to validate instances against its schemas."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.paths = document["paths"]
        self.root = {"components": _to_json_schema(copy.deepcopy(document["components"]))}

    def check(self, schema: Any, instance: Any) -> None:
        if isinstance(schema, str):
            schema = {"$ref": f"#/components/schemas/{schema}"}
        resolver = jsonschema.RefResolver.from_schema(self.root)
        jsonschema.validate(instance, _to_json_schema(schema), resolver=resolver)

    def check_request(self, path: str, instance: Any) -> None:
        body = self.paths[path]["post"]["requestBody"]["content"]["application/json"]
        self.check(body["schema"], instance)

    def check_response(self, path: str, method: str, status: int, instance: Any) -> None:
        responses = self.paths[path][method]["responses"]
        assert str(status) in responses, f"{method.upper()} {path} does not document {status}"
        self.check(responses[str(status)]["content"]["application/json"]["schema"], instance)


@pytest_asyncio.fixture
async def contract(client: TestClient) -> Contract:
    return Contract(await (await client.get("/openapi.json")).json())


@pytest.fixture
def validate(contract: Contract) -> Validator:
    return contract.check


@pytest.mark.parametrize("status", ORDER_STATUSES)
async def test_when_an_order_of_any_status_is_served_then_it_matches_the_order_schema(
    client: TestClient,
    auth: dict[str, str],
    order_of: Callable[[str], Order],
    validate: Validator,
    status: str,
) -> None:
    response = await client.get(f"/api/v1/orders/{order_of(status).id}", headers=auth)

    validate("Order", await response.json())


async def test_when_other_resources_are_served_then_they_match_their_schemas(
    client: TestClient,
    auth: dict[str, str],
    order_of: Callable[[str], Order],
    validate: Validator,
) -> None:
    order = order_of("refunded")
    body = await (await client.get(f"/api/v1/orders/{order.id}", headers=auth)).json()
    product_id = body["lines"][0]["product_id"]
    customer = order.customer
    by_name = f"name={quote(customer.name)}&postcode={customer.postcode}"

    served = {
        "Customer": await client.get(f"/api/v1/customers/{order.customer_id}", headers=auth),
        "OrderList": await client.get(
            f"/api/v1/customers/{order.customer_id}/orders?limit=50", headers=auth
        ),
        "Product": await client.get(f"/api/v1/products/{product_id}", headers=auth),
        "VerifyResult": await client.post(
            f"/api/v1/orders/{order.id}/verify",
            json={"answer": order.customer.email},
            headers=auth,
        ),
        "Health": await client.get("/health"),
        "Error": await client.get("/api/v1/orders/AC-000001", headers=auth),
        "PaymentMethodList": await client.get(
            f"/api/v1/customers/{order.customer_id}/payment-methods", headers=auth
        ),
        "RefundList": await client.get(
            f"/api/v1/customers/{order.customer_id}/refunds", headers=auth
        ),
        "ClaimList": await client.get(
            f"/api/v1/customers/{order.customer_id}/claims?days=3650", headers=auth
        ),
    }
    by_name_response = await client.get(f"/api/v1/customers?{by_name}", headers=auth)

    for schema_name, response in served.items():
        assert response.status < 300 or schema_name == "Error"
        validate(schema_name, await response.json())
    assert (await by_name_response.json())["customer_id"] == order.customer_id
    refunds = (await served["RefundList"].json())["refunds"]
    assert refunds, "a refunded order's customer has at least one refund"


async def test_when_every_change_succeeds_then_request_and_answer_match_the_route_documents(
    client: TestClient,
    order_of: Callable[[str], Order],
    store: Database,
    contract: Contract,
) -> None:
    post = poster(client)
    pending, paid, delivered, shipped = (
        order_of(s) for s in ("pending", "paid", "delivered", "in_transit")
    )
    card = add_gift_card(store, pending.customer_id, 10**7)
    swap = add_variant(store, pending.id, 1, price_delta_cents=100)
    exchange = add_variant(store, delivered.id, 1, price_delta_cents=-100)
    delivered_card = add_gift_card(store, delivered.customer_id, 0)
    changes: list[tuple[str, str, dict[str, Any], int]] = [
        (paid.id, "cancel", {"reason": "no_longer_needed"}, 200),
        (pending.id, "address", {"address": {
            "name": "A B", "line1": "1 Main St", "line2": None, "city": "Austin",
            "region": "TX", "postcode": "78701", "country": "US"}}, 200),
        (pending.id, "items", {"changes": [{"line_id": 1, "new_sku": swap}],
                               "payment_method_id": card}, 200),
        (pending.id, "payment-method", {"payment_method_id": card}, 200),
        (delivered.id, "returns", {"line_ids": [1], "reason": "size", "resolution": "exchange",
                                   "exchanges": [{"line_id": 1, "new_sku": exchange}],
                                   "payment_method_id": delivered_card}, 201),
        (shipped.id, "claims", {"kind": "not_received", "line_ids": [1], "remedy": "refund",
                                "description": "never came"}, 201),
    ]  # fmt: skip

    for reference, action, body, status in changes:
        path = f"/api/v1/orders/{{ref}}/{action}"
        contract.check_request(path, body)
        reply = await post(reference, action, body)
        assert reply.status == status, (action, reply.body)
        contract.check_response(path, "post", status, reply.body)


@pytest.mark.parametrize(
    ("status", "action", "body", "code"),
    [
        ("delivered", "cancel", {"reason": "other"}, 409),
        ("pending", "address", {"address": {"name": "A", "line1": "1", "city": "X",
                                            "region": "TX", "postcode": "1", "country": "US"}},
         422),
        ("pending", "returns", {"line_ids": [1], "reason": "x", "resolution": "refund"}, 409),
        ("delivered", "claims", {"kind": "damaged", "line_ids": [9], "remedy": "refund"}, 422),
        ("pending", "payment-method", {"payment_method_id": "nope"}, 422),
        ("delivered", "items", {"changes": [{"line_id": 1, "new_sku": "x"}],
                                "payment_method_id": "x"}, 409),
    ],
)  # fmt: skip
async def test_when_a_change_is_refused_then_the_error_is_documented_for_the_route(
    client: TestClient,
    order_of: Callable[[str], Order],
    contract: Contract,
    status: str,
    action: str,
    body: dict[str, Any],
    code: int,
) -> None:
    reply = await poster(client)(order_of(status).id, action, body)

    assert reply.status == code
    contract.check_response(f"/api/v1/orders/{{ref}}/{action}", "post", code, reply.body)


async def test_when_a_response_breaks_the_schema_then_validation_notices(
    validate: Validator,
) -> None:
    with pytest.raises(jsonschema.ValidationError):
        validate("Customer", {"customer_id": "C-10001", "name": "x", "email": "e", "phone": "p"})
    with pytest.raises(jsonschema.ValidationError):
        validate("OrderSummary", {"order_id": "AC-1", "status": "teleported"})
    with pytest.raises(jsonschema.ValidationError):
        validate("PaymentMethod", {"payment_method_id": "x", "type": "cash", "label": "Cash"})


# --- the τ-bench store ---------------------------------------------------------------


@pytest.mark.parametrize("order_id", ["#W2611340", "#W3220387", "#W2378156", "#W4082615"])
async def test_when_tau_bench_orders_and_customers_are_served_then_they_match_the_schemas(
    tau_client: TestClient, order_id: str
) -> None:
    contract = Contract(await (await tau_client.get("/openapi.json")).json())

    order = await (await tau_client.get(f"/api/v1/orders/{quote(order_id)}", headers=AUTH)).json()
    customer_id = order["customer_id"]
    customer = await (await tau_client.get(f"/api/v1/customers/{customer_id}", headers=AUTH)).json()
    methods = await (
        await tau_client.get(f"/api/v1/customers/{customer_id}/payment-methods", headers=AUTH)
    ).json()

    contract.check("Order", order)
    contract.check("Customer", customer)
    contract.check("PaymentMethodList", methods)
    assert customer["phone"] is None
