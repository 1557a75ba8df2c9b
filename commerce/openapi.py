"""The OpenAPI 3.0 document of the service, built by hand from `docs/commerce-api.md`.

A hand-written dict keeps the document readable next to the contract; the integration
tests validate real responses against these schemas and check that every registered route
is documented, so the two cannot drift apart silently.
"""

from __future__ import annotations

import copy
from typing import Any

from commerce.models import (
    CARRIERS,
    ORDER_STATUSES,
    PAYMENT_METHOD_TYPES,
    PAYMENT_STATUSES,
    REFUND_METHODS,
    REFUND_STATUSES,
    RETURN_RESOLUTIONS,
    RETURN_STATUSES,
    SHIPMENT_STATUSES,
    TRACKING_EVENT_STATUSES,
)

Schema = dict[str, Any]

API_VERSION = "1.0.0"


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Schema], description: str | None = None) -> Schema:
    """An object whose every listed property is always present (possibly null)."""
    schema: Schema = {
        "type": "object",
        "required": list(properties),
        "properties": properties,
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


def _string(description: str | None = None, **extra: Any) -> Schema:
    schema: Schema = {"type": "string", **extra}
    if description:
        schema["description"] = description
    return schema


def _nullable(schema: Schema) -> Schema:
    return {**schema, "nullable": True}


def _enum(values: tuple[str, ...], description: str | None = None) -> Schema:
    return _string(description, enum=list(values))


MONEY: Schema = {
    "type": "number",
    "description": "An amount in the order's currency, always with two decimals.",
    "example": 123.45,
}
TIMESTAMP = _string("ISO 8601 time in UTC.", format="date-time", example="2026-11-20T14:03:00Z")
DATE = _string("Calendar date.", format="date", example="2026-11-24")
FREE_FORM_STRINGS: Schema = {"type": "object", "additionalProperties": {"type": "string"}}


def _schemas() -> dict[str, Schema]:
    return {
        "Error": _object(
            {
                "error": _object(
                    {
                        "code": _string("Stable snake_case code.", example="order_not_found"),
                        "message": _string("Human-readable explanation."),
                    }
                )
            }
        ),
        "Health": _object({"status": _string(enum=["ok"])}),
        "Address": _object(
            {
                "name": _string(),
                "line1": _string(),
                "line2": _nullable(_string()),
                "city": _string(),
                "region": _string("State or region code.", example="CA"),
                "postcode": _string("As entered; a US ZIP or ZIP+4.", example="94107"),
                "country": _string("ISO 3166-1 alpha-2.", example="US"),
            }
        ),
        "OrderLine": _object(
            {
                "line_id": {"type": "integer", "minimum": 1},
                "product_id": _string(example="P-1042"),
                "sku": _string(example="P-1042-BLU-M"),
                "product_name": _string(),
                "category": _string(example="outerwear"),
                "options": {**FREE_FORM_STRINGS, "example": {"color": "blue", "size": "M"}},
                "quantity": {"type": "integer", "minimum": 1},
                "unit_price": MONEY,
                "final_sale": {"type": "boolean", "description": "Not returnable."},
            },
            "A purchased variant, as it was at purchase time.",
        ),
        "PaymentMethodRef": _object(
            {
                "payment_method_id": _string(example="PM-482913"),
                "type": _enum(PAYMENT_METHOD_TYPES),
                "label": _string("Safe to show the shopper.", example="Visa ending 4242"),
            }
        ),
        "Payment": _object(
            {
                "payment_id": _string(example="PAY-20481733"),
                "method": _ref("PaymentMethodRef"),
                "amount": MONEY,
                "status": _enum(PAYMENT_STATUSES),
            }
        ),
        "TrackingEvent": _object(
            {
                "timestamp": TIMESTAMP,
                "status": _enum(TRACKING_EVENT_STATUSES),
                "description": _string(example="Departed facility"),
                "location": _nullable(_string(example="Oakland, CA")),
            }
        ),
        "Shipment": _object(
            {
                "carrier": _enum(CARRIERS),
                "tracking_number": _string(),
                "tracking_url": _string(format="uri"),
                "status": _enum(SHIPMENT_STATUSES),
                "shipped_at": TIMESTAMP,
                "promised_delivery_date": DATE,
                "estimated_delivery_date": _nullable(DATE),
                "delivered_at": _nullable(TIMESTAMP),
                "events": {
                    "type": "array",
                    "description": "Oldest first: the last event is the latest.",
                    "items": _ref("TrackingEvent"),
                },
            },
            "The parcel handed to the carrier.",
        ),
        "Return": _object(
            {
                "rma_id": _string(example="RMA-300512"),
                "status": _enum(RETURN_STATUSES),
                "created_at": TIMESTAMP,
                "resolution": _enum(RETURN_RESOLUTIONS),
                "line_ids": {"type": "array", "items": {"type": "integer", "minimum": 1}},
                "reason": _string(example="too small"),
            },
            "A return merchandise authorisation (RMA).",
        ),
        "Refund": _object(
            {
                "refund_id": _string(example="RF-700231"),
                "amount": MONEY,
                "method": _enum(REFUND_METHODS),
                "status": _enum(REFUND_STATUSES),
                "created_at": TIMESTAMP,
                "processed_at": _nullable(TIMESTAMP),
            }
        ),
        "OrderStatus": _enum(ORDER_STATUSES),
        "Order": _object(
            {
                "order_id": _string(example="AC-104233"),
                "customer_id": _string(example="C-10023"),
                "status": _ref("OrderStatus"),
                "placed_at": TIMESTAMP,
                "currency": _string(example="USD"),
                "subtotal": MONEY,
                "shipping_cost": MONEY,
                "total": MONEY,
                "lines": {"type": "array", "items": _ref("OrderLine")},
                "shipping_address": _ref("Address"),
                "payments": {"type": "array", "items": _ref("Payment")},
                "shipment": {
                    "allOf": [_ref("Shipment")],
                    "nullable": True,
                    "description": "null until the order ships.",
                },
                "returns": {"type": "array", "items": _ref("Return")},
                "refunds": {"type": "array", "items": _ref("Refund")},
            }
        ),
        "OrderSummary": _object(
            {
                "order_id": _string(example="AC-104233"),
                "status": _ref("OrderStatus"),
                "placed_at": TIMESTAMP,
                "total": MONEY,
                "currency": _string(example="USD"),
                "item_count": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Units in the order (quantities summed).",
                },
                "first_item_name": _nullable(_string("Product name of the first line.")),
            }
        ),
        "OrderList": _object(
            {"orders": {"type": "array", "items": _ref("OrderSummary")}},
            "Newest first.",
        ),
        "VerifyRequest": {
            "type": "object",
            "required": ["answer"],
            "properties": {
                "answer": _string(
                    "The customer's e-mail (case-insensitive, trimmed) or the order's shipping "
                    "or billing postcode (spaces ignored, ZIP+4 compared on its first five "
                    "digits).",
                    minLength=1,
                    example="94107",
                )
            },
        },
        "VerifyResult": _object(
            {"order_id": _string(example="AC-104233"), "customer_id": _string(example="C-10023")}
        ),
        "Customer": _object(
            {
                "customer_id": _string(example="C-10023"),
                "name": _string(),
                "email": _string(format="email"),
                "phone": _string(),
                "postcode": _string(example="94107"),
            }
        ),
        "Variant": _object(
            {
                "sku": _string(example="P-1042-BLU-M"),
                "options": FREE_FORM_STRINGS,
                "price": MONEY,
                "stock": {"type": "integer", "minimum": 0},
            }
        ),
        "Product": _object(
            {
                "product_id": _string(example="P-1042"),
                "name": _string(),
                "category": _string(example="outerwear"),
                "description": _string(),
                "price": MONEY,
                "final_sale": {"type": "boolean"},
                "attributes": {
                    "type": "object",
                    "description": "Category-specific facts (material, capacity, ...).",
                    "additionalProperties": True,
                },
                "variants": {"type": "array", "items": _ref("Variant")},
            }
        ),
    }


