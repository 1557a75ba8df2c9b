"""The JSON shapes the backend answers with, as pydantic models (see `docs/commerce-api.md`).

Each answer is built as one of these models, so a serialiser that forgets a key or sends a
status outside the contract fails in the tests instead of reaching the assistant; the
`components` of the OpenAPI document are generated from the same models (`commerce.openapi`),
so the document cannot drift from what the handlers send. `Shape` and `Body` hold the few
conventions pydantic's schema lacks: OpenAPI 3.0's `nullable`, and answers that are closed
(every listed key always present, nothing else) while request bodies ignore unknown keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Extra, Field, validator
from pydantic.fields import ModelField

from commerce.models import (
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
from recommender.engine import SOURCES as RECOMMENDATION_SOURCES


def _openapi_schema(schema: dict[str, Any], model: type[BaseModel], *, closed: bool) -> None:
    """Rewrite pydantic's schema of `model` in OpenAPI 3.0 terms, in place.

    pydantic marks no field as nullable; OpenAPI 3.0 spells it `nullable: true`, and a `$ref`
    takes no siblings, so a nullable reference becomes `allOf` with one item. In a closed
    shape a field with a default is one the answer may leave out, never null.
    """
    schema.pop("title", None)
    if model.__doc__ is None:  # pydantic would describe it with a base class's docstring
        schema.pop("description", None)
    properties: dict[str, Any] = schema.get("properties", {})
    for field in model.__fields__.values():
        prop = properties[field.alias]
        prop.pop("title", None)
        if field.allow_none and (field.required or not closed):
            if "$ref" in prop:
                prop["allOf"] = [{"$ref": prop.pop("$ref")}]
            prop["nullable"] = True
    if closed:
        schema["additionalProperties"] = False


def _check_choice(value: Any, field: ModelField) -> Any:
    """Refuse a value outside a field's `enum` (a string field declared with `choice`)."""
    choices = field.field_info.extra.get("enum")
    if choices is not None and value is not None and value not in choices:
        raise ValueError(f"must be one of: {', '.join(choices)}")
    return value


class Shape(BaseModel):
    """An answer's shape: the listed keys and nothing else (a field with a default may be left
    out: a card's `balance`)."""

    class Config:
        extra = Extra.forbid
        copy_on_model_validation = "none"  # a shape is built once and never changed

        @staticmethod
        def schema_extra(schema: dict[str, Any], model: type[BaseModel]) -> None:
            _openapi_schema(schema, model, closed=True)

    _choices = validator("*", pre=True, allow_reuse=True)(_check_choice)


class Body(BaseModel):
    """A request body: unknown keys are ignored, so clients may send more than we read."""

    class Config:
        extra = Extra.ignore
        anystr_strip_whitespace = True

        @staticmethod
        def schema_extra(schema: dict[str, Any], model: type[BaseModel]) -> None:
            _openapi_schema(schema, model, closed=False)

    _choices = validator("*", pre=True, allow_reuse=True)(_check_choice)


def choice(values: Sequence[str], description: str | None = None, **extra: Any) -> Any:
    """A string field that takes one of `values` (validated, and an `enum` in the schema)."""
    return Field(..., description=description, enum=list(values), **extra)


def money(description: str = "An amount in the order's currency, always with two decimals.") -> Any:
    return Field(..., description=description, example=123.45)


def timestamp(description: str = "ISO 8601 time in UTC.") -> Any:
    return Field(..., description=description, format="date-time", example="2026-11-20T14:03:00Z")


def date(description: str = "Calendar date.") -> Any:
    return Field(..., description=description, format="date", example="2026-11-24")


def example(value: Any, description: str | None = None, **extra: Any) -> Any:
    return Field(..., description=description, example=value, **extra)


# --- Service ---------------------------------------------------------------------------


class ErrorDetail(Shape):
    code: str = example("order_not_found", "Stable snake_case code.")
    message: str = Field(..., description="Human-readable explanation.")


class Error(Shape):
    """Every 4xx answer: what went wrong, for a program and for a person."""

    error: ErrorDetail


class Health(Shape):
    status: str = choice(("ok",))


# --- Orders ----------------------------------------------------------------------------


class Address(Shape):
    name: str
    line1: str
    line2: str | None = Field(...)
    city: str
    region: str = example("CA", "State or region code.")
    postcode: str = example("94107", "As entered; a US ZIP or ZIP+4.")
    country: str = example("US", "ISO 3166-1 alpha-2.")


