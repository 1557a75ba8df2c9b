"""The OpenAPI document: valid references, and every route of the service documented."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from commerce.app import create_app
from commerce.config import CommerceConfig
from commerce.models import ORDER_STATUSES
from commerce.openapi import build_openapi
from commerce.routes import ROUTES
from commerce.schemas import OrderSummary

CHANGES = ("cancel", "address", "payment-method", "items", "returns", "claims")


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if "$ref" in node else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_when_built_then_the_document_is_openapi_3_and_plain_json() -> None:
    document = build_openapi()

    assert document["openapi"].startswith("3.0.")
    assert json.loads(json.dumps(document)) == document


def test_when_built_then_every_reference_resolves() -> None:
    document = build_openapi()
    schemas = document["components"]["schemas"]

    refs = _refs(document)
    assert refs
    for ref in refs:
        assert ref.startswith("#/components/schemas/")
        assert ref.rsplit("/", 1)[1] in schemas, ref


def test_when_the_app_is_built_then_every_route_is_documented_and_nothing_else() -> None:
    app = create_app(CommerceConfig(db_url="sqlite://"))
    document = build_openapi()
    registered = {
        (route.resource.canonical, route.method.lower())
        for route in app.router.routes()
        if route.method != "HEAD" and route.resource is not None
    }
    documented = {
        (path, method) for path, operations in document["paths"].items() for method in operations
    }

    assert registered == documented
    assert len(registered) == 23  # 17 + recommendations, clicks (2), conversions, search, profile


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/orders/{ref}",
        "/api/v1/orders/{ref}/verify",
        "/api/v1/customers",
        "/api/v1/customers/{customer_id}",
        "/api/v1/customers/{customer_id}/orders",
        "/api/v1/customers/{customer_id}/payment-methods",
        "/api/v1/customers/{customer_id}/refunds",
        "/api/v1/customers/{customer_id}/claims",
        "/api/v1/products/{product_id}",
        "/api/v1/recommendations",
        "/api/v1/recommendations/conversions",
        *(f"/api/v1/orders/{{ref}}/{action}" for action in CHANGES),
    ],
)
def test_when_a_route_needs_the_token_then_the_document_says_so_and_lists_401(path: str) -> None:
    document = build_openapi()
    (operation,) = document["paths"][path].values()

    assert operation["security"] == [{"bearerAuth": []}]
    assert "401" in operation["responses"]
    assert all(code.startswith(("2", "4")) for code in operation["responses"])


def test_when_health_or_the_document_itself_is_fetched_then_no_token_is_needed() -> None:
    paths = build_openapi()["paths"]

    assert paths["/health"]["get"]["security"] == []
    assert paths["/openapi.json"]["get"]["security"] == []


def test_when_statuses_are_documented_then_they_are_exactly_the_contract_statuses() -> None:
    schemas = build_openapi()["components"]["schemas"]

    for shape, key in (
        ("Order", "status"),
        ("OrderSummary", "status"),
        ("ReturnRequest", "order_status"),
    ):
        assert schemas[shape]["properties"][key]["enum"] == list(ORDER_STATUSES)


def test_when_built_with_a_server_url_then_it_is_advertised() -> None:
    assert build_openapi("http://127.0.0.1:8060")["servers"] == [{"url": "http://127.0.0.1:8060"}]


@pytest.mark.parametrize("action", CHANGES)
def test_when_a_route_changes_an_order_then_it_documents_the_key_the_replay_and_refusals(
    action: str,
) -> None:
    document = build_openapi()
    operation = document["paths"][f"/api/v1/orders/{{ref}}/{action}"]["post"]
    success = "201" if action in ("returns", "claims") else "200"

    key = next(p for p in operation["parameters"] if p["in"] == "header")
    assert (key["name"], key["required"]) == ("Idempotency-Key", True)
    assert key["schema"]["maxLength"] == 100
    assert "Idempotent-Replayed" in operation["responses"][success]["headers"]
    assert {"400", "401", "404", "409", "413", "422"} <= set(operation["responses"])
    assert "idempotency_key_required" in operation["responses"]["422"]["description"]
    assert "idempotency_key_reused" in operation["responses"]["409"]["description"]
    assert operation["requestBody"]["required"] is True


def test_when_an_order_is_documented_then_it_carries_the_items_modified_flag() -> None:
    order = build_openapi()["components"]["schemas"]["Order"]

    assert "items_modified" in order["required"]
    assert order["properties"]["items_modified"]["type"] == "boolean"
    assert "exchange_requested" in ORDER_STATUSES


def test_when_a_route_reads_a_body_then_its_model_is_the_documented_request_schema() -> None:
    paths = build_openapi()["paths"]

    for route in ROUTES:
        operation = paths[route.path][route.method.lower()]
        if route.body is None:
            assert "requestBody" not in operation
            continue
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        assert schema == {"$ref": f"#/components/schemas/{route.body.__name__}"}
        assert {"400", "413", "422"} <= set(operation["responses"]), route.path


def test_when_an_answer_breaks_its_shape_then_it_is_refused_where_it_is_built() -> None:
    """A serialiser cannot send a status outside the contract, or a key the document lacks."""
    summary = {
        "order_id": "AC-1",
        "status": "pending",
        "placed_at": "2026-11-20T14:03:00Z",
        "total": Decimal("5.00"),
        "currency": "USD",
        "item_count": 1,
        "first_item_name": None,
    }
    OrderSummary(**summary)

    with pytest.raises(ValidationError, match="must be one of"):
        OrderSummary(**{**summary, "status": "teleported"})
    with pytest.raises(ValidationError, match="extra fields not permitted"):
        OrderSummary(**summary, gift_wrapped=True)
    with pytest.raises(ValidationError, match="field required"):
        OrderSummary(**{k: v for k, v in summary.items() if k != "first_item_name"})
