"""HTTP handlers of the v1 API and the JSON shapes of `docs/commerce-api.md`.

Handlers parse and validate input, call the repository, and turn its domain errors into
status codes; this is the only module that knows both. The serialisers below are the
contract: change a key here and the assistant's client breaks.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from aiohttp import web

from commerce.models import (
    Customer,
    Order,
    OrderLine,
    Payment,
    Product,
    ProductVariant,
    Refund,
    ReturnRequest,
    Shipment,
    TrackingEvent,
)
from commerce.openapi import build_openapi
from commerce.repository import (
    CommerceRepository,
    CustomerNotFound,
    InvalidArgument,
    OrderNotFound,
    ProductNotFound,
    VerificationFailed,
)

REPOSITORY_KEY = web.AppKey("repository", CommerceRepository)
OPENAPI_KEY = web.AppKey("openapi", dict)

DEFAULT_ORDER_LIST_LIMIT = 5
_UNSIGNED_INT = re.compile(r"^[0-9]{1,6}$")


# --- JSON encoding -------------------------------------------------------------------


def money(cents: int) -> Decimal:
    """Cents as an exact two-decimal amount (`11800` becomes `Decimal("118.00")`)."""
    return Decimal(cents).scaleb(-2)


def _encode(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, Decimal):
        out.append(format(value.quantize(Decimal("0.01")), "f"))
    elif isinstance(value, int | float | str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, Mapping):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            if index:
                out.append(", ")
            out.append(json.dumps(str(key), ensure_ascii=False))
            out.append(": ")
            _encode(item, out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(", ")
            _encode(item, out)
        out.append("]")
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def dumps(value: Any) -> str:
    """JSON text in which money keeps two decimals (`118.00`, not `118.0`).

    The standard encoder cannot print a `Decimal` as a bare number, and the contract shows
    money with two decimals, so this small encoder handles the few types the API emits.
    """
    out: list[str] = []
    _encode(value, out)
    return "".join(out)


def json_response(data: Any, *, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=dumps)


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> web.Response:
    """The contract's error body: `{"error": {"code": ..., "message": ...}}`."""
    response = json_response({"error": {"code": code, "message": message}}, status=status)
    if headers:
        response.headers.update(headers)
    return response