class OrderLine(Shape):
    """A purchased variant, as it was at purchase time."""

    line_id: int = Field(..., ge=1)
    product_id: str = example("P-1042")
    sku: str = example("P-1042-BLU-M")
    product_name: str
    category: str = example("outerwear")
    options: dict[str, str] = example({"color": "blue", "size": "M"})
    quantity: int = Field(..., ge=1)
    unit_price: Decimal = money()
    final_sale: bool = Field(..., description="Not returnable.")


class PaymentMethodRef(Shape):
    payment_method_id: str = example("PM-482913")
    type: str = choice(PAYMENT_METHOD_TYPES)
    label: str = example("Visa ending 4242", "Safe to show the shopper.")


class Payment(Shape):
    payment_id: str = example("PAY-20481733")
    method: PaymentMethodRef
    amount: Decimal = money()
    status: str = choice(PAYMENT_STATUSES)


class TrackingEvent(Shape):
    timestamp: str = timestamp()
    status: str = choice(TRACKING_EVENT_STATUSES)
    description: str = example("Departed facility")
    location: str | None = example("Oakland, CA")


class Shipment(Shape):
    """The parcel handed to the carrier."""

    carrier: str = choice(CARRIERS)
    tracking_number: str
    tracking_url: str = Field(..., format="uri")
    status: str = choice(SHIPMENT_STATUSES)
    shipped_at: str = timestamp()
    promised_delivery_date: str = date()
    estimated_delivery_date: str | None = date()
    delivered_at: str | None = timestamp()
    events: list[TrackingEvent] = Field(
        ..., description="Oldest first: the last event is the latest."
    )


class Exchange(Shape):
    line_id: int = Field(..., ge=1)
    new_sku: str = Field(
        ...,
        description="The variant sent in exchange: another option of the line's product, or "
        "the line's own for a new one of the same.",
    )


class Return(Shape):
    """A return merchandise authorisation (RMA)."""

    rma_id: str = example("RMA-300512")
    status: str = choice(RETURN_STATUSES)
    created_at: str = timestamp()
    resolution: str = choice(RETURN_RESOLUTIONS)
    line_ids: list[int]
    reason: str = example("too small")
    exchanges: list[Exchange] = Field(
        ..., description="For an exchange, what each line is exchanged for; empty otherwise."
    )


class Refund(Shape):
    refund_id: str = example("RF-700231")
    amount: Decimal = money()
    method: str = choice(
        REFUND_METHODS,
        "`original_payment`: a method that paid the order; `store_credit`: a gift card that "
        "did not; `other_payment_method`: another of the shopper's methods.",
    )
    status: str = choice(
        REFUND_STATUSES, "A refund to a gift card is `processed` at once, others `pending`."
    )
    created_at: str = timestamp()
    processed_at: str | None = timestamp()


class Order(Shape):
    order_id: str = example("AC-104233")
    customer_id: str = example("C-10023")
    status: str = choice(ORDER_STATUSES)
    items_modified: bool = Field(
        ..., description="The items were changed once; a second change is refused."
    )
    placed_at: str = timestamp()
    currency: str = example("USD")
    subtotal: Decimal = money()
    shipping_cost: Decimal = money()
    total: Decimal = money()
    lines: list[OrderLine]
    shipping_address: Address
    payments: list[Payment]
    shipment: Shipment | None = Field(..., description="null until the order ships.")
    returns: list[Return]
    refunds: list[Refund]


class OrderSummary(Shape):
    order_id: str = example("AC-104233")
    status: str = choice(ORDER_STATUSES)
    placed_at: str = timestamp()
    total: Decimal = money()
    currency: str = example("USD")
    item_count: int = Field(..., ge=0, description="Units in the order (quantities summed).")
    first_item_name: str | None = Field(..., description="Product name of the first line.")


class OrderList(Shape):
    """Newest first."""

    orders: list[OrderSummary]


class VerifyResult(Shape):
    order_id: str = example("AC-104233")
    customer_id: str = example("C-10023")


# --- Customers -------------------------------------------------------------------------


class Customer(Shape):
    customer_id: str = example("C-10023")
    name: str
    email: str = Field(..., format="email")
    phone: str | None = Field(..., description="null when the store does not know it (τ-bench).")
    postcode: str = example("94107")


class CustomerProfile(Customer):
    """A customer with the default address on their account."""

    address: Address


class PaymentMethod(PaymentMethodRef):
    """A stored method; only gift cards carry `balance`."""

    balance: Decimal | None = Field(
        None, description="Gift cards only: what can be spent now.", example=123.45
    )


