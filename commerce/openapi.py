"""The OpenAPI 3.0 document of the service, built by hand from `docs/commerce-api.md`.

A hand-written dict keeps the document readable next to the contract; the integration
tests validate real responses against these schemas and check that every registered route
is documented, so the two cannot drift apart silently.
"""

from __future__ import annotations

import copy
from typing import Any

from commerce.models import (
    CANCEL_REASONS,
    CARRIERS,
    CLAIM_KINDS,
    CLAIM_REMEDIES,
    CLAIM_STATUSES,
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
LINE_ID: Schema = {"type": "integer", "minimum": 1}
LINE_IDS: Schema = {"type": "array", "items": LINE_ID, "minItems": 1, "maxItems": 50}
PAYMENT_METHOD_ID = _string("One of the customer's payment methods.", example="PM-482913")


def _request(properties: dict[str, Schema], required: list[str], description: str) -> Schema:
    """A request body: unknown keys are ignored by the service, so they are allowed."""
    return {
        "type": "object",
        "description": description,
        "required": required,
        "properties": properties,
    }


RETURN_PROPERTIES: dict[str, Schema] = {
    "rma_id": _string(example="RMA-300512"),
    "status": _enum(RETURN_STATUSES),
    "created_at": TIMESTAMP,
    "resolution": _enum(RETURN_RESOLUTIONS),
    "line_ids": {"type": "array", "items": LINE_ID},
    "reason": _string(example="too small"),
}
REFUND_PROPERTIES: dict[str, Schema] = {
    "refund_id": _string(example="RF-700231"),
    "amount": MONEY,
    "method": _enum(
        REFUND_METHODS,
        "`original_payment`: a method that paid the order; `store_credit`: a gift card that "
        "did not; `other_payment_method`: another of the shopper's methods.",
    ),
    "status": _enum(
        REFUND_STATUSES, "A refund to a gift card is `processed` at once, others `pending`."
    ),
    "created_at": TIMESTAMP,
    "processed_at": _nullable(TIMESTAMP),
}


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
        "Return": _object(RETURN_PROPERTIES, "A return merchandise authorisation (RMA)."),
        "Refund": _object(REFUND_PROPERTIES),
        "OrderStatus": _enum(ORDER_STATUSES),
        "Order": _object(
            {
                "order_id": _string(example="AC-104233"),
                "customer_id": _string(example="C-10023"),
                "status": _ref("OrderStatus"),
                "items_modified": {
                    "type": "boolean",
                    "description": "The items were changed once; a second change is refused.",
                },
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
                "phone": _nullable(_string("null when the store does not know it (τ-bench).")),
                "postcode": _string(example="94107"),
            }
        ),
        "PaymentMethod": {
            "type": "object",
            "required": ["payment_method_id", "type", "label"],
            "properties": {
                "payment_method_id": _string(example="credit_card_9513926"),
                "type": _enum(PAYMENT_METHOD_TYPES),
                "label": _string("Safe to show the shopper.", example="Visa ending 4242"),
                "balance": {**MONEY, "description": "Gift cards only: what can be spent now."},
            },
            "additionalProperties": False,
        },
        "PaymentMethodList": _object(
            {"payment_methods": {"type": "array", "items": _ref("PaymentMethod")}},
            "The default method first.",
        ),
        "CustomerRefund": _object(
            {**REFUND_PROPERTIES, "order_id": _string(example="#W2378156")},
            "A refund with the order it belongs to.",
        ),
        "RefundList": _object(
            {"refunds": {"type": "array", "items": _ref("CustomerRefund")}}, "Newest first."
        ),
        "Claim": _object(
            {
                "claim_id": _string(example="CL-40213377"),
                "order_id": _string(example="AC-104233"),
                "kind": _enum(CLAIM_KINDS),
                "remedy": _enum(CLAIM_REMEDIES),
                "amount": {**MONEY, "description": "Value of the claimed lines."},
                "status": _enum(
                    CLAIM_STATUSES,
                    "`open` until a reshipment leaves; `resolved` once refunded.",
                ),
                "line_ids": {"type": "array", "items": LINE_ID},
                "created_at": TIMESTAMP,
            },
            "A problem reported with a parcel.",
        ),
        "ClaimList": _object(
            {"claims": {"type": "array", "items": _ref("Claim")}}, "Newest first."
        ),
        "ItemSwap": _object(
            {"line_id": LINE_ID, "new_sku": _string("Another variant of the line's product.")}
        ),
        "ReturnRequest": _object(
            {
                **RETURN_PROPERTIES,
                "order_id": _string(example="AC-104233"),
                "order_status": _ref("OrderStatus"),
                "refund_amount": {
                    **MONEY,
                    "description": "What goes back to the shopper once the parcel arrives "
                    "(for an exchange: a cheaper replacement's difference; 0.00 otherwise).",
                },
                "refund_to": {
                    "allOf": [_ref("PaymentMethodRef")],
                    "nullable": True,
                    "description": "Where the refund goes; null when nothing is refunded.",
                },
                "exchanges": {"type": "array", "items": _ref("ItemSwap")},
                "instructions": _string(
                    "What the shopper does next (label, drop-off within 14 days) and when the "
                    "money or the replacement follows; ready to show."
                ),
            },
            "A new RMA.",
        ),
        "NewAddress": {
            "type": "object",
            "required": ["name", "line1", "city", "region", "postcode", "country"],
            "properties": {
                "name": _string(maxLength=160),
                "line1": _string(maxLength=120),
                "line2": _nullable(_string(maxLength=120)),
                "city": _string(maxLength=80),
                "region": _string("Two-letter US state code.", example="CA"),
                "postcode": _string(
                    "A US ZIP or ZIP+4.", pattern="^[0-9]{5}(-[0-9]{4})?$", example="94107"
                ),
                "country": _string("`US` (`USA` is accepted).", example="US"),
            },
        },
        "CancelRequest": _request(
            {"reason": _enum(CANCEL_REASONS)}, ["reason"], "Why the shopper cancels."
        ),
        "AddressChangeRequest": _request(
            {"address": _ref("NewAddress")}, ["address"], "The new shipping address."
        ),
        "PaymentMethodChangeRequest": _request(
            {"payment_method_id": PAYMENT_METHOD_ID},
            ["payment_method_id"],
            "The method that pays the whole order from now on.",
        ),
        "ItemChangeRequest": _request(
            {
                "changes": {
                    "type": "array",
                    "items": _ref("ItemSwap"),
                    "minItems": 1,
                    "maxItems": 50,
                },
                "payment_method_id": PAYMENT_METHOD_ID,
            },
            ["changes", "payment_method_id"],
            "Every item change at once; the price difference is settled through "
            "`payment_method_id`.",
        ),
        "ReturnCreateRequest": _request(
            {
                "line_ids": LINE_IDS,
                "reason": _string(maxLength=200, example="too small"),
                "resolution": _enum(RETURN_RESOLUTIONS),
                "payment_method_id": {
                    **PAYMENT_METHOD_ID,
                    "description": "refund: the original method (the default) or a gift card "
                    "of the customer; store_credit: a gift card (default: the customer's, or a "
                    "new one); exchange: settles a price difference (required if there is "
                    "one).",
                },
                "exchanges": {
                    "type": "array",
                    "items": _ref("ItemSwap"),
                    "description": "exchange only: a new SKU for every line in line_ids.",
                },
            },
            ["line_ids", "reason", "resolution"],
            "Lines to send back and what the shopper wants instead.",
        ),
        "ClaimCreateRequest": _request(
            {
                "kind": _enum(CLAIM_KINDS),
                "line_ids": LINE_IDS,
                "remedy": _enum(CLAIM_REMEDIES),
                "description": _string(maxLength=2000),
            },
            ["kind", "line_ids", "remedy"],
            "What went wrong with which lines, and the remedy the shopper accepted.",
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


def _responses(
    ok: Schema, errors: dict[str, str], secured: bool = True, ok_status: str = "200"
) -> Schema:
    responses: Schema = {ok_status: ok}
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
    "Order reference as the shopper typed it (`AC-104233`, `ac104233`, `#104233` URL-encoded "
    "as `%23104233`, `104233`; τ-bench's `#W2378156`, `W2378156`, `w2378156`). Upper-cased and "
    "stripped to letters and digits, then matched against the order id, or, when only digits "
    "remain, against the digits of the order id.",
    "AC-104233",
)
CUSTOMER_ID = _path_param(
    "customer_id", "Customer id (`C-10023`, τ-bench's `noah_brown_6181`).", "C-10023"
)
IDEMPOTENCY_KEY: Schema = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": True,
    "description": "Identifies this change. Repeating a request with the same key and body "
    "replays the first answer (header `Idempotent-Replayed: true`) and changes nothing; the "
    "same key with another request is `409 idempotency_key_reused`.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[ -~]+$"},
    "example": "3f0c5a4e-2b51-4d7f-9a39-6a3a4b9e1c20",
}
REPLAYED_HEADER: Schema = {
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored answer of an earlier request with the "
        "same key; absent on the first answer.",
        "schema": {"type": "string", "enum": ["true"]},
    }
}
CHANGE_ERRORS = {
    "400": "The body is not valid JSON (`invalid_json`).",
    "404": "No order matches (`order_not_found`).",
    "413": "The body is too large (`payload_too_large`).",
}