def iso_time(value: dt.datetime | None) -> str | None:
    """A naive UTC datetime as `2026-11-20T14:03:00Z`."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat() + "Z"


def iso_date(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


# --- Shapes --------------------------------------------------------------------------


def serialize_line(line: OrderLine) -> dict[str, Any]:
    return {
        "line_id": line.line_no,
        "product_id": line.product_id,
        "sku": line.sku,
        "product_name": line.product_name,
        "category": line.category,
        "options": dict(line.options),
        "quantity": line.quantity,
        "unit_price": money(line.unit_price_cents),
        "final_sale": bool(line.final_sale),
    }


def serialize_payment(payment: Payment) -> dict[str, Any]:
    return {
        "payment_id": payment.id,
        "method": {
            "payment_method_id": payment.method.id,
            "type": payment.method.type,
            "label": payment.method.label,
        },
        "amount": money(payment.amount_cents),
        "status": payment.status,
    }


def serialize_event(event: TrackingEvent) -> dict[str, Any]:
    return {
        "timestamp": iso_time(event.timestamp),
        "status": event.status,
        "description": event.description,
        "location": event.location,
    }


def serialize_shipment(shipment: Shipment | None) -> dict[str, Any] | None:
    if shipment is None:
        return None
    return {
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "tracking_url": shipment.tracking_url,
        "status": shipment.status,
        "shipped_at": iso_time(shipment.shipped_at),
        "promised_delivery_date": iso_date(shipment.promised_delivery_date),
        "estimated_delivery_date": iso_date(shipment.estimated_delivery_date),
        "delivered_at": iso_time(shipment.delivered_at),
        "events": [serialize_event(event) for event in shipment.events],
    }


def serialize_return(rma: ReturnRequest) -> dict[str, Any]:
    return {
        "rma_id": rma.id,
        "status": rma.status,
        "created_at": iso_time(rma.created_at),
        "resolution": rma.resolution,
        "line_ids": sorted(item.order_line.line_no for item in rma.lines),
        "reason": rma.reason,
    }


def serialize_refund(refund: Refund) -> dict[str, Any]:
    return {
        "refund_id": refund.id,
        "amount": money(refund.amount_cents),
        "method": refund.method,
        "status": refund.status,
        "created_at": iso_time(refund.created_at),
        "processed_at": iso_time(refund.processed_at),
    }


def serialize_order(order: Order) -> dict[str, Any]:
    """The full Order shape of the contract."""
    return {
        "order_id": order.id,
        "customer_id": order.customer_id,
        "status": order.status,
        "placed_at": iso_time(order.placed_at),
        "currency": order.currency,
        "subtotal": money(order.subtotal_cents),
        "shipping_cost": money(order.shipping_cost_cents),
        "total": money(order.total_cents),
        "lines": [serialize_line(line) for line in order.lines],
        "shipping_address": {
            "name": order.ship_name,
            "line1": order.ship_line1,
            "line2": order.ship_line2,
            "city": order.ship_city,
            "region": order.ship_region,
            "postcode": order.ship_postcode,
            "country": order.ship_country,
        },
        "payments": [serialize_payment(payment) for payment in order.payments],
        "shipment": serialize_shipment(order.shipment),
        "returns": [serialize_return(rma) for rma in order.returns],
        "refunds": [serialize_refund(refund) for refund in order.refunds],
    }


def serialize_order_summary(order: Order) -> dict[str, Any]:
    """OrderSummary: `item_count` counts units (quantities summed), not lines."""
    lines = list(order.lines)
    return {
        "order_id": order.id,
        "status": order.status,
        "placed_at": iso_time(order.placed_at),
        "total": money(order.total_cents),
        "currency": order.currency,
        "item_count": sum(line.quantity for line in lines),
        "first_item_name": lines[0].product_name if lines else None,
    }


def serialize_customer(customer: Customer) -> dict[str, Any]:
    return {
        "customer_id": customer.id,
        "name": customer.name,
        "email": customer.email,
        "phone": customer.phone,
        "postcode": customer.postcode,
    }


def serialize_variant(variant: ProductVariant) -> dict[str, Any]:
    return {
        "sku": variant.sku,
        "options": dict(variant.options),
        "price": money(variant.price_cents),
        "stock": variant.stock,
    }


def serialize_product(product: Product) -> dict[str, Any]:
    return {
        "product_id": product.id,
        "name": product.name,
        "category": product.category,
        "description": product.description,
        "price": money(product.price_cents),
        "final_sale": bool(product.final_sale),
        "attributes": dict(product.attributes),
        "variants": [serialize_variant(variant) for variant in product.variants],
    }


# --- Input ---------------------------------------------------------------------------


class BadRequest(Exception):
    """Input the handler cannot use; carries the status and error code to answer with."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """The request body as a JSON object; an empty body counts as `{}`.

    Raises:
        BadRequest: 400 `invalid_json` for text that is not JSON, 422 `invalid_request` for
            JSON that is not an object. An oversized body raises aiohttp's 413 first.
    """
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BadRequest(400, "invalid_json", "The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise BadRequest(422, "invalid_request", "The request body must be a JSON object.")
    return data


def parse_limit(raw: str | None) -> int:
    """`limit` as an integer; range checks belong to the repository."""
    if raw is None:
        return DEFAULT_ORDER_LIST_LIMIT
    if not _UNSIGNED_INT.match(raw.strip()):
        raise BadRequest(422, "invalid_request", "limit must be an integer between 1 and 50.")
    return int(raw.strip())


# --- Handlers ------------------------------------------------------------------------


async def health(_request: web.Request) -> web.Response:
    return json_response({"status": "ok"})


async def openapi_document(request: web.Request) -> web.Response:
    return json_response(request.app[OPENAPI_KEY])


async def get_order(request: web.Request) -> web.Response:
    reference = request.match_info["ref"]
    try:
        order = await request.app[REPOSITORY_KEY].get_order(reference)
    except OrderNotFound:
        return error_response(404, "order_not_found", "No order matches this reference.")
    return json_response(serialize_order(order))


async def verify_order(request: web.Request) -> web.Response:
    reference = request.match_info["ref"]
    try:
        body = await read_json_object(request)
    except BadRequest as error:
        return error_response(error.status, error.code, error.message)
    answer = body.get("answer")
    if not isinstance(answer, str) or not answer.strip():
        return error_response(
            422, "invalid_request", "answer must be a non-empty string (an e-mail or a postcode)."
        )
    try:
        order = await request.app[REPOSITORY_KEY].verify_order(reference, answer)
    except (VerificationFailed, InvalidArgument):
        return error_response(
            404, "verification_failed", "The order could not be verified with this answer."
        )
    return json_response({"order_id": order.id, "customer_id": order.customer_id})


async def get_customer(request: web.Request) -> web.Response:
    try:
        customer = await request.app[REPOSITORY_KEY].get_customer(request.match_info["customer_id"])
    except CustomerNotFound:
        return error_response(404, "customer_not_found", "No customer has this id.")
    return json_response(serialize_customer(customer))


async def find_customer(request: web.Request) -> web.Response:
    email = request.query.get("email", "")
    if not email.strip():
        return error_response(422, "invalid_request", "The email query parameter is required.")
    try:
        customer = await request.app[REPOSITORY_KEY].find_customer_by_email(email)
    except CustomerNotFound:
        return error_response(404, "customer_not_found", "No customer has this e-mail address.")
    return json_response(serialize_customer(customer))


async def list_customer_orders(request: web.Request) -> web.Response:
    try:
        limit = parse_limit(request.query.get("limit"))
        orders = await request.app[REPOSITORY_KEY].list_customer_orders(
            request.match_info["customer_id"], limit
        )
    except BadRequest as error:
        return error_response(error.status, error.code, error.message)
    except InvalidArgument as error:
        return error_response(422, "invalid_request", f"{error}.")
    except CustomerNotFound:
        return error_response(404, "customer_not_found", "No customer has this id.")
    return json_response({"orders": [serialize_order_summary(order) for order in orders]})


async def get_product(request: web.Request) -> web.Response:
    try:
        product = await request.app[REPOSITORY_KEY].get_product(request.match_info["product_id"])
    except ProductNotFound:
        return error_response(404, "product_not_found", "No product has this id.")
    return json_response(serialize_product(product))


API_PREFIX = "/api/v1"


def setup_routes(app: web.Application, *, server_url: str | None = None) -> None:
    """Register every route; `commerce.openapi` documents exactly these."""
    app[OPENAPI_KEY] = build_openapi(server_url=server_url)
    app.router.add_get("/health", health)
    app.router.add_get("/openapi.json", openapi_document)
    app.router.add_get(f"{API_PREFIX}/orders/{{ref}}", get_order)
    app.router.add_post(f"{API_PREFIX}/orders/{{ref}}/verify", verify_order)
    app.router.add_get(f"{API_PREFIX}/customers", find_customer)
    app.router.add_get(f"{API_PREFIX}/customers/{{customer_id}}", get_customer)
    app.router.add_get(f"{API_PREFIX}/customers/{{customer_id}}/orders", list_customer_orders)
    app.router.add_get(f"{API_PREFIX}/products/{{product_id}}", get_product)
