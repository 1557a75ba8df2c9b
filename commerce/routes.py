"""The route table: every route of the service with its handler, models and documentation.

`setup_routes` registers exactly these, and `commerce.openapi` writes the OpenAPI document
from the same rows (paths from here, schemas from the models they name), so a route cannot
be served undocumented or documented with a shape it does not take or give.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from pydantic import BaseModel

from commerce import api
from commerce.query_params import (
    ClaimListQuery,
    ClickListQuery,
    ConversionQuery,
    CustomerLookup,
    OrderListQuery,
    ProductSearchQuery,
    RecommendationQuery,
)
from commerce.requests import (
    IDEMPOTENCY_HEADER,
    AddressChangeRequest,
    CancelRequest,
    ClaimCreateRequest,
    ClickRequest,
    DefaultAddressRequest,
    ItemChangeRequest,
    PaymentMethodChangeRequest,
    ReturnCreateRequest,
    VerifyRequest,
)
from commerce.schemas import (
    Claim,
    ClaimList,
    Click,
    ClickList,
    ConversionList,
    Customer,
    CustomerProfile,
    Health,
    Order,
    OrderList,
    PaymentMethodList,
    Product,
    ProductList,
    RecommendationList,
    RefundList,
    ReturnRequest,
    VerifyResult,
)

API_PREFIX = "/api/v1"


@dataclass(frozen=True)
class Param:
    """A path or header parameter, as the document shows it."""

    name: str
    location: str
    description: str | None = None
    example: str | None = None
    required: bool = False
    schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "string"})


@dataclass(frozen=True)
class Route:
    """One operation: what serves it, what it reads and answers, and how it refuses.

    `answer` is the shape sent with `status` (None: any JSON object) and `answered` says what
    it means; `also` lists other success statuses with the same shape. `params` are the path
    and header parameters, `query` the model of the query string. `errors` describes each 4xx
    status with the codes behind it; a `secured` route adds 401, and a `change` documents the
    replay header on its answer.
    """

    method: str
    path: str
    handler: Handler
    operation_id: str
    summary: str
    answer: type[BaseModel] | None
    answered: str
    description: str | None = None
    params: tuple[Param, ...] = ()
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    status: int = 200
    also: Mapping[int, str] = field(default_factory=dict)
    errors: Mapping[int, str] = field(default_factory=dict)
    secured: bool = True
    change: bool = False


def _path(name: str, description: str, example: str) -> Param:
    return Param(name, "path", description, example, required=True)


ORDER_REF = _path(
    "ref",
    "Order reference as the shopper typed it (`AC-104233`, `ac104233`, `#104233` URL-encoded "
    "as `%23104233`, `104233`; τ-bench's `#W2378156`, `W2378156`, `w2378156`). Upper-cased and "
    "stripped to letters and digits, then matched against the order id, or, when only digits "
    "remain, against the digits of the order id.",
    "AC-104233",
)
CUSTOMER_ID = _path(
    "customer_id", "Customer id (`C-10023`, τ-bench's `noah_brown_6181`).", "C-10023"
)
IDEMPOTENCY_KEY = Param(
    IDEMPOTENCY_HEADER,
    "header",
    "Identifies this change. Repeating a request with the same key and body replays the "
    "first answer (header `Idempotent-Replayed: true`) and changes nothing; the same key with "
    "another request is `409 idempotency_key_reused`.",
    "3f0c5a4e-2b51-4d7f-9a39-6a3a4b9e1c20",
    required=True,
    schema={"type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[ -~]+$"},
)
NO_CUSTOMER = "No customer has this id (`customer_not_found`)."
BAD_BODY = {
    400: "The body is not valid JSON (`invalid_json`).",
    413: "The body is too large (`payload_too_large`).",
}


def _change(
    action: str,
    handler: Handler,
    operation_id: str,
    summary: str,
    description: str,
    body: type[BaseModel],
    answer: tuple[int, type[BaseModel], str],
    conflicts: list[str],
    invalid: list[str],
) -> Route:
    """A change: idempotency key, JSON body, success answer and the refusals it can give."""
    status, shape, answered = answer
    conflict = ["the key was used for another request (`idempotency_key_reused`)", *conflicts]
    unprocessable = [
        "the Idempotency-Key header is missing (`idempotency_key_required`) or is not 1 to 100 "
        "printable ASCII characters (`invalid_idempotency_key`)",
        "the body does not have the documented shape (`invalid_request`, naming the field)",
        *invalid,
    ]
    return Route(
        "POST",
        f"{API_PREFIX}/orders/{{ref}}/{action}",
        handler,
        operation_id,
        summary,
        shape,
        answered,
        description=description,
        params=(ORDER_REF, IDEMPOTENCY_KEY),
        body=body,
        status=status,
        errors={
            **BAD_BODY,
            404: "No order matches (`order_not_found`).",
            409: "Refused: " + "; ".join(conflict) + ".",
            422: "Refused: " + "; ".join(unprocessable) + ".",
        },
        change=True,
    )


BAD_STATE = "the order's status does not allow it (`invalid_order_state`, with the status)"
BAD_METHOD = (
    "the payment method is not the customer's or cannot be used here (`invalid_payment_method`)"
)
BAD_GIFT_CARD = "a gift card does not cover the charge (`insufficient_gift_card_balance`)"
BAD_ITEMS = [
    "a line id is not a line of the order (`unknown_line`)",
    "a new SKU is unknown, of another product, or (changing items of a pending order) the "
    "current one (`invalid_item_change`)",
]
NO_STOCK = "a new SKU is out of stock (`out_of_stock`)"
ORDER_CHANGED = (200, Order, "The order after the change.")

CHANGES = (
    _change(
        "cancel",
        api.cancel_order,
        "cancelOrder",
        "Cancel an order that has not shipped.",
        "Only `pending`, `paid` or `packed` orders. Authorised payments are voided; captured "
        "ones are refunded to their method (gift card: `processed` at once, others `pending`).",
        CancelRequest,
        ORDER_CHANGED,
        [BAD_STATE],
        [],
    ),
    _change(
        "address",
        api.change_address,
        "changeShippingAddress",
        "Send an order that has not shipped to another address.",
        "Only `pending`, `paid` or `packed` orders.",
        AddressChangeRequest,
        ORDER_CHANGED,
        [BAD_STATE],
        [
            "the address is not a US address with a ZIP (`12345` or `12345-6789`) and a "
            "two-letter state, or a field is missing (`invalid_address`)"
        ],
    ),
    _change(
        "payment-method",
        api.change_payment_method,
        "changePaymentMethod",
        "Pay a pending order with another of the customer's methods.",
        "Only `pending` orders. What the old methods hold is voided or refunded and the new "
        "method pays the same amount.",
        PaymentMethodChangeRequest,
        ORDER_CHANGED,
        [BAD_STATE],
        [BAD_METHOD + ", or the order is already paid with it", BAD_GIFT_CARD],
    ),
    _change(
        "items",
        api.change_items,
        "changeItems",
        "Change items of a pending order to other variants of the same products, once.",
        "Only `pending` orders whose items were not changed before; afterwards "
        "`items_modified` is true. The price difference is charged to, or refunded through, "
        "`payment_method_id`.",
        ItemChangeRequest,
        ORDER_CHANGED,
        [BAD_STATE + ", or the items were already changed once", NO_STOCK],
        [*BAD_ITEMS, BAD_METHOD, BAD_GIFT_CARD],
    ),
    _change(
        "returns",
        api.request_return,
        "requestReturn",
        "Return delivered lines for a refund, store credit or an exchange.",
        "Only `delivered` orders; the order becomes `return_requested` (or "
        "`exchange_requested`). The refund is issued when the parcel arrives; a dearer "
        "exchange is charged now.",
        ReturnCreateRequest,
        (201, ReturnRequest, "The new RMA, with the refund amount and instructions."),
        [
            "a line is already in a return, or was refunded by a claim (`already_returned`)",
            BAD_STATE,
            NO_STOCK,
        ],
        [*BAD_ITEMS, BAD_METHOD, BAD_GIFT_CARD],
    ),
    _change(
        "claims",
        api.file_claim,
        "fileClaim",
        "Report a damaged, missing or wrong item, or a parcel that never arrived.",
        "Only orders that have shipped. The `refund` remedy refunds the lines' value to the "
        "payments at once (gift card `processed`, others `pending`).",
        ClaimCreateRequest,
        (201, Claim, "The recorded claim."),
        [
            BAD_STATE,
            "a line is already in a claim (`already_claimed`)",
            "a line is in a return (`already_returned`)",
        ],
        [BAD_ITEMS[0]],
    ),
)


RECOMMENDATIONS = f"{API_PREFIX}/recommendations"
CUSTOMERS = f"{API_PREFIX}/customers"

ROUTES: tuple[Route, ...] = (
    Route("GET", "/health", api.health, "health", "Liveness check.", Health,
          "The service is up.", secured=False),
    Route("GET", "/openapi.json", api.openapi_document, "openapi", "This document.", None,
          "The OpenAPI 3.0 document.", secured=False),
    Route("GET", f"{API_PREFIX}/orders/{{ref}}", api.get_order, "getOrder",
          "Look up an order by a loosely typed reference.", Order, "The order.",
          params=(ORDER_REF,), errors={404: "No order matches (`order_not_found`)."}),
    Route("POST", f"{API_PREFIX}/orders/{{ref}}/verify", api.verify_order, "verifyOrder",
          "Check that the shopper knows the order's e-mail or postcode.", VerifyResult,
          "The answer matches the order.",
          description="An unknown order and a wrong answer give the same 404, so the endpoint "
          "reveals nothing about which orders exist.",
          params=(ORDER_REF,), body=VerifyRequest,
          errors={**BAD_BODY,
                  404: "Unknown order or wrong answer (`verification_failed`).",
                  422: "`answer` is missing, empty or not a string, or the body is not a JSON "
                  "object (`invalid_request`)."}),
    *CHANGES,
    Route("GET", CUSTOMERS, api.find_customer, "findCustomer",
          "Find a customer by e-mail, by phone, by full name and postcode, or by e-mail and "
          "postcode.", Customer, "The customer.",
          description="Give `email` alone (case-insensitive, trimmed), `phone` alone (compared "
          "by its national digits, so `+14155550101` finds `(415) 555-0101`; two customers "
          "with one number are not found), or `name` and `postcode` together (name "
          "case-insensitive with spaces collapsed, postcode compared like verification), or "
          "`email` and `postcode` together (the postcode of the customer's address or of one "
          "their orders shipped to; a wrong pair is 404 whichever half is wrong).",
          query=CustomerLookup,
          errors={404: "No customer (or more than one) matches (`customer_not_found`).",
                  422: "None of the documented combinations of `email`, `phone`, `name` and "
                  "`postcode` was given (`invalid_request`)."}),
    Route("GET", f"{CUSTOMERS}/{{customer_id}}", api.get_customer, "getCustomer",
          "A customer by id.", Customer, "The customer.", params=(CUSTOMER_ID,),
          errors={404: NO_CUSTOMER}),
    Route("POST", f"{CUSTOMERS}/{{customer_id}}/address", api.change_default_address,
          "changeDefaultAddress", "Change the default address on the customer's account.",
          CustomerProfile, "The customer with the new default address.",
          description="Orders already placed keep their shipping address (change one with "
          "`changeShippingAddress`). `address.name` may be left out and is not stored: the "
          "account keeps its own name. Same key and body: the first answer again.",
          params=(CUSTOMER_ID, IDEMPOTENCY_KEY), body=DefaultAddressRequest,
          errors={**BAD_BODY, 404: NO_CUSTOMER,
                  409: "Refused: the key was used for another request "
                  "(`idempotency_key_reused`).",
                  422: "Refused: the Idempotency-Key header is missing "
                  "(`idempotency_key_required`) or malformed (`invalid_idempotency_key`), the "
                  "body does not have the documented shape (`invalid_request`), or the address "
                  "is not a US address with a ZIP and a two-letter state (`invalid_address`)."},
          change=True),
    Route("GET", f"{CUSTOMERS}/{{customer_id}}/orders", api.list_customer_orders,
          "listCustomerOrders", "A customer's most recent orders, newest first.", OrderList,
          "Up to `limit` orders.",
          params=(CUSTOMER_ID,), query=OrderListQuery,
          errors={404: NO_CUSTOMER,
                  422: "`limit` is not an integer in 1..50 (`invalid_request`)."}),
    Route("GET", f"{CUSTOMERS}/{{customer_id}}/payment-methods",
          api.list_customer_payment_methods, "listCustomerPaymentMethods",
          "The customer's stored payment methods, gift cards with balance.", PaymentMethodList,
          "The payment methods.", params=(CUSTOMER_ID,), errors={404: NO_CUSTOMER}),
    Route("GET", f"{CUSTOMERS}/{{customer_id}}/refunds", api.list_customer_refunds,
          "listCustomerRefunds", "Every refund on the customer's orders, newest first.",
          RefundList, "The refunds.", params=(CUSTOMER_ID,), errors={404: NO_CUSTOMER}),
    Route("GET", f"{CUSTOMERS}/{{customer_id}}/claims", api.list_customer_claims,
          "listCustomerClaims", "The customer's claims of the last `days` days, newest first.",
          ClaimList, "The claims.",
          description="For the assistant's fraud signal (many recent claims).",
          params=(CUSTOMER_ID,), query=ClaimListQuery,
          errors={404: NO_CUSTOMER,
                  422: "`days` is not an integer in 1..3650 (`invalid_request`)."}),
    Route("GET", f"{API_PREFIX}/products", api.search_products, "searchProducts",
          "Catalogue products a shopper's words name, best match first, with variants and "
          "stock.", ProductList, "Up to `limit` products; none when no name word matches.",
          description="Each product scores by how much of its name `q` covers, every name "
          "word weighed by how rare it is in the catalogue; case, hyphens, a plural s and "
          "one typo in a word of five letters or more are forgiven. Products no word of `q` "
          "names are left out.",
          query=ProductSearchQuery,
          errors={422: "`q` is missing, blank or over 200 characters, or `limit` is not an "
                  "integer in 1..20 (`invalid_request`)."}),
    Route("GET", f"{API_PREFIX}/products/{{product_id}}", api.get_product, "getProduct",
          "A catalogue product with its variants and stock.", Product, "The product.",
          params=(_path("product_id", "Product id.", "P-1042"),),
          errors={404: "No product has this id (`product_not_found`)."}),
    Route("GET", RECOMMENDATIONS, api.get_recommendations, "getRecommendations",
          "Suggestions for a shopper, each with its reason.", RecommendationList,
          "The suggestions, best first.",
          query=RecommendationQuery,
          errors={404: "Unknown customer (`customer_not_found`) or product "
                  "(`product_not_found`).",
                  422: "A malformed id, about, limit or merchant (`invalid_request`), or a "
                  "merchant this backend has no rules for (`unknown_merchant`)."}),
    Route("POST", f"{RECOMMENDATIONS}/clicks", api.post_click, "recordRecommendationClick",
          "Record that a shopper picked a suggestion (measuring, not buying).", Click,
          "The click, recorded now.", body=ClickRequest, status=201,
          also={200: "Already recorded: the first record of this click."},
          errors={**BAD_BODY,
                  404: "Unknown product (`product_not_found`) or customer "
                  "(`customer_not_found`).",
                  422: "A missing or malformed field (`invalid_request`, naming the field)."}),
    Route("GET", f"{RECOMMENDATIONS}/clicks", api.get_clicks, "listRecommendationClicks",
          "The suggestions a shopper picked, newest first (at most 100).", ClickList,
          "The clicks.",
          query=ClickListQuery,
          errors={404: NO_CUSTOMER,
                  422: "customer_id is missing or malformed (`invalid_request`)."}),
    Route("GET", f"{RECOMMENDATIONS}/conversions", api.get_conversions,
          "listRecommendationConversions",
          "Clicks on suggestions that a purchase of the product followed, oldest click first.",
          ConversionList, "One page of conversions.",
          description="A click converts when the shopper who clicked placed an order holding "
          "the clicked product (any variant) after the click and at most `window_days` after "
          "it; each click once, with its first such order. Clicks without a customer never "
          "convert. Filtered by the time of the click; no customer data in the answer. For "
          "the recommendation funnel's `bought` figure (docs/analytics.md).",
          query=ConversionQuery,
          errors={400: "A malformed or out-of-range since, until, window_days, limit or "
                  "after, or until not after since (`invalid_request`, naming the "
                  "parameter)."}),
)  # fmt: skip


def setup_routes(app: web.Application) -> None:
    """Register every route of `ROUTES` (a GET answers HEAD too, as aiohttp's `add_get`)."""
    for route in ROUTES:
        if route.method == "GET":
            app.router.add_get(route.path, route.handler)
        else:
            app.router.add_route(route.method, route.path, route.handler)