def _change(
    operation_id: str,
    summary: str,
    description: str,
    request_schema: str,
    ok: tuple[str, str, str],
    conflicts: list[str],
    invalid: list[str],
) -> Schema:
    """A change: idempotency key, JSON body, success answer and the refusals it can give."""
    status, schema_name, ok_description = ok
    answer = _json(schema_name, ok_description)
    answer["headers"] = REPLAYED_HEADER
    conflict = ["the key was used for another request (`idempotency_key_reused`)", *conflicts]
    unprocessable = [
        "the Idempotency-Key header is missing (`idempotency_key_required`) or is not 1 to 100 "
        "printable ASCII characters (`invalid_idempotency_key`)",
        "the body does not have the documented shape (`invalid_request`)",
        *invalid,
    ]
    errors = {
        **CHANGE_ERRORS,
        "409": "Refused: " + "; ".join(conflict) + ".",
        "422": "Refused: " + "; ".join(unprocessable) + ".",
    }
    return {
        "post": {
            "operationId": operation_id,
            "summary": summary,
            "description": description,
            "security": [{"bearerAuth": []}],
            "parameters": [ORDER_REF, IDEMPOTENCY_KEY],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref(request_schema)}},
            },
            "responses": _responses(answer, dict(sorted(errors.items())), ok_status=status),
        }
    }


