"""What the backend answers, as frozen records a flow can read without knowing the JSON."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrackingEvent:
    """One scan or status update from the carrier."""

    timestamp: datetime
    status: str
    description: str
    location: str | None


@dataclass(frozen=True)
class Shipment:
    """The parcel of an order once it has been handed to a carrier."""

    carrier: str
    tracking_number: str
    tracking_url: str | None
    status: str
    shipped_at: datetime | None
    promised_delivery_date: date | None
    estimated_delivery_date: date | None
    delivered_at: datetime | None
    events: tuple[TrackingEvent, ...] = ()

    @property
    def latest_event(self) -> TrackingEvent | None:
        """The newest tracking event (events arrive oldest first)."""
        return self.events[-1] if self.events else None


@dataclass(frozen=True)
class OrderLine:
    """One product variant on an order."""

    line_id: int
    product_id: str
    sku: str
    product_name: str
    category: str
    options: dict[str, str]
    quantity: int
    unit_price: float
    final_sale: bool


@dataclass(frozen=True)
class Refund:
    """Money going back to the shopper."""

    refund_id: str
    amount: float
    method: str
    status: str
    created_at: datetime | None
    processed_at: datetime | None


@dataclass(frozen=True)
class ReturnRequest:
    """A return merchandise authorisation (RMA)."""

    rma_id: str
    status: str
    created_at: datetime | None
    resolution: str | None
    line_ids: tuple[int, ...]


@dataclass(frozen=True)
class Order:
    """An order as the assistant needs it, after the shopper is verified."""

    order_id: str
    customer_id: str
    status: str
    placed_at: datetime
    currency: str
    total: float
    lines: tuple[OrderLine, ...]
    shipping_postcode: str | None
    shipping_name: str | None
    shipment: Shipment | None
    returns: tuple[ReturnRequest, ...] = ()
    refunds: tuple[Refund, ...] = ()
    # Ids of the payment methods holding the order's money now (voided or refunded excluded).
    paid_with: tuple[str, ...] = ()
    items_modified: bool = False


@dataclass(frozen=True)
class OrderSummary:
    """A line in a shopper's order history."""

    order_id: str
    status: str
    placed_at: datetime
    total: float
    currency: str
    item_count: int
    first_item_name: str


@dataclass(frozen=True)
class ReturnCreated:
    """A new return (RMA), with what the shopper has to do next."""

    rma_id: str
    refund_amount: float
    instructions: str


@dataclass(frozen=True)
class ClaimCreated:
    """A recorded delivery problem and what was done about it."""

    claim_id: str
    remedy: str
    amount: float


@dataclass(frozen=True)
class Suggestion:
    """One suggested product with the reason to show the shopper."""

    product_id: str
    name: str
    price: float
    in_stock: bool
    reason: str
    position: int


@dataclass(frozen=True)
class Suggestions:
    """A list of suggestions; clicks refer to it by ``recommendation_id``."""

    recommendation_id: str
    items: tuple[Suggestion, ...]


@dataclass(frozen=True)
class PaymentMethod:
    """One of the shopper's stored ways to pay; a gift card carries its balance."""

    payment_method_id: str
    type: str
    label: str
    balance: float | None = None


@dataclass(frozen=True)
class Variant:
    """One option of a product (size, colour, ...) with its own price and stock."""

    sku: str
    options: dict[str, str]
    price: float
    stock: int


@dataclass(frozen=True)
class Product:
    """A product with every variant the store sells."""

    product_id: str
    name: str
    variants: tuple[Variant, ...]


@dataclass(frozen=True)
class ProductMatch:
    """A catalogue product a search named, and how much of its name the words covered (0-1)."""

    product: Product
    match: float


@dataclass(frozen=True)
class Customer:
    """A shopper found by e-mail, or by full name and ZIP code."""

    customer_id: str
    name: str


@dataclass(frozen=True)
class Verification:
    """Proof that the shopper knows the second factor of an order."""

    order_id: str
    customer_id: str


def parse_datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def parse_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def parse_order(body: dict[str, Any]) -> Order:
    """Turn the backend's order JSON into an :class:`Order`."""
    ship = body.get("shipment")
    shipment = None
    if ship:
        shipment = Shipment(
            carrier=ship["carrier"],
            tracking_number=ship["tracking_number"],
            tracking_url=ship.get("tracking_url"),
            status=ship.get("status", ""),
            shipped_at=parse_datetime(ship.get("shipped_at")),
            promised_delivery_date=parse_date(ship.get("promised_delivery_date")),
            estimated_delivery_date=parse_date(ship.get("estimated_delivery_date")),
            delivered_at=parse_datetime(ship.get("delivered_at")),
            events=tuple(
                TrackingEvent(
                    timestamp=parse_datetime(e["timestamp"]) or datetime.min,
                    status=e.get("status", ""),
                    description=e.get("description", ""),
                    location=e.get("location"),
                )
                for e in ship.get("events", [])
            ),
        )
    return Order(
        order_id=body["order_id"],
        customer_id=body["customer_id"],
        status=body["status"],
        placed_at=parse_datetime(body["placed_at"]) or datetime.min,
        currency=body.get("currency", "USD"),
        total=float(body.get("total", 0.0)),
        lines=tuple(
            OrderLine(
                line_id=int(li["line_id"]),
                product_id=li["product_id"],
                sku=li["sku"],
                product_name=li["product_name"],
                category=li.get("category", ""),
                options=dict(li.get("options") or {}),
                quantity=int(li.get("quantity", 1)),
                unit_price=float(li.get("unit_price", 0.0)),
                final_sale=bool(li.get("final_sale", False)),
            )
            for li in body.get("lines", [])
        ),
        shipping_postcode=(body.get("shipping_address") or {}).get("postcode"),
        shipping_name=(body.get("shipping_address") or {}).get("name"),
        shipment=shipment,
        returns=tuple(
            ReturnRequest(
                rma_id=r["rma_id"],
                status=r.get("status", ""),
                created_at=parse_datetime(r.get("created_at")),
                resolution=r.get("resolution"),
                line_ids=tuple(r.get("line_ids", [])),
            )
            for r in body.get("returns", [])
        ),
        refunds=tuple(
            Refund(
                refund_id=r["refund_id"],
                amount=float(r.get("amount", 0.0)),
                method=r.get("method", ""),
                status=r.get("status", ""),
                created_at=parse_datetime(r.get("created_at")),
                processed_at=parse_datetime(r.get("processed_at")),
            )
            for r in body.get("refunds", [])
        ),
        paid_with=tuple(
            dict.fromkeys(
                p["method"]["payment_method_id"]
                for p in body.get("payments", [])
                if p.get("status") not in ("voided", "refunded")
            )
        ),
        items_modified=bool(body.get("items_modified", False)),
    )
