"""Real responses validate against the schemas of the served OpenAPI document."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient

from commerce.models import ORDER_STATUSES, Order


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


@pytest_asyncio.fixture
async def validate(client: TestClient) -> Callable[[str, Any], None]:
    document = await (await client.get("/openapi.json")).json()
    root = {"components": _to_json_schema(copy.deepcopy(document["components"]))}

    def check(schema_name: str, instance: Any) -> None:
        schema = {"$ref": f"#/components/schemas/{schema_name}"}
        resolver = jsonschema.RefResolver.from_schema(root)
        jsonschema.validate(instance, schema, resolver=resolver)

    return check


@pytest.mark.parametrize("status", ORDER_STATUSES)
async def test_when_an_order_of_any_status_is_served_then_it_matches_the_order_schema(
    client: TestClient,
    auth: dict[str, str],
    order_of: Callable[[str], Order],
    validate: Callable[[str, Any], None],
    status: str,
) -> None:
    response = await client.get(f"/api/v1/orders/{order_of(status).id}", headers=auth)

    validate("Order", await response.json())


async def test_when_other_resources_are_served_then_they_match_their_schemas(
    client: TestClient,
    auth: dict[str, str],
    order_of: Callable[[str], Order],
    validate: Callable[[str, Any], None],
) -> None:
    order = order_of("refunded")
    body = await (await client.get(f"/api/v1/orders/{order.id}", headers=auth)).json()
    product_id = body["lines"][0]["product_id"]

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
    }

    for schema_name, response in served.items():
        validate(schema_name, await response.json())


async def test_when_a_response_breaks_the_schema_then_validation_notices(
    validate: Callable[[str, Any], None],
) -> None:
    with pytest.raises(jsonschema.ValidationError):
        validate("Customer", {"customer_id": "C-10001", "name": "x", "email": "e", "phone": "p"})
    with pytest.raises(jsonschema.ValidationError):
        validate("OrderSummary", {"order_id": "AC-1", "status": "teleported"})