BAD_STATE = "the order's status does not allow it (`invalid_order_state`, with the status)"
BAD_METHOD = (
    "the payment method is not the customer's or cannot be used here (`invalid_payment_method`)"
)
BAD_GIFT_CARD = "a gift card does not cover the charge (`insufficient_gift_card_balance`)"
BAD_ITEMS = [
    "a line id is not a line of the order (`unknown_line`)",
    "a new SKU is unknown, of another product, or the current one (`invalid_item_change`)",
]
NO_STOCK = "a new SKU is out of stock (`out_of_stock`)"


def _change_paths() -> dict[str, Schema]:
    orders = "/api/v1/orders/{ref}"
    order_answer = ("200", "Order", "The order after the change.")
    return {
        f"{orders}/cancel": _change(
            "cancelOrder",
            "Cancel an order that has not shipped.",
            "Only `pending`, `paid` or `packed` orders. Authorised payments are voided; captured "
            "ones are refunded to their method (gift card: `processed` at once, others "
            "`pending`).",
            "CancelRequest",
            order_answer,
            [BAD_STATE],
            [],
        ),
        f"{orders}/address": _change(
            "changeShippingAddress",
            "Send an order that has not shipped to another address.",
            "Only `pending`, `paid` or `packed` orders.",
            "AddressChangeRequest",
            order_answer,
            [BAD_STATE],
            [
                "the address is not a US address with a ZIP (`12345` or `12345-6789`) and a "
                "two-letter state, or a field is missing (`invalid_address`)"
            ],
        ),
        f"{orders}/payment-method": _change(
            "changePaymentMethod",
            "Pay a pending order with another of the customer's methods.",
            "Only `pending` orders. What the old methods hold is voided or refunded and the "
            "new method pays the same amount.",
            "PaymentMethodChangeRequest",
            order_answer,
            [BAD_STATE],
            [BAD_METHOD + ", or the order is already paid with it", BAD_GIFT_CARD],
        ),
        f"{orders}/items": _change(
            "changeItems",
            "Change items of a pending order to other variants of the same products, once.",
            "Only `pending` orders whose items were not changed before; afterwards "
            "`items_modified` is true. The price difference is charged to, or refunded "
            "through, `payment_method_id`.",
            "ItemChangeRequest",
            order_answer,
            [BAD_STATE + ", or the items were already changed once", NO_STOCK],
            [*BAD_ITEMS, BAD_METHOD, BAD_GIFT_CARD],
        ),
        f"{orders}/returns": _change(
            "requestReturn",
            "Return delivered lines for a refund, store credit or an exchange.",
            "Only `delivered` orders; the order becomes `return_requested` (or "
            "`exchange_requested`). The refund is issued when the parcel arrives; a dearer "
            "exchange is charged now.",
            "ReturnCreateRequest",
            ("201", "ReturnRequest", "The new RMA, with the refund amount and instructions."),
            [
                "a line is already in a return, or was refunded by a claim (`already_returned`)",
                BAD_STATE,
                NO_STOCK,
            ],
            [*BAD_ITEMS, BAD_METHOD, BAD_GIFT_CARD],
        ),
        f"{orders}/claims": _change(
            "fileClaim",
            "Report a damaged, missing or wrong item, or a parcel that never arrived.",
            "Only orders that have shipped. The `refund` remedy refunds the lines' value to "
            "the payments at once (gift card `processed`, others `pending`).",
            "ClaimCreateRequest",
            ("201", "Claim", "The recorded claim."),
            [
                BAD_STATE,
                "a line is already in a claim (`already_claimed`)",
                "a line is in a return (`already_returned`)",
            ],
            [BAD_ITEMS[0]],
        ),
    }


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
                "operationId": "findCustomer",
                "summary": "Find a customer by e-mail, by phone, by full name and postcode, or by "
                "e-mail and postcode.",
                "description": "Give `email` alone (case-insensitive, trimmed), `phone` alone "
                "(compared by its national digits, so `+14155550101` finds `(415) 555-0101`; "
                "two customers with one number are not found), or `name` and `postcode` "
                "together (name case-insensitive with spaces collapsed, postcode compared like "
                "verification), or `email` and `postcode` together (the postcode of the "
                "customer's address or of one their orders shipped to; a wrong pair is 404 "
                "whichever half is wrong).",
                "security": secured,
                "parameters": [
                    {
                        "name": "email",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "format": "email"},
                    },
                    {
                        "name": "phone",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string"},
                        "example": "+14155550101",
                    },
                    {
                        "name": "name",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string"},
                        "example": "Noah Brown",
                    },
                    {
                        "name": "postcode",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string"},
                        "example": "80279",
                    },
                ],
                "responses": _responses(
                    _json("Customer", "The customer."),
                    {
                        "404": "No customer (or more than one) matches " "(`customer_not_found`).",
                        "422": "Neither `email` alone nor `name` with `postcode` was given "
                        "(`invalid_request`).",
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
        "/api/v1/customers/{customer_id}/payment-methods": {
            "get": {
                "operationId": "listCustomerPaymentMethods",
                "summary": "The customer's stored payment methods, gift cards with balance.",
                "security": secured,
                "parameters": [CUSTOMER_ID],
                "responses": _responses(
                    _json("PaymentMethodList", "The payment methods."),
                    {"404": "No customer has this id (`customer_not_found`)."},
                ),
            }
        },
        "/api/v1/customers/{customer_id}/refunds": {
            "get": {
                "operationId": "listCustomerRefunds",
                "summary": "Every refund on the customer's orders, newest first.",
                "security": secured,
                "parameters": [CUSTOMER_ID],
                "responses": _responses(
                    _json("RefundList", "The refunds."),
                    {"404": "No customer has this id (`customer_not_found`)."},
                ),
            }
        },
        "/api/v1/customers/{customer_id}/claims": {
            "get": {
                "operationId": "listCustomerClaims",
                "summary": "The customer's claims of the last `days` days, newest first.",
                "description": "For the assistant's fraud signal (many recent claims).",
                "security": secured,
                "parameters": [
                    CUSTOMER_ID,
                    {
                        "name": "days",
                        "in": "query",
                        "required": False,
                        "schema": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": 3650,
                            "default": 90,
                        },
                    },
                ],
                "responses": _responses(
                    _json("ClaimList", "The claims."),
                    {
                        "404": "No customer has this id (`customer_not_found`).",
                        "422": "`days` is not an integer in 1..3650 (`invalid_request`).",
                    },
                ),
            }
        },
        **_change_paths(),
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


# --- Recommendations (cross-sell) --------------------------------------------------------

RECOMMENDATION_SOURCES = ("copurchase", "content", "popularity")


def _recommendation_schemas() -> dict[str, Schema]:
    return {
        "Recommendation": _object(
            {
                "position": {"type": "integer", "minimum": 1},
                "product_id": _string(example="P-1042"),
                "name": _string(example="Ridge Trail Sleeping Pad"),
                "category": _string(example="sleeping_bags"),
                "price": MONEY,
                "in_stock": {"type": "boolean"},
                "reason": _string(
                    "Why it is suggested, in words for the shopper.",
                    example="Often bought together with your Alpine Tent",
                ),
                "source": _enum(
                    RECOMMENDATION_SOURCES, "The signal that contributed most to the rank."
                ),
            }
        ),
        "RecommendationList": _object(
            {
                "recommendation_id": _string(
                    "Names this list; a click refers to it.", example="rec_3f0c5a4e2b514d7f9a39"
                ),
                "customer_id": _nullable(_string(example="C-10023")),
                "anchor_product_id": _nullable(_string(example="P-1042")),
                "recommendations": {"type": "array", "items": _ref("Recommendation")},
            },
            "Best first. Only products in stock, not bought before, shippable to the "
            "shopper's region and allowed by the merchant's rules; see docs/recommender.md.",
        ),
        "ClickRequest": _request(
            {
                "recommendation_id": _string(example="rec_3f0c5a4e2b514d7f9a39"),
                "product_id": _string(example="P-1042"),
                "customer_id": _nullable(_string(example="C-10023")),
                "position": _nullable({"type": "integer", "minimum": 1, "maximum": 50}),
            },
            ["recommendation_id", "product_id"],
            "A shopper picked a suggestion. Recorded once per list and product.",
        ),
        "Click": _object(
            {
                "click_id": _string(example="CLK-1a2b3c4d5e6f"),
                "recommendation_id": _string(example="rec_3f0c5a4e2b514d7f9a39"),
                "product_id": _string(example="P-1042"),
                "customer_id": _nullable(_string(example="C-10023")),
                "position": _nullable({"type": "integer", "minimum": 1}),
                "created_at": TIMESTAMP,
            }
        ),
        "ClickList": _object({"clicks": {"type": "array", "items": _ref("Click")}}),
    }


def _query_param(name: str, description: str, example: str, required: bool = False) -> Schema:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": {"type": "string"},
        "example": example,
    }


