"""HTTP handlers of the v1 API and the JSON shapes of `docs/commerce-api.md`.

Handlers parse and validate input, call the repository, and turn its domain errors into
status codes; this is the only module that knows both. The serialisers below are the
contract: change a key here and the assistant's client breaks.

Every change (`POST` other than verify) follows one path: the `Idempotency-Key` header is
checked, the body parsed into the typed inputs of `commerce.changes` (shape errors are
`422 invalid_request`), and the repository applies the change and stores the rendered
answer with the key in one transaction; a replay comes back with `Idempotent-Replayed`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Any

from aiohttp import web

from commerce.changes import (
    ClaimInput,
    ItemSwap,
    ReturnInput,
    ReturnOutcome,
    validate_address,
)
from commerce.errors import (
    AlreadyClaimed,
    AlreadyReturned,
    CommerceError,
    CustomerNotFound,
    IdempotencyKeyReused,
    InsufficientGiftCardBalance,
    InvalidAddress,
    InvalidArgument,
    InvalidItemChange,
    InvalidOrderState,
    InvalidPaymentMethod,
    MerchantNotFound,
    OrderNotFound,
    OutOfStock,
    ProductNotFound,
    UnknownLine,
    VerificationFailed,
)
from commerce.idempotency import Answer, IdempotentRequest, body_hash
from commerce.models import (
    CANCEL_REASONS,
    CLAIM_KINDS,
    CLAIM_REMEDIES,
    RETURN_RESOLUTIONS,
    Claim,
    Customer,
    Order,
    OrderLine,
    Payment,
    PaymentMethod,
    Product,
    ProductVariant,
    Refund,
    ReturnRequest,
    Shipment,
    TrackingEvent,
)
from commerce.openapi import build_openapi
from commerce.repository import CommerceRepository
from webkit.errors import error_response

REPOSITORY_KEY = web.AppKey("repository", CommerceRepository)
OPENAPI_KEY = web.AppKey("openapi", dict)

DEFAULT_ORDER_LIST_LIMIT = 5
DEFAULT_CLAIM_DAYS = 90
_UNSIGNED_INT = re.compile(r"^[0-9]{1,6}$")
IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_IDEMPOTENCY_KEY = re.compile(r"^[\x20-\x7e]{1,100}$")
MAX_REASON_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 2000
MAX_LINES_PER_REQUEST = 50


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
        "items_modified": bool(order.items_modified),
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


def serialize_method_ref(method: PaymentMethod) -> dict[str, Any]:
    return {"payment_method_id": method.id, "type": method.type, "label": method.label}


def serialize_payment_method(method: PaymentMethod) -> dict[str, Any]:
    """A stored method; gift cards add their spendable `balance`."""
    shape = serialize_method_ref(method)
    if method.type == "gift_card":
        shape["balance"] = money(method.gift_card_balance_cents or 0)
    return shape


def serialize_customer_refund(refund: Refund) -> dict[str, Any]:
    return {**serialize_refund(refund), "order_id": refund.order_id}


def serialize_claim(claim: Claim) -> dict[str, Any]:
    return {
        "claim_id": claim.id,
        "order_id": claim.order_id,
        "kind": claim.kind,
        "remedy": claim.remedy,
        "amount": money(claim.amount_cents),
        "status": claim.status,
        "line_ids": sorted(item.order_line.line_no for item in claim.lines),
        "created_at": iso_time(claim.created_at),
    }


def serialize_return_request(outcome: ReturnOutcome) -> dict[str, Any]:
    """The answer to a new return: the Return shape plus money, exchanges and next steps."""
    rma = outcome.rma
    return {
        **serialize_return(rma),
        "order_id": outcome.order.id,
        "order_status": outcome.order.status,
        "refund_amount": money(rma.refund_amount_cents),
        "refund_to": serialize_method_ref(rma.refund_method) if rma.refund_method else None,
        "exchanges": [
            {"line_id": item.order_line.line_no, "new_sku": item.exchange_sku}
            for item in sorted(rma.lines, key=lambda item: item.order_line.line_no)
            if item.exchange_sku is not None
        ],
        "instructions": outcome.instructions,
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


def parse_days(raw: str | None) -> int:
    """`days` as an integer; range checks belong to the repository."""
    if raw is None:
        return DEFAULT_CLAIM_DAYS
    if not _UNSIGNED_INT.match(raw.strip()):
        raise BadRequest(422, "invalid_request", "days must be an integer between 1 and 3650.")
    return int(raw.strip())


def idempotency_key(request: web.Request) -> str:
    """The `Idempotency-Key` header: 1 to 100 printable ASCII characters.

    Raises:
        BadRequest: 422 `idempotency_key_required` when missing or blank,
            422 `invalid_idempotency_key` when too long or not printable ASCII.
    """
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if not key:
        raise BadRequest(
            422,
            "idempotency_key_required",
            f"Changes need an {IDEMPOTENCY_HEADER} header (1 to 100 printable ASCII characters).",
        )
    if not _IDEMPOTENCY_KEY.match(key):
        raise BadRequest(
            422,
            "invalid_idempotency_key",
            f"{IDEMPOTENCY_HEADER} must be 1 to 100 printable ASCII characters.",
        )
    return key


def invalid_request(message: str) -> BadRequest:
    """A 422 `invalid_request` naming what is wrong with the input."""
    return BadRequest(422, "invalid_request", message)


def _text(body: Mapping[str, Any], field: str, *, limit: int, required: bool = True) -> str | None:
    value = body.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise invalid_request(f"{field} must be a non-empty string.")
    if len(value) > limit:
        raise invalid_request(f"{field} must be at most {limit} characters.")
    return value.strip()


def _choice(body: Mapping[str, Any], field: str, choices: tuple[str, ...]) -> str:
    value = body.get(field)
    if value not in choices:
        raise invalid_request(f"{field} must be one of: {', '.join(choices)}.")
    return str(value)


def _line_id(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10**6:
        raise invalid_request(f"{where} must be a positive integer.")
    return value


def _line_ids(body: Mapping[str, Any]) -> tuple[int, ...]:
    raw = body.get("line_ids")
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_LINES_PER_REQUEST:
        raise invalid_request(f"line_ids must be a list of 1 to {MAX_LINES_PER_REQUEST} line ids.")
    ids = tuple(_line_id(value, "each of line_ids") for value in raw)
    if len(set(ids)) != len(ids):
        raise invalid_request("line_ids must not repeat a line.")
    return ids


def _swaps(raw: Any, field: str) -> tuple[ItemSwap, ...]:
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_LINES_PER_REQUEST:
        raise invalid_request(f"{field} must be a list of 1 to {MAX_LINES_PER_REQUEST} changes.")
    swaps = []
    for item in raw:
        if not isinstance(item, dict):
            raise invalid_request(f"each of {field} must be an object with line_id and new_sku.")
        line_id = _line_id(item.get("line_id"), f"{field}[].line_id")
        new_sku = _text(item, "new_sku", limit=64)
        swaps.append(ItemSwap(line_id=line_id, new_sku=str(new_sku)))
    if len({swap.line_id for swap in swaps}) != len(swaps):
        raise invalid_request(f"{field} must not change a line twice.")
    return tuple(swaps)


def parse_return(body: Mapping[str, Any]) -> ReturnInput:
    line_ids = _line_ids(body)
    reason = str(_text(body, "reason", limit=MAX_REASON_LENGTH))
    resolution = _choice(body, "resolution", RETURN_RESOLUTIONS)
    method = _text(body, "payment_method_id", limit=64, required=False)
    exchanges: tuple[ItemSwap, ...] = ()
    if resolution == "exchange":
        exchanges = _swaps(body.get("exchanges"), "exchanges")
        if {swap.line_id for swap in exchanges} != set(line_ids):
            raise invalid_request("exchanges must name a new_sku for every line in line_ids.")
    elif body.get("exchanges") not in (None, []):
        raise invalid_request("exchanges are only for resolution exchange.")
    return ReturnInput(line_ids, reason, resolution, method, exchanges)


def parse_claim(body: Mapping[str, Any]) -> ClaimInput:
    kind = _choice(body, "kind", CLAIM_KINDS)
    line_ids = _line_ids(body)
    remedy = _choice(body, "remedy", CLAIM_REMEDIES)
    description = _text(body, "description", limit=MAX_DESCRIPTION_LENGTH, required=False)
    return ClaimInput(kind, line_ids, remedy, description)


# --- Errors --------------------------------------------------------------------------

# Every domain error and the answer it becomes, for every route (the error middleware in
# `commerce.app` applies it). Lookups that fail carry the value looked up (an e-mail, a name)
# in their exception, so they answer with the fixed message here; the other errors' messages
# are written for the caller and go out as they are (None below).
ERROR_ANSWERS: dict[type[CommerceError], tuple[int, str, str | None]] = {
    OrderNotFound: (404, "order_not_found", "No order matches this reference."),
    VerificationFailed: (
        404,
        "verification_failed",
        "The order could not be verified with this answer.",
    ),
    CustomerNotFound: (404, "customer_not_found", "No customer matches these details."),
    ProductNotFound: (404, "product_not_found", "No product has this id."),
    MerchantNotFound: (422, "unknown_merchant", None),
    InvalidArgument: (422, "invalid_request", None),
    InvalidOrderState: (409, "invalid_order_state", None),
    AlreadyReturned: (409, "already_returned", None),
    AlreadyClaimed: (409, "already_claimed", None),
    OutOfStock: (409, "out_of_stock", None),
    IdempotencyKeyReused: (409, "idempotency_key_reused", None),
    InvalidAddress: (422, "invalid_address", None),
    InvalidPaymentMethod: (422, "invalid_payment_method", None),
    InsufficientGiftCardBalance: (422, "insufficient_gift_card_balance", None),
    InvalidItemChange: (422, "invalid_item_change", None),
    UnknownLine: (422, "unknown_line", None),
}


def domain_error_response(error: CommerceError | BadRequest) -> web.Response:
    """The JSON error answer for a domain error or a bad request, from the table above.

    Raises:
        TypeError: for a domain error missing from the table (a bug: answered with a 500).
    """
    if isinstance(error, BadRequest):
        return error_response(error.status, error.code, error.message)
    for kind in type(error).__mro__:
        if kind in ERROR_ANSWERS:
            status, code, fixed = ERROR_ANSWERS[kind]
            message = fixed or str(error).rstrip(".") + "."
            return error_response(status, code, message)
    raise TypeError(f"{type(error).__name__} has no entry in ERROR_ANSWERS")


# --- Handlers ------------------------------------------------------------------------


async def health(_request: web.Request) -> web.Response:
    return json_response({"status": "ok"})


async def openapi_document(request: web.Request) -> web.Response:
    return json_response(request.app[OPENAPI_KEY])


async def get_order(request: web.Request) -> web.Response:
    order = await request.app[REPOSITORY_KEY].get_order(request.match_info["ref"])
    return json_response(serialize_order(order))


async def verify_order(request: web.Request) -> web.Response:
    reference = request.match_info["ref"]
    body = await read_json_object(request)
    answer = body.get("answer")
    if not isinstance(answer, str) or not answer.strip():
        raise invalid_request("answer must be a non-empty string (an e-mail or a postcode).")
    try:
        order = await request.app[REPOSITORY_KEY].verify_order(reference, answer)
    except InvalidArgument:
        # an unusable answer is as wrong as a wrong one: the caller learns nothing more
        raise VerificationFailed(reference) from None
    return json_response({"order_id": order.id, "customer_id": order.customer_id})


async def get_customer(request: web.Request) -> web.Response:
    customer = await request.app[REPOSITORY_KEY].get_customer(request.match_info["customer_id"])
    return json_response(serialize_customer(customer))


def _filled(*values: str) -> tuple[bool, ...]:
    return tuple(bool(v.strip()) for v in values)


async def find_customer(request: web.Request) -> web.Response:
    """By `email`, by `phone` (an SMS sender), by `email` and `postcode` (a shopper without an
    order number at hand), or by `name` and `postcode` (τ-bench's way).

    A lookup value that cannot match (a phone with too few digits) answers like one that does
    not match: 404.
    """
    email = request.query.get("email", "")
    name = request.query.get("name", "")
    postcode = request.query.get("postcode", "")
    phone = request.query.get("phone", "")
    repository = request.app[REPOSITORY_KEY]
    lookups: dict[tuple[bool, ...], Callable[[], Awaitable[Customer]]] = {
        (False, False, False, True): lambda: repository.find_customer_by_phone(phone),
        (True, False, False, False): lambda: repository.find_customer_by_email(email),
        (True, False, True, False): lambda: repository.find_customer_by_email_and_postcode(
            email, postcode
        ),
        (False, True, True, False): lambda: repository.find_customer_by_name(name, postcode),
    }
    lookup = lookups.get(_filled(email, name, postcode, phone))
    if lookup is None:
        raise invalid_request(
            "Give the email or the phone query parameter alone, or name and postcode, or email "
            "and postcode."
        )
    try:
        customer = await lookup()
    except InvalidArgument:
        raise CustomerNotFound("lookup") from None
    return json_response(serialize_customer(customer))


async def list_customer_orders(request: web.Request) -> web.Response:
    limit = parse_limit(request.query.get("limit"))
    orders = await request.app[REPOSITORY_KEY].list_customer_orders(
        request.match_info["customer_id"], limit
    )
    return json_response({"orders": [serialize_order_summary(order) for order in orders]})


async def list_customer_payment_methods(request: web.Request) -> web.Response:
    methods = await request.app[REPOSITORY_KEY].list_customer_payment_methods(
        request.match_info["customer_id"]
    )
    return json_response({"payment_methods": [serialize_payment_method(m) for m in methods]})


async def list_customer_refunds(request: web.Request) -> web.Response:
    refunds = await request.app[REPOSITORY_KEY].list_customer_refunds(
        request.match_info["customer_id"]
    )
    return json_response({"refunds": [serialize_customer_refund(r) for r in refunds]})


async def list_customer_claims(request: web.Request) -> web.Response:
    days = parse_days(request.query.get("days"))
    claims = await request.app[REPOSITORY_KEY].list_customer_claims(
        request.match_info["customer_id"], days
    )
    return json_response({"claims": [serialize_claim(claim) for claim in claims]})


async def get_product(request: web.Request) -> web.Response:
    product = await request.app[REPOSITORY_KEY].get_product(request.match_info["product_id"])
    return json_response(serialize_product(product))


# --- Changes -------------------------------------------------------------------------


def _answer_response(answer: Answer) -> web.Response:
    response = web.Response(text=answer.body, status=answer.status, content_type="application/json")
    if answer.replayed:
        response.headers[REPLAYED_HEADER] = "true"
    return response


def _order_answer(order: Order) -> Answer:
    return Answer(200, dumps(serialize_order(order)))


def _return_answer(outcome: ReturnOutcome) -> Answer:
    return Answer(201, dumps(serialize_return_request(outcome)))


def _claim_answer(claim: Claim) -> Answer:
    return Answer(201, dumps(serialize_claim(claim)))


ChangeRunner = Callable[
    [CommerceRepository, IdempotentRequest, str, dict[str, Any]], Awaitable[Answer]
]


async def _apply_change(request: web.Request, run: ChangeRunner) -> web.Response:
    """The path every change takes: key, body, idempotent apply, answer.

    `run` parses the body (raising `BadRequest`) and calls one repository change; its domain
    errors reach the error middleware like every handler's.
    """
    reference = request.match_info["ref"]
    key = idempotency_key(request)
    body = await read_json_object(request)
    resource = request.match_info.route.resource
    template = resource.canonical if resource is not None else request.path
    ticket = IdempotentRequest(
        key=key, route=f"{request.method} {template}", body_hash=body_hash(body)
    )
    answer = await run(request.app[REPOSITORY_KEY], ticket, reference, body)
    return _answer_response(answer)


async def cancel_order(request: web.Request) -> web.Response:
    async def run(
        repo: CommerceRepository, ticket: IdempotentRequest, ref: str, body: dict[str, Any]
    ) -> Answer:
        reason = _choice(body, "reason", CANCEL_REASONS)
        return await repo.cancel_order(ticket, ref, reason, _order_answer)

    return await _apply_change(request, run)


async def change_address(request: web.Request) -> web.Response:
    async def run(
        repo: CommerceRepository, ticket: IdempotentRequest, ref: str, body: dict[str, Any]
    ) -> Answer:
        raw = body.get("address")
        if not isinstance(raw, dict):
            raise invalid_request("address must be an object.")
        return await repo.change_address(ticket, ref, validate_address(raw), _order_answer)

    return await _apply_change(request, run)


async def change_payment_method(request: web.Request) -> web.Response:
    async def run(
        repo: CommerceRepository, ticket: IdempotentRequest, ref: str, body: dict[str, Any]
    ) -> Answer:
        method = str(_text(body, "payment_method_id", limit=64))
        return await repo.change_payment_method(ticket, ref, method, _order_answer)

    return await _apply_change(request, run)


async def change_items(request: web.Request) -> web.Response:
    async def run(
        repo: CommerceRepository, ticket: IdempotentRequest, ref: str, body: dict[str, Any]
    ) -> Answer:
        swaps = _swaps(body.get("changes"), "changes")
        method = str(_text(body, "payment_method_id", limit=64))
        return await repo.change_items(ticket, ref, swaps, method, _order_answer)

    return await _apply_change(request, run)


async def request_return(request: web.Request) -> web.Response:
    async def run(
        repo: CommerceRepository, ticket: IdempotentRequest, ref: str, body: dict[str, Any]
    ) -> Answer:
        return await repo.request_return(ticket, ref, parse_return(body), _return_answer)

    return await _apply_change(request, run)


async def file_claim(request: web.Request) -> web.Response:
    async def run(
        repo: CommerceRepository, ticket: IdempotentRequest, ref: str, body: dict[str, Any]
    ) -> Answer:
        return await repo.file_claim(ticket, ref, parse_claim(body), _claim_answer)

    return await _apply_change(request, run)


API_PREFIX = "/api/v1"


def setup_routes(app: web.Application, *, server_url: str | None = None) -> None:
    """Register every route; `commerce.openapi` documents exactly these."""
    app[OPENAPI_KEY] = build_openapi(server_url=server_url)
    app.router.add_get("/health", health)
    app.router.add_get("/openapi.json", openapi_document)
    app.router.add_get(f"{API_PREFIX}/orders/{{ref}}", get_order)
    app.router.add_post(f"{API_PREFIX}/orders/{{ref}}/verify", verify_order)
    app.router.add_post(f"{API_PREFIX}/orders/{{ref}}/cancel", cancel_order)
    app.router.add_post(f"{API_PREFIX}/orders/{{ref}}/address", change_address)
    app.router.add_post(f"{API_PREFIX}/orders/{{ref}}/payment-method", change_payment_method)
    app.router.add_post(f"{API_PREFIX}/orders/{{ref}}/items", change_items)
    app.router.add_post(f"{API_PREFIX}/orders/{{ref}}/returns", request_return)
    app.router.add_post(f"{API_PREFIX}/orders/{{ref}}/claims", file_claim)
    app.router.add_get(f"{API_PREFIX}/customers", find_customer)
    app.router.add_get(f"{API_PREFIX}/customers/{{customer_id}}", get_customer)
    app.router.add_get(f"{API_PREFIX}/customers/{{customer_id}}/orders", list_customer_orders)
    customer = f"{API_PREFIX}/customers/{{customer_id}}"
    app.router.add_get(f"{customer}/payment-methods", list_customer_payment_methods)
    app.router.add_get(f"{customer}/refunds", list_customer_refunds)
    app.router.add_get(f"{customer}/claims", list_customer_claims)
    app.router.add_get(f"{API_PREFIX}/products/{{product_id}}", get_product)
