"""HTTP handlers of the v1 API, and the status code each domain error answers with.

Handlers read the query and body into the models of `commerce.query_params` and
`commerce.requests`, call the repository, and answer with the shapes `commerce.serialize`
builds; the route table (`commerce.routes`) pairs each with its path and documentation.
They raise, and the error middleware of `commerce.app` answers through `ERROR_ANSWERS`
(decision 20).

Every change (`POST` other than verify) follows one path: the `Idempotency-Key` header is
checked, the body parsed into its model (a broken rule is `422 invalid_request`), and the
repository applies the change and stores the rendered answer with the key in one
transaction; a replay comes back with `Idempotent-Replayed`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from commerce.changes import ReturnOutcome
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
from commerce.models import Claim, Customer, Order
from commerce.query_params import (
    ClaimListQuery,
    ClickListQuery,
    ConversionQuery,
    CustomerLookup,
    OrderListQuery,
    ProductSearchQuery,
    RecommendationQuery,
    parse_query,
)
from commerce.recommendations import SERVICE_KEY, Cursor
from commerce.repository import CommerceRepository
from commerce.requests import (
    AddressChangeRequest,
    BadRequest,
    CancelRequest,
    ClaimCreateRequest,
    ClickRequest,
    DefaultAddressRequest,
    ItemChangeRequest,
    PaymentMethodChangeRequest,
    ReturnCreateRequest,
    VerifyRequest,
    idempotency_key,
    invalid_request,
    parse_body,
    read_json_object,
)
from commerce.schemas import (
    ClaimList,
    ClickList,
    Health,
    OrderList,
    PaymentMethodList,
    RefundList,
    VerifyResult,
)
from commerce.serialize import (
    dumps,
    json_response,
    serialize_claim,
    serialize_click,
    serialize_conversions,
    serialize_customer,
    serialize_customer_profile,
    serialize_customer_refund,
    serialize_order,
    serialize_order_summary,
    serialize_payment_method,
    serialize_product,
    serialize_product_matches,
    serialize_return_request,
    serialize_suggestions,
)
from webkit.errors import error_response

REPOSITORY_KEY = web.AppKey("repository", CommerceRepository)
OPENAPI_KEY = web.AppKey("openapi", dict)
REPLAYED_HEADER = "Idempotent-Replayed"


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
    return json_response(Health(status="ok"))


async def openapi_document(request: web.Request) -> web.Response:
    return json_response(request.app[OPENAPI_KEY])


async def get_order(request: web.Request) -> web.Response:
    order = await request.app[REPOSITORY_KEY].get_order(request.match_info["ref"])
    return json_response(serialize_order(order))


async def verify_order(request: web.Request) -> web.Response:
    reference = request.match_info["ref"]
    body = parse_body(VerifyRequest, await read_json_object(request))
    try:
        order = await request.app[REPOSITORY_KEY].verify_order(reference, body.answer)
    except InvalidArgument:
        # an unusable answer is as wrong as a wrong one: the caller learns nothing more
        raise VerificationFailed(reference) from None
    return json_response(VerifyResult(order_id=order.id, customer_id=order.customer_id))


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
    query = parse_query(CustomerLookup, request.query)
    email, name = query.email or "", query.name or ""
    postcode, phone = query.postcode or "", query.phone or ""
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
    limit = parse_query(OrderListQuery, request.query).limit
    orders = await request.app[REPOSITORY_KEY].list_customer_orders(
        request.match_info["customer_id"], limit
    )
    return json_response(OrderList(orders=[serialize_order_summary(order) for order in orders]))


async def list_customer_payment_methods(request: web.Request) -> web.Response:
    methods = await request.app[REPOSITORY_KEY].list_customer_payment_methods(
        request.match_info["customer_id"]
    )
    shapes = [serialize_payment_method(method) for method in methods]
    return json_response(PaymentMethodList(payment_methods=shapes))


async def list_customer_refunds(request: web.Request) -> web.Response:
    refunds = await request.app[REPOSITORY_KEY].list_customer_refunds(
        request.match_info["customer_id"]
    )
    return json_response(RefundList(refunds=[serialize_customer_refund(r) for r in refunds]))


async def list_customer_claims(request: web.Request) -> web.Response:
    days = parse_query(ClaimListQuery, request.query).days
    claims = await request.app[REPOSITORY_KEY].list_customer_claims(
        request.match_info["customer_id"], days
    )
    return json_response(ClaimList(claims=[serialize_claim(claim) for claim in claims]))


async def search_products(request: web.Request) -> web.Response:
    query = parse_query(ProductSearchQuery, request.query)
    found = await request.app[REPOSITORY_KEY].search_products(query.q, query.limit)
    return json_response(serialize_product_matches(found))


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


def _profile_answer(customer: Customer) -> Answer:
    return Answer(200, dumps(serialize_customer_profile(customer)))


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
    reference = request.match_info.get("ref") or request.match_info["customer_id"]
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
        reason = parse_body(CancelRequest, body).reason
        return await repo.cancel_order(ticket, ref, reason, _order_answer)

    return await _apply_change(request, run)


async def change_address(request: web.Request) -> web.Response:
    async def run(
        repo: CommerceRepository, ticket: IdempotentRequest, ref: str, body: dict[str, Any]
    ) -> Answer:
        address = parse_body(AddressChangeRequest, body).to_input()
        return await repo.change_address(ticket, ref, address, _order_answer)

    return await _apply_change(request, run)


async def change_default_address(request: web.Request) -> web.Response:
    async def run(
        repo: CommerceRepository, ticket: IdempotentRequest, ref: str, body: dict[str, Any]
    ) -> Answer:
        address = parse_body(DefaultAddressRequest, body).to_input()
        return await repo.change_default_address(ticket, ref, address, _profile_answer)

    return await _apply_change(request, run)


async def change_payment_method(request: web.Request) -> web.Response:
    async def run(
        repo: CommerceRepository, ticket: IdempotentRequest, ref: str, body: dict[str, Any]
    ) -> Answer:
        method = parse_body(PaymentMethodChangeRequest, body).payment_method_id
        return await repo.change_payment_method(ticket, ref, method, _order_answer)

    return await _apply_change(request, run)


async def change_items(request: web.Request) -> web.Response:
    async def run(
        repo: CommerceRepository, ticket: IdempotentRequest, ref: str, body: dict[str, Any]
    ) -> Answer:
        change = parse_body(ItemChangeRequest, body)
        return await repo.change_items(
            ticket, ref, change.swaps(), change.payment_method_id, _order_answer
        )

    return await _apply_change(request, run)


async def request_return(request: web.Request) -> web.Response:
    async def run(
        repo: CommerceRepository, ticket: IdempotentRequest, ref: str, body: dict[str, Any]
    ) -> Answer:
        rma = parse_body(ReturnCreateRequest, body).to_input()
        return await repo.request_return(ticket, ref, rma, _return_answer)

    return await _apply_change(request, run)


async def file_claim(request: web.Request) -> web.Response:
    async def run(
        repo: CommerceRepository, ticket: IdempotentRequest, ref: str, body: dict[str, Any]
    ) -> Answer:
        claim = parse_body(ClaimCreateRequest, body).to_input()
        return await repo.file_claim(ticket, ref, claim, _claim_answer)

    return await _apply_change(request, run)


# --- Recommendations -------------------------------------------------------------------


async def get_recommendations(request: web.Request) -> web.Response:
    """`GET /api/v1/recommendations?customer_id=&product_id=&about=&limit=&merchant=`."""
    service = request.app[SERVICE_KEY]
    query = parse_query(RecommendationQuery, request.query)
    try:
        policy = service.policy_for(query.merchant)
    except MerchantNotFound:
        known = ", ".join(sorted(service.merchants))
        raise MerchantNotFound(
            f"This backend has no recommendation rules for merchant {query.merchant!r} "
            f"(it serves: {known})"
        ) from None
    limit = query.limit or policy.max_results
    suggestions = await service.suggest(
        query.customer_id, query.product_id, limit, query.about, policy
    )
    return json_response(serialize_suggestions(suggestions))


async def post_click(request: web.Request) -> web.Response:
    """`POST /api/v1/recommendations/clicks`: 201 the first time, 200 for a repeat."""
    click = parse_body(ClickRequest, await read_json_object(request))
    recorded, created = await request.app[SERVICE_KEY].record_click(
        click.recommendation_id, click.product_id, click.customer_id, click.position
    )
    return json_response(serialize_click(recorded), status=201 if created else 200)


async def get_clicks(request: web.Request) -> web.Response:
    """`GET /api/v1/recommendations/clicks?customer_id=`: what a shopper picked."""
    customer_id = parse_query(ClickListQuery, request.query).customer_id
    clicks = await request.app[SERVICE_KEY].clicks(customer_id)
    return json_response(ClickList(clicks=[serialize_click(click) for click in clicks]))


async def get_conversions(request: web.Request) -> web.Response:
    """`GET /api/v1/recommendations/conversions`: clicks a purchase followed, oldest first.

    A parameter it cannot use is `400 invalid_request` naming it, as its contract says (the
    older reads answer such a query with 422).
    """
    try:
        query = parse_query(ConversionQuery, request.query)
    except BadRequest as error:
        raise BadRequest(400, error.code, error.message) from None
    after = Cursor.decode(query.after) if query.after is not None else None
    page = await request.app[SERVICE_KEY].conversions(
        query.since, query.until, query.window_days, query.limit, after
    )
    return json_response(serialize_conversions(page, query.window_days))
