"""SQLAlchemy models of the reference store.

Decisions worth knowing before changing anything here:

- Money is stored as integer cents (`*_cents`) so sums are exact on every database; the API
  turns cents into two-decimal numbers at the edge.
- Times are naive `DateTime` values that always mean UTC (SQLite has no time zones).
- Order lines copy the product name, category, options, price and final-sale flag at the
  time of purchase: a later catalogue change must not rewrite what a shopper bought.
- Lookup keys (`ref_key`, `ref_digits`, `email_key`, `name_key`, `*postcode_key`) hold the
  normalised forms produced by `commerce.keys`, indexed, so a loose reference is one equality
  match.
- Ids are whatever the source store uses (`AC-104233` and `C-10023` in the demo store,
  `#W2378156` and `noah_brown_6181` from τ-bench): nothing may parse them.
- Gift-card balances are what can be spent now: a payment on a gift card debits it when the
  payment is created, a void or a refund to it credits it when it happens.

Classic `Column` declarations with `Mapped[...]` annotations: SQLAlchemy 1.4 maps the
columns and the annotations document the Python types for readers and type checkers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, declarative_base, relationship

Base: Any = declarative_base()

ORDER_STATUSES = (
    "pending",
    "paid",
    "packed",
    "shipped",
    "in_transit",
    "delayed",
    "out_for_delivery",
    "delivered",
    "lost",
    "cancelled",
    "return_requested",
    "exchange_requested",
    "refunded",
)
"""Every order status of the contract, in the order an order usually moves through them."""

SHIPMENT_STATUSES = ("shipped", "in_transit", "delayed", "out_for_delivery", "delivered", "lost")
TRACKING_EVENT_STATUSES = (
    "label_created",
    "picked_up",
    "in_transit",
    "delayed",
    "out_for_delivery",
    "delivered",
    "exception",
)
PAYMENT_METHOD_TYPES = ("credit_card", "paypal", "gift_card")
PAYMENT_STATUSES = ("authorized", "captured", "voided", "refunded", "partially_refunded")
RETURN_STATUSES = ("requested", "approved", "received", "closed")
RETURN_RESOLUTIONS = ("refund", "exchange", "store_credit")
REFUND_METHODS = ("original_payment", "store_credit", "other_payment_method")
"""Where a refund goes: a method that paid the order, a gift card that did not (store credit),
or another of the shopper's methods (an item-change difference refunded elsewhere)."""
REFUND_STATUSES = ("pending", "processed")
CARRIERS = ("UPS", "USPS", "FedEx")
CANCEL_REASONS = ("no_longer_needed", "ordered_by_mistake", "other")
CLAIM_KINDS = ("damaged", "missing", "wrong_item", "not_received")
CLAIM_REMEDIES = ("reship", "refund")
CLAIM_STATUSES = ("open", "resolved")
"""A reship claim stays `open` until a replacement leaves; a refund claim is `resolved` at
once (its refund has its own status)."""

NOT_SHIPPED_STATUSES = frozenset({"pending", "paid", "packed"})
"""Before the parcel leaves: the order can still be cancelled or re-addressed."""
SHIPPED_STATUSES = frozenset(
    {
        "shipped",
        "in_transit",
        "delayed",
        "out_for_delivery",
        "lost",
        "delivered",
        "return_requested",
        "exchange_requested",
        "refunded",
    }
)
"""The parcel has left the warehouse (and may have arrived): claims are possible."""