def _recommendation_paths() -> dict[str, Schema]:
    secured: list[dict[str, list[str]]] = [{"bearerAuth": []}]
    customer = _query_param("customer_id", "The shopper (omit for popular items).", "C-10023")
    return {
        "/api/v1/recommendations": {
            "get": {
                "operationId": "getRecommendations",
                "summary": "Suggestions for a shopper, each with its reason.",
                "security": secured,
                "parameters": [
                    customer,
                    _query_param("product_id", "What the suggestions should go with.", "P-1042"),
                    _query_param(
                        "about",
                        "What the shopper called it (up to 60 characters): the newest "
                        "product they bought whose name or category has these words, else "
                        "the best-selling such product. Ignored with product_id, or when "
                        "nothing matches.",
                        "tent",
                    ),
                    _query_param("limit", "1..10, default the policy's max_results.", "3"),
                    _query_param(
                        "merchant",
                        "The merchant (tenant key) the shopper is talking to: its policy "
                        "file's rules apply. Omitted: the backend's own policy "
                        "(MERCHANT_POLICY). A backend that serves one merchant "
                        "(no MERCHANT_POLICIES) applies its own policy to every request.",
                        "outdoor",
                    ),
                ],
                "responses": _responses(
                    _json("RecommendationList", "The suggestions, best first."),
                    {
                        "404": "Unknown customer (`customer_not_found`) or product "
                        "(`product_not_found`).",
                        "422": "A malformed id, about, limit or merchant "
                        "(`invalid_request`), or a merchant this backend has no rules for "
                        "(`unknown_merchant`).",
                    },
                ),
            }
        },
        "/api/v1/recommendations/clicks": {
            "post": {
                "operationId": "recordRecommendationClick",
                "summary": "Record that a shopper picked a suggestion (measuring, not buying).",
                "security": secured,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("ClickRequest")}},
                },
                "responses": _responses(
                    _json("Click", "Already recorded: the first record of this click."),
                    {
                        "400": "The body is not valid JSON (`invalid_json`).",
                        "404": "Unknown product (`product_not_found`) or customer "
                        "(`customer_not_found`).",
                        "422": "A missing or malformed field (`invalid_request`).",
                    },
                )
                | {"201": _json("Click", "The click, recorded now.")},
            },
            "get": {
                "operationId": "listRecommendationClicks",
                "summary": "The suggestions a shopper picked, newest first (at most 100).",
                "security": secured,
                "parameters": [{**customer, "required": True, "description": "The shopper."}],
                "responses": _responses(
                    _json("ClickList", "The clicks."),
                    {
                        "404": "No customer has this id (`customer_not_found`).",
                        "422": "customer_id is missing or malformed (`invalid_request`).",
                    },
                ),
            },
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
            "description": "Orders, customers and products of the store (the generated demo "
            "store or τ-bench's retail store), as described in docs/commerce-api.md, and the "
            "post-purchase changes. Every /api/v1 route needs a bearer token; every change "
            "needs an Idempotency-Key. Errors are "
            '`{"error": {"code", "message"}}` with a 4xx status; an unknown route answers '
            "`404 not_found` and a wrong method `405 method_not_allowed`.",
            "license": {"name": "Apache-2.0"},
        },
        "servers": [{"url": server_url}] if server_url else [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": {**_paths(), **_recommendation_paths()},
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "COMMERCE_API_TOKEN (local default `dev-commerce-token`).",
                }
            },
            "schemas": {**_schemas(), **_recommendation_schemas()},
        },
    }
    return copy.deepcopy(document)