def _json(schema_name: str, description: str) -> Schema:
    return {
        "description": description,
        "content": {"application/json": {"schema": _ref(schema_name)}},
    }


def _error(description: str) -> Schema:
    return _json("Error", description)


def _responses(ok: Schema, errors: dict[str, str], secured: bool = True) -> Schema:
    responses: Schema = {"200": ok}
    if secured:
        responses["401"] = _error("Missing or wrong bearer token (`unauthorized`).")
    for status, description in errors.items():
        responses[status] = _error(description)
    return responses


def _path_param(name: str, description: str, example: str) -> Schema:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
        "example": example,
    }


ORDER_REF = _path_param(
    "ref",
    "Order reference as the shopper typed it (`AC-104233`, `ac104233`, `#104233` URL-encoded, "
    "`104233`). Upper-cased and stripped to letters and digits, then matched against the order "
    "id, or, when only digits remain, against the digits of the order id.",
    "AC-104233",
)
CUSTOMER_ID = _path_param("customer_id", "Customer id.", "C-10023")


def _paths() -> dict[str, Schema]:
    secured: list[dict[str, list[str]]] = [{"bearerAuth": []}]
    return {
        "/health": {
            "get": {
                "operationId": "health",
                "summary": "Liveness check.",
                "security": [],
                "responses": {"200": _json("Health", "The service is up.")},
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document.",
                "security": [],
                "responses": {
                    "200": {
                        "description": "The OpenAPI 3.0 document.",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
        "/api/v1/orders/{ref}": {
            "get": {
                "operationId": "getOrder",
                "summary": "Look up an order by a loosely typed reference.",
                "security": secured,
                "parameters": [ORDER_REF],
                "responses": _responses(
                    _json("Order", "The order."),
                    {"404": "No order matches (`order_not_found`)."},
                ),
            }
        },
        "/api/v1/orders/{ref}/verify": {
            "post": {
                "operationId": "verifyOrder",
                "summary": "Check that the shopper knows the order's e-mail or postcode.",
                "description": "An unknown order and a wrong answer give the same 404, so the "
                "endpoint reveals nothing about which orders exist.",
                "security": secured,
                "parameters": [ORDER_REF],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("VerifyRequest")}},
                },
                "responses": _responses(
                    _json("VerifyResult", "The answer matches the order."),
                    {
                        "400": "The body is not valid JSON (`invalid_json`).",
                        "404": "Unknown order or wrong answer (`verification_failed`).",
                        "413": "The body is too large (`payload_too_large`).",
                        "422": "`answer` is missing, empty or not a string, or the body is "
                        "not a JSON object (`invalid_request`).",
                    },
                ),
            }
        },
        "/api/v1/customers": {
            "get": {
                "operationId": "findCustomerByEmail",
                "summary": "Find a customer by e-mail (case-insensitive, trimmed).",
                "security": secured,
                "parameters": [
                    {
                        "name": "email",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string", "format": "email"},
                    }
                ],
                "responses": _responses(
                    _json("Customer", "The customer."),
                    {
                        "404": "No customer has this e-mail (`customer_not_found`).",
                        "422": "`email` is missing or empty (`invalid_request`).",
                    },
                ),
            }
        },
        "/api/v1/customers/{customer_id}": {
            "get": {
                "operationId": "getCustomer",
                "summary": "A customer by id.",
                "security": secured,
                "parameters": [CUSTOMER_ID],
                "responses": _responses(
                    _json("Customer", "The customer."),
                    {"404": "No customer has this id (`customer_not_found`)."},
                ),
            }
        },
        "/api/v1/customers/{customer_id}/orders": {
            "get": {
                "operationId": "listCustomerOrders",
                "summary": "A customer's most recent orders, newest first.",
                "security": secured,
                "parameters": [
                    CUSTOMER_ID,
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 50, "default": 5},
                    },
                ],
                "responses": _responses(
                    _json("OrderList", "Up to `limit` orders."),
                    {
                        "404": "No customer has this id (`customer_not_found`).",
                        "422": "`limit` is not an integer in 1..50 (`invalid_request`).",
                    },
                ),
            }
        },
        "/api/v1/products/{product_id}": {
            "get": {
                "operationId": "getProduct",
                "summary": "A catalogue product with its variants and stock.",
                "security": secured,
                "parameters": [_path_param("product_id", "Product id.", "P-1042")],
                "responses": _responses(
                    _json("Product", "The product."),
                    {"404": "No product has this id (`product_not_found`)."},
                ),
            }
        },
    }


def build_openapi(server_url: str | None = None) -> dict[str, Any]:
    """The OpenAPI 3.0 document; a fresh copy on every call, safe to mutate.

    Args:
        server_url: Where the service listens, advertised in `servers` when given.
    """
    document: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {
            "title": "Aftercare reference commerce backend",
            "version": API_VERSION,
            "description": "Orders, customers and products of the demo store, as described "
            "in docs/commerce-api.md. Every /api/v1 route needs a bearer token. Errors are "
            '`{"error": {"code", "message"}}` with a 4xx status; an unknown route answers '
            "`404 not_found` and a wrong method `405 method_not_allowed`.",
            "license": {"name": "Apache-2.0"},
        },
        "servers": [{"url": server_url}] if server_url else [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "COMMERCE_API_TOKEN (local default `dev-commerce-token`).",
                }
            },
            "schemas": _schemas(),
        },
    }
    return copy.deepcopy(document)