class Customer(Base):
    """A shopper with an account and a default (billing) address."""

    __tablename__ = "customers"

    id: Mapped[str] = Column(String(64), primary_key=True)  # C-12345, noah_brown_6181
    first_name: Mapped[str] = Column(String(80), nullable=False)
    last_name: Mapped[str] = Column(String(80), nullable=False)
    name_key: Mapped[str] = Column(String(161), nullable=False, index=True)
    email: Mapped[str] = Column(String(254), nullable=False)
    email_key: Mapped[str] = Column(String(254), nullable=False, unique=True, index=True)
    phone: Mapped[str | None] = Column(String(32))  # τ-bench shoppers have none
    line1: Mapped[str] = Column(String(120), nullable=False)
    line2: Mapped[str | None] = Column(String(120))
    city: Mapped[str] = Column(String(80), nullable=False)
    region: Mapped[str] = Column(String(8), nullable=False)
    postcode: Mapped[str] = Column(String(16), nullable=False)
    postcode_key: Mapped[str] = Column(String(16), nullable=False, index=True)
    country: Mapped[str] = Column(String(2), nullable=False, default="US")
    created_at: Mapped[dt.datetime] = Column(DateTime, nullable=False)

    payment_methods: Mapped[list[PaymentMethod]] = relationship(
        "PaymentMethod", back_populates="customer", order_by="PaymentMethod.id"
    )
    orders: Mapped[list[Order]] = relationship("Order", back_populates="customer")

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class PaymentMethod(Base):
    """A stored way to pay: a card (brand and last four digits), PayPal, or a gift card."""

    __tablename__ = "payment_methods"

    id: Mapped[str] = Column(String(40), primary_key=True)  # PM-123456, credit_card_9513926
    customer_id: Mapped[str] = Column(ForeignKey("customers.id"), nullable=False, index=True)
    type: Mapped[str] = Column(String(16), nullable=False)
    brand: Mapped[str | None] = Column(String(24))
    last4: Mapped[str | None] = Column(String(4))
    exp_month: Mapped[int | None] = Column(Integer)
    exp_year: Mapped[int | None] = Column(Integer)
    paypal_email: Mapped[str | None] = Column(String(254))
    gift_card_balance_cents: Mapped[int | None] = Column(Integer)
    is_default: Mapped[bool] = Column(Boolean, nullable=False, default=False)

    customer: Mapped[Customer] = relationship(Customer, back_populates="payment_methods")

    @property
    def label(self) -> str:
        """How a person would name this method without exposing it: `Visa ending 4242`."""
        if self.type == "credit_card":
            return f"{self.brand} ending {self.last4}"
        if self.type == "gift_card":
            return f"Gift card ending {self.last4}" if self.last4 else "Gift card"
        if self.type == "paypal" and self.paypal_email:
            local, _, domain = self.paypal_email.partition("@")
            return f"PayPal ({local[:1]}***@{domain})"
        return "PayPal"


class Product(Base):
    """A catalogue product; what is actually bought is one of its variants."""

    __tablename__ = "products"

    id: Mapped[str] = Column(String(32), primary_key=True)  # P-1042, 9523456873
    name: Mapped[str] = Column(String(120), nullable=False)
    category: Mapped[str] = Column(String(40), nullable=False, index=True)
    description: Mapped[str] = Column(Text, nullable=False)
    price_cents: Mapped[int] = Column(Integer, nullable=False)
    final_sale: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    attributes: Mapped[dict[str, Any]] = Column(JSON, nullable=False, default=dict)

    variants: Mapped[list[ProductVariant]] = relationship(
        "ProductVariant", back_populates="product", order_by="ProductVariant.position"
    )


class ProductVariant(Base):
    """One buyable option combination (colour, size, capacity...) with its own stock."""

    __tablename__ = "product_variants"

    sku: Mapped[str] = Column(String(32), primary_key=True)  # P-1042-BLU-M
    product_id: Mapped[str] = Column(ForeignKey("products.id"), nullable=False, index=True)
    position: Mapped[int] = Column(Integer, nullable=False)
    options: Mapped[dict[str, str]] = Column(JSON, nullable=False)
    price_cents: Mapped[int] = Column(Integer, nullable=False)
    stock: Mapped[int] = Column(Integer, nullable=False)

    product: Mapped[Product] = relationship(Product, back_populates="variants")