class PaymentMethodList(Shape):
    """The default method first."""

    payment_methods: list[PaymentMethod]


class CustomerRefund(Refund):
    """A refund with the order it belongs to."""

    order_id: str = example("#W2378156")


class RefundList(Shape):
    """Newest first."""

    refunds: list[CustomerRefund]


class Claim(Shape):
    """A problem reported with a parcel."""

    claim_id: str = example("CL-40213377")
    order_id: str = example("AC-104233")
    kind: str = choice(CLAIM_KINDS)
    remedy: str = choice(CLAIM_REMEDIES)
    amount: Decimal = money("Value of the claimed lines.")
    status: str = choice(
        CLAIM_STATUSES, "`open` until a reshipment leaves; `resolved` once refunded."
    )
    line_ids: list[int]
    created_at: str = timestamp()


class ClaimList(Shape):
    """Newest first."""

    claims: list[Claim]


class ReturnRequest(Return):
    """A new RMA."""

    order_id: str = example("AC-104233")
    order_status: str = choice(ORDER_STATUSES)
    refund_amount: Decimal = money(
        "What goes back to the shopper once the parcel arrives (for an exchange: a cheaper "
        "replacement's difference; 0.00 otherwise)."
    )
    refund_to: PaymentMethodRef | None = Field(
        ..., description="Where the refund goes; null when nothing is refunded."
    )
    instructions: str = Field(
        ...,
        description="What the shopper does next (label, drop-off within 14 days) and when the "
        "money or the replacement follows; ready to show.",
    )


# --- Catalogue -------------------------------------------------------------------------


class Variant(Shape):
    sku: str = example("P-1042-BLU-M")
    options: dict[str, str]
    price: Decimal = money()
    stock: int = Field(..., ge=0)


class Product(Shape):
    product_id: str = example("P-1042")
    name: str
    category: str = example("outerwear")
    description: str
    price: Decimal = money()
    final_sale: bool
    attributes: dict[str, Any] = Field(
        ..., description="Category-specific facts (material, capacity, ...)."
    )
    variants: list[Variant]


class ProductMatch(Product):
    match: float = Field(
        ...,
        ge=0,
        le=1,
        description="How much of the product's name the search text covers, each word "
        "weighed by how rare it is in the catalogue; 1 is every word.",
    )


class ProductList(Shape):
    """Best match first."""

    products: list[ProductMatch]


# --- Recommendations (cross-sell) ------------------------------------------------------


class Recommendation(Shape):
    position: int = Field(..., ge=1)
    product_id: str = example("P-1042")
    name: str = example("Ridge Trail Sleeping Pad")
    category: str = example("sleeping_bags")
    price: Decimal = money()
    in_stock: bool
    reason: str = example(
        "Often bought together with your Alpine Tent",
        "Why it is suggested, in words for the shopper.",
    )
    source: str = choice(RECOMMENDATION_SOURCES, "The signal that contributed most to the rank.")


class RecommendationList(Shape):
    """Best first. Only products in stock, not bought before, shippable to the shopper's
    region and allowed by the merchant's rules; see docs/recommender.md."""

    recommendation_id: str = example(
        "rec_3f0c5a4e2b514d7f9a39", "Names this list; a click refers to it."
    )
    customer_id: str | None = example("C-10023")
    anchor_product_id: str | None = example("P-1042")
    recommendations: list[Recommendation]


class Click(Shape):
    click_id: str = example("CLK-1a2b3c4d5e6f")
    recommendation_id: str = example("rec_3f0c5a4e2b514d7f9a39")
    product_id: str = example("P-1042")
    customer_id: str | None = example("C-10023")
    position: int | None = Field(..., ge=1)
    created_at: str = timestamp()


class ClickList(Shape):
    clicks: list[Click]


class Conversion(Shape):
    """A click on a suggestion and the first order of the same shopper that bought the
    product (any variant) after the click, within the window. No customer data."""

    recommendation_id: str = example("rec_3f0c5a4e2b514d7f9a39")
    product_id: str = example("P-1042")
    clicked_at: str = timestamp()
    order_id: str = example("AC-104233")
    placed_at: str = timestamp()


class ConversionList(Shape):
    """Oldest click first. A page may hold fewer conversions than `limit`, or none, while
    `next` is set: the page read `limit` clicks."""

    window_days: int = example(30, "The attribution window applied, in days.")
    conversions: list[Conversion]
    next: str | None = example(
        "2026-11-20T14:03:00.123456~CLK-1a2b3c4d5e6f",
        "Pass as `after` for the next page; null on the last page.",
    )