class Order(Base):
    """An order with its shipping address, money totals and lookup keys."""

    __tablename__ = "orders"

    id: Mapped[str] = Column(String(16), primary_key=True)  # AC-104233, #W2378156
    ref_key: Mapped[str] = Column(String(16), nullable=False, unique=True, index=True)
    ref_digits: Mapped[str] = Column(String(16), nullable=False, index=True)
    customer_id: Mapped[str] = Column(ForeignKey("customers.id"), nullable=False, index=True)
    status: Mapped[str] = Column(String(20), nullable=False, index=True)
    placed_at: Mapped[dt.datetime] = Column(DateTime, nullable=False, index=True)
    cancelled_at: Mapped[dt.datetime | None] = Column(DateTime)
    cancel_reason: Mapped[str | None] = Column(String(40))
    items_modified: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    currency: Mapped[str] = Column(String(3), nullable=False, default="USD")
    subtotal_cents: Mapped[int] = Column(Integer, nullable=False)
    shipping_cost_cents: Mapped[int] = Column(Integer, nullable=False)
    total_cents: Mapped[int] = Column(Integer, nullable=False)
    ship_name: Mapped[str] = Column(String(160), nullable=False)
    ship_line1: Mapped[str] = Column(String(120), nullable=False)
    ship_line2: Mapped[str | None] = Column(String(120))
    ship_city: Mapped[str] = Column(String(80), nullable=False)
    ship_region: Mapped[str] = Column(String(8), nullable=False)
    ship_postcode: Mapped[str] = Column(String(16), nullable=False)
    ship_postcode_key: Mapped[str] = Column(String(16), nullable=False)
    ship_country: Mapped[str] = Column(String(2), nullable=False, default="US")
    billing_postcode: Mapped[str] = Column(String(16), nullable=False)
    billing_postcode_key: Mapped[str] = Column(String(16), nullable=False)

    customer: Mapped[Customer] = relationship(Customer, back_populates="orders")
    lines: Mapped[list[OrderLine]] = relationship(
        "OrderLine", back_populates="order", order_by="OrderLine.line_no"
    )
    payments: Mapped[list[Payment]] = relationship(
        "Payment", back_populates="order", order_by="Payment.created_at, Payment.id"
    )
    shipment: Mapped[Shipment | None] = relationship(
        "Shipment", back_populates="order", uselist=False
    )
    returns: Mapped[list[ReturnRequest]] = relationship(
        "ReturnRequest", back_populates="order", order_by="ReturnRequest.created_at"
    )
    refunds: Mapped[list[Refund]] = relationship(
        "Refund", back_populates="order", order_by="Refund.created_at, Refund.id"
    )
    claims: Mapped[list[Claim]] = relationship(
        "Claim", back_populates="order", order_by="Claim.created_at"
    )


class OrderLine(Base):
    """What was bought, copied from the catalogue at purchase time."""

    __tablename__ = "order_lines"
    __table_args__ = (UniqueConstraint("order_id", "line_no"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    order_id: Mapped[str] = Column(ForeignKey("orders.id"), nullable=False, index=True)
    line_no: Mapped[int] = Column(Integer, nullable=False)  # the API's line_id, 1-based
    product_id: Mapped[str] = Column(ForeignKey("products.id"), nullable=False)
    sku: Mapped[str] = Column(ForeignKey("product_variants.sku"), nullable=False)
    product_name: Mapped[str] = Column(String(120), nullable=False)
    category: Mapped[str] = Column(String(40), nullable=False)
    options: Mapped[dict[str, str]] = Column(JSON, nullable=False)
    quantity: Mapped[int] = Column(Integer, nullable=False)
    unit_price_cents: Mapped[int] = Column(Integer, nullable=False)
    final_sale: Mapped[bool] = Column(Boolean, nullable=False)

    order: Mapped[Order] = relationship(Order, back_populates="lines")


class Payment(Base):
    """Money taken (or held) for an order through one payment method."""

    __tablename__ = "payments"

    id: Mapped[str] = Column(String(32), primary_key=True)  # PAY-12345678
    order_id: Mapped[str] = Column(ForeignKey("orders.id"), nullable=False, index=True)
    payment_method_id: Mapped[str] = Column(ForeignKey("payment_methods.id"), nullable=False)
    amount_cents: Mapped[int] = Column(Integer, nullable=False)
    status: Mapped[str] = Column(String(20), nullable=False)
    created_at: Mapped[dt.datetime] = Column(DateTime, nullable=False)

    order: Mapped[Order] = relationship(Order, back_populates="payments")
    method: Mapped[PaymentMethod] = relationship(PaymentMethod)
    refunds: Mapped[list[Refund]] = relationship("Refund", back_populates="payment")


class Shipment(Base):
    """The parcel handed to a carrier; exists only once the order has shipped."""

    __tablename__ = "shipments"

    id: Mapped[int] = Column(Integer, primary_key=True)
    order_id: Mapped[str] = Column(ForeignKey("orders.id"), nullable=False, unique=True)
    carrier: Mapped[str] = Column(String(16), nullable=False)
    tracking_number: Mapped[str] = Column(String(40), nullable=False, unique=True)
    status: Mapped[str] = Column(String(20), nullable=False)
    shipped_at: Mapped[dt.datetime] = Column(DateTime, nullable=False)
    promised_delivery_date: Mapped[dt.date] = Column(Date, nullable=False)
    estimated_delivery_date: Mapped[dt.date | None] = Column(Date)
    delivered_at: Mapped[dt.datetime | None] = Column(DateTime)

    order: Mapped[Order] = relationship(Order, back_populates="shipment")
    events: Mapped[list[TrackingEvent]] = relationship(
        "TrackingEvent", back_populates="shipment", order_by="TrackingEvent.seq"
    )

    @property
    def tracking_url(self) -> str:
        """The carrier's public tracking page for this parcel."""
        pattern = TRACKING_URLS.get(self.carrier, "")
        return pattern.format(tracking_number=self.tracking_number)


TRACKING_URLS = {
    "UPS": "https://www.ups.com/track?tracknum={tracking_number}",
    "USPS": "https://tools.usps.com/go/TrackConfirmAction?tLabels={tracking_number}",
    "FedEx": "https://www.fedex.com/fedextrack/?trknbr={tracking_number}",
}


class TrackingEvent(Base):
    """One carrier scan; `seq` orders them oldest first."""

    __tablename__ = "tracking_events"
    __table_args__ = (UniqueConstraint("shipment_id", "seq"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    shipment_id: Mapped[int] = Column(ForeignKey("shipments.id"), nullable=False, index=True)
    seq: Mapped[int] = Column(Integer, nullable=False)
    timestamp: Mapped[dt.datetime] = Column(DateTime, nullable=False)
    status: Mapped[str] = Column(String(20), nullable=False)
    description: Mapped[str] = Column(String(200), nullable=False)
    location: Mapped[str | None] = Column(String(120))

    shipment: Mapped[Shipment] = relationship(Shipment, back_populates="events")


class ReturnRequest(Base):
    """A return merchandise authorisation (RMA) covering some lines of one order."""

    __tablename__ = "returns"

    id: Mapped[str] = Column(String(24), primary_key=True)  # RMA-123456
    order_id: Mapped[str] = Column(ForeignKey("orders.id"), nullable=False, index=True)
    status: Mapped[str] = Column(String(20), nullable=False)
    resolution: Mapped[str] = Column(String(20), nullable=False)
    reason: Mapped[str] = Column(String(200), nullable=False)
    created_at: Mapped[dt.datetime] = Column(DateTime, nullable=False)
    # What goes back to the shopper once the parcel arrives, and where; the refund row
    # itself is written then (see `Refund`).
    refund_amount_cents: Mapped[int] = Column(Integer, nullable=False, default=0)
    refund_payment_method_id: Mapped[str | None] = Column(ForeignKey("payment_methods.id"))

    order: Mapped[Order] = relationship(Order, back_populates="returns")
    refund_method: Mapped[PaymentMethod | None] = relationship(PaymentMethod)
    lines: Mapped[list[ReturnLine]] = relationship(
        "ReturnLine", back_populates="return_request", order_by="ReturnLine.order_line_id"
    )


class ReturnLine(Base):
    """Which order line, and how many of it, an RMA covers."""

    __tablename__ = "return_lines"

    return_id: Mapped[str] = Column(ForeignKey("returns.id"), primary_key=True)
    order_line_id: Mapped[int] = Column(ForeignKey("order_lines.id"), primary_key=True)
    quantity: Mapped[int] = Column(Integer, nullable=False)
    exchange_sku: Mapped[str | None] = Column(ForeignKey("product_variants.sku"))

    return_request: Mapped[ReturnRequest] = relationship(ReturnRequest, back_populates="lines")
    order_line: Mapped[OrderLine] = relationship(OrderLine)


class Claim(Base):
    """A problem reported with a parcel that left: damaged, missing, wrong or never arrived.

    `customer_id` is copied from the order so that a shopper's recent claims (a fraud
    signal) are one indexed query.
    """

    __tablename__ = "claims"

    id: Mapped[str] = Column(String(24), primary_key=True)  # CL-12345678
    order_id: Mapped[str] = Column(ForeignKey("orders.id"), nullable=False, index=True)
    customer_id: Mapped[str] = Column(ForeignKey("customers.id"), nullable=False, index=True)
    kind: Mapped[str] = Column(String(20), nullable=False)
    remedy: Mapped[str] = Column(String(20), nullable=False)
    status: Mapped[str] = Column(String(20), nullable=False)
    description: Mapped[str | None] = Column(Text)
    amount_cents: Mapped[int] = Column(Integer, nullable=False)
    created_at: Mapped[dt.datetime] = Column(DateTime, nullable=False, index=True)

    order: Mapped[Order] = relationship(Order, back_populates="claims")
    lines: Mapped[list[ClaimLine]] = relationship(
        "ClaimLine", back_populates="claim", order_by="ClaimLine.order_line_id"
    )


class ClaimLine(Base):
    """Which order line a claim is about."""

    __tablename__ = "claim_lines"

    claim_id: Mapped[str] = Column(ForeignKey("claims.id"), primary_key=True)
    order_line_id: Mapped[int] = Column(ForeignKey("order_lines.id"), primary_key=True)
    quantity: Mapped[int] = Column(Integer, nullable=False)

    claim: Mapped[Claim] = relationship(Claim, back_populates="lines")
    order_line: Mapped[OrderLine] = relationship(OrderLine)


class Refund(Base):
    """Money given back: for a return, a cancellation, a claim or a cheaper item change.

    `payment_method_id` is where the money went; `payment_id` is the payment it gives back,
    when it gives back one (a refund to a gift card that did not pay the order gives back
    none), so that what a payment still holds is its amount minus its refunds.
    """

    __tablename__ = "refunds"

    id: Mapped[str] = Column(String(24), primary_key=True)  # RF-123456
    order_id: Mapped[str] = Column(ForeignKey("orders.id"), nullable=False, index=True)
    return_id: Mapped[str | None] = Column(ForeignKey("returns.id"))
    claim_id: Mapped[str | None] = Column(ForeignKey("claims.id"))
    payment_id: Mapped[str | None] = Column(ForeignKey("payments.id"), index=True)
    payment_method_id: Mapped[str | None] = Column(ForeignKey("payment_methods.id"))
    amount_cents: Mapped[int] = Column(Integer, nullable=False)
    method: Mapped[str] = Column(String(20), nullable=False)
    status: Mapped[str] = Column(String(20), nullable=False)
    created_at: Mapped[dt.datetime] = Column(DateTime, nullable=False)
    processed_at: Mapped[dt.datetime | None] = Column(DateTime)

    order: Mapped[Order] = relationship(Order, back_populates="refunds")
    payment: Mapped[Payment | None] = relationship(Payment, back_populates="refunds")


class IdempotencyRecord(Base):
    """The first successful answer to a change, kept so that a retry replays it.

    The key is the primary key: a duplicate that races the first request fails to insert
    and replays the committed answer instead of changing anything twice. `request_hash`
    covers the order reference and the body, so the same key with another request is told
    apart from a retry.
    """

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = Column(String(100), primary_key=True)
    route: Mapped[str] = Column(String(120), nullable=False)
    request_hash: Mapped[str] = Column(String(64), nullable=False)
    status: Mapped[int | None] = Column(Integer)  # null only inside the creating transaction
    response_body: Mapped[str | None] = Column(Text)
    created_at: Mapped[dt.datetime] = Column(DateTime, nullable=False)


class StoreInfo(Base):
    """Facts about the loaded store (`store`: demo or tau-bench, `as_of`, `source`)."""

    __tablename__ = "store_info"

    key: Mapped[str] = Column(String(40), primary_key=True)
    value: Mapped[str] = Column(String(400), nullable=False)


class RecommendationClick(Base):
    """A shopper picked a suggested product (for measuring suggestions, not an order).

    One row per suggestion list and product: a repeated click on the same suggestion, or a
    retried request, records nothing new.
    """

    __tablename__ = "recommendation_clicks"
    __table_args__ = (UniqueConstraint("recommendation_id", "product_id"),)

    id: Mapped[str] = Column(String(24), primary_key=True)  # CLK-1a2b3c4d5e6f
    recommendation_id: Mapped[str] = Column(String(64), nullable=False)
    product_id: Mapped[str] = Column(ForeignKey("products.id"), nullable=False, index=True)
    customer_id: Mapped[str | None] = Column(ForeignKey("customers.id"), index=True)
    position: Mapped[int | None] = Column(Integer)
    created_at: Mapped[dt.datetime] = Column(DateTime, nullable=False)
