"""Builds every row of the demo store in memory, deterministically.

A quota of orders per status is fixed first, so every status is present at any store size.
Each order then gets lines, a shipping address, payments, a parcel timeline consistent with
its status, and returns or refunds where the status calls for them. Order ids are assigned
last, in the order the orders were placed, so that ids grow with time as in a real shop.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from faker import Faker

from commerce.demo import data
from commerce.demo.baskets import BasketPlanner
from commerce.demo.catalog import build_catalog
from commerce.demo.clock import HOUR, hours, minute
from commerce.demo.people import build_customers, place, street, unit
from commerce.demo.shipping import SHIPMENT_STATUS_OF_ORDER, Destination, ShippingPlanner, Timeline
from commerce.keys import order_digits_key, order_ref_key, postcode_key
from commerce.models import ORDER_STATUSES

Row = dict[str, Any]

STORE_TIME = dt.time(16, 0)
"""The store's clock on the as-of date, in UTC: late morning across the US."""

# Share of all orders in each status; "delivered" takes what is left. Recent states are
# over-represented compared with a real shop so that each has several examples to demo.
STATUS_SHARES = {
    "pending": 0.003,
    "paid": 0.004,
    "packed": 0.004,
    "shipped": 0.006,
    "in_transit": 0.015,
    "delayed": 0.004,
    "out_for_delivery": 0.004,
    "lost": 0.004,
    "cancelled": 0.03,
    "return_requested": 0.012,
    "exchange_requested": 0.006,
    "refunded": 0.05,
}
MIN_PER_STATUS = 3

# Hours before now that an order without a parcel was placed (min, max).
UNSHIPPED_WINDOWS_HOURS = {
    "pending": (0.25, 10),
    "paid": (1, 26),
    "packed": (8, 40),
    "cancelled": (2, 24 * 365),
}
RETURN_STATUSES = frozenset({"return_requested", "exchange_requested", "refunded"})
TABLES = (
    "customers",
    "payment_methods",
    "products",
    "product_variants",
    "orders",
    "order_lines",
    "payments",
    "shipments",
    "tracking_events",
    "returns",
    "return_lines",
    "refunds",
    "claims",
    "claim_lines",
)


@dataclass(frozen=True)
class StoreSize:
    """How big a store to build."""

    customers: int = 400
    orders: int = 3000


def status_quota(order_count: int) -> dict[str, int]:
    """How many orders of each status a store of `order_count` orders gets."""
    quota = {
        status: max(MIN_PER_STATUS, round(order_count * share))
        for status, share in STATUS_SHARES.items()
    }
    quota["delivered"] = order_count - sum(quota.values())
    if quota["delivered"] < MIN_PER_STATUS:
        raise ValueError(f"{order_count} orders are too few to show every order status")
    return {status: quota[status] for status in ORDER_STATUSES}


def cumulative(weights: Sequence[float]) -> list[float]:
    return list(itertools.accumulate(weights))


@dataclass
class _Line:
    product: Row
    variant: Row
    quantity: int

    @property
    def amount_cents(self) -> int:
        return int(self.variant["price_cents"]) * self.quantity


@dataclass
class _Plan:
    """One order before ids are assigned."""

    seq: int
    status: str
    customer: Row
    lines: list[_Line]
    shipping_cents: int
    address: Row
    placed_at: dt.datetime
    carrier: str | None = None
    timeline: Timeline | None = None
    payment_status: str = "captured"
    cancelled_at: dt.datetime | None = None
    rma: Row | None = None
    refund: Row | None = None

    @property
    def total_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines) + self.shipping_cents


class StoreBuilder:
    """Generates the demo store; same seed, as-of date and size give the same rows.

    Args:
        seed: Seeds both `random.Random` and Faker.
        as_of: The store's "today".
        size: How many customers and orders.
    """

    def __init__(self, seed: int, as_of: dt.date, size: StoreSize) -> None:
        self.rng = random.Random(seed)
        self.fake = Faker("en_US")
        self.fake.seed_instance(seed)
        self.as_of = as_of
        self.now = dt.datetime.combine(as_of, STORE_TIME)
        self.size = size
        self.shipping = ShippingPlanner(self.rng, as_of, self.now)
        self.rows: dict[str, list[Row]] = {table: [] for table in TABLES}
        # Filled by build(): what orders are drawn from.
        self._baskets: BasketPlanner | None = None
        self._variants: dict[str, list[Row]] = {}
        self._customers: list[Row] = []
        self._customer_weights: list[float] = []
        self._methods: dict[str, list[Row]] = {}

    def build(self) -> dict[str, list[Row]]:
        """Every row of the store, keyed by table name, in insertion order."""
        catalog = build_catalog(self.rng)
        self.rows["products"] = catalog.products
        self.rows["product_variants"] = catalog.variants
        self._variants = catalog.variants_by_product
        exchangeable = frozenset(
            pid for pid, variants in catalog.variants_by_product.items() if len(variants) > 1
        )
        self._baskets = BasketPlanner(
            self.rng, catalog.products, catalog.types, catalog.popularity, exchangeable
        )

        customers = build_customers(self.rng, self.fake, self.size.customers, self.as_of.year)
        self._customers = customers.rows
        self._customer_weights = cumulative(customers.order_weights)
        self._methods = customers.methods_by_customer
        self.rows["payment_methods"] = customers.payment_methods

        statuses = [s for s, n in status_quota(self.size.orders).items() for _ in range(n)]
        self.rng.shuffle(statuses)
        plans = [self._plan(seq, status) for seq, status in enumerate(statuses)]
        plans.sort(key=lambda plan: (plan.placed_at, plan.seq))
        self._emit(plans)
        return self.rows

    # --- planning --------------------------------------------------------------------

    def _weighted(self, items: Sequence[Row], weights: Sequence[float]) -> Row:
        return items[bisect.bisect_right(weights, self.rng.random() * weights[-1])]

    def _plan(self, seq: int, status: str) -> _Plan:
        customer = self._weighted(self._customers, self._customer_weights)
        lines = self._lines(
            customer["id"],
            returnable_only=status in RETURN_STATUSES,
            exchangeable_only=status == "exchange_requested",
        )
        subtotal = sum(line.amount_cents for line in lines)
        expedited = self.rng.random() < 0.1
        if expedited:
            shipping = data.EXPEDITED_SHIPPING_CENTS
        elif subtotal >= data.FREE_SHIPPING_THRESHOLD_CENTS:
            shipping = 0
        else:
            shipping = data.STANDARD_SHIPPING_CENTS
        address = self._shipping_address(customer)
        plan = _Plan(seq, status, customer, lines, shipping, address, placed_at=self.now)

        if status in SHIPMENT_STATUS_OF_ORDER:
            plan.carrier = self.shipping.carrier(expedited)
            destination = Destination(
                address["city"], address["region"], address["zone"], bool(address["line2"])
            )
            plan.timeline = self.shipping.timeline(
                status, carrier=plan.carrier, expedited=expedited, destination=destination
            )
            plan.placed_at = plan.timeline.placed_at
        else:
            plan.placed_at = minute(self.now - hours(self.rng, *UNSHIPPED_WINDOWS_HOURS[status]))

        if status == "pending":
            plan.payment_status = "authorized"
        elif status == "cancelled":
            self._cancel(plan)
        elif status in RETURN_STATUSES:
            self._return(plan, refunded=status == "refunded")
        return plan

    def _lines(
        self, customer_id: str, returnable_only: bool, exchangeable_only: bool = False
    ) -> list[_Line]:
        """One to four different products, a first one and what goes with it
        (`commerce.demo.baskets`); orders headed for a return skip final-sale items, and those
        headed for an exchange take products that come in more than one variant."""
        assert self._baskets is not None, "build() sets up the basket planner first"
        count = self.rng.choices((1, 2, 3, 4), (55, 28, 12, 5))[0]
        picked = self._baskets.products(
            customer_id,
            count,
            returnable_only=returnable_only,
            exchangeable_only=exchangeable_only,
        )
        lines = []
        for product in picked:
            variant = self.rng.choice(self._variants[product["id"]])
            if product["category"] == "underwear":
                quantity = self.rng.choice((1, 1, 2, 3))
            else:
                quantity = 2 if self.rng.random() < 0.08 else 1
            lines.append(_Line(product, variant, quantity))
        return lines

    def _shipping_address(self, customer: Row) -> Row:
        """Usually the customer's own address; one order in ten is a gift sent elsewhere."""
        if self.rng.random() < 0.9:
            return {
                "name": f"{customer['first_name']} {customer['last_name']}",
                "line1": customer["line1"],
                "line2": customer["line2"],
                "city": customer["city"],
                "region": customer["region"],
                "postcode": customer["postcode"],
                "zone": customer["_zone"],
            }
        where = place(self.rng)
        return {
            "name": f"{self.fake.first_name()} {self.fake.last_name()}",
            "line1": street(self.rng),
            "line2": unit(self.rng),
            "city": where["city"],
            "region": where["region"],
            "postcode": where["zip5"],
            "zone": where["zone"],
        }

    def _cancel(self, plan: _Plan) -> None:
        """Cancelled within hours: the hold is voided, or a captured payment is refunded."""
        age_hours = (self.now - plan.placed_at) / HOUR
        cancelled_at = minute(plan.placed_at + hours(self.rng, 0.2, min(20.0, age_hours * 0.9)))
        plan.cancelled_at = cancelled_at
        if cancelled_at - plan.placed_at < HOUR or self.rng.random() < 0.55:
            plan.payment_status = "voided"
            return
        plan.payment_status = "refunded"
        processed = minute(cancelled_at + hours(self.rng, 24, 96))
        plan.refund = {
            "amount_cents": plan.total_cents,
            "method": "original_payment",
            "created_at": cancelled_at,
            "processed_at": processed if processed < self.now else None,
        }

    def _return_reason(self, lines: list[_Line]) -> str:
        sized = any(line.product["category"] in data.SIZED_CATEGORIES for line in lines)
        if sized and self.rng.random() < 0.55:
            return self.rng.choice(data.RETURN_REASONS_SIZED)
        return self.rng.choice(data.RETURN_REASONS_ANY)

    def _return(self, plan: _Plan, refunded: bool) -> None:
        """An RMA after delivery; for refunded orders also the refund once it came back."""
        assert plan.timeline is not None and plan.timeline.delivered_at is not None
        delivered = plan.timeline.delivered_at
        rng = self.rng
        count = 1 if len(plan.lines) == 1 or rng.random() < 0.7 else rng.randint(2, len(plan.lines))
        line_numbers = sorted(rng.sample(range(1, len(plan.lines) + 1), count))
        returned = [plan.lines[number - 1] for number in line_numbers]
        reason = self._return_reason(returned)
        if refunded:
            resolution = "refund" if rng.random() < 0.85 else "store_credit"
            created = minute(delivered + hours(rng, 12, 24 * 20))
            # Leave time for the parcel to come back and the refund to be issued.
            created = max(min(created, minute(self.now - hours(rng, 96, 192))), delivered + HOUR)
            status = "received"
        else:
            if plan.status == "exchange_requested":
                resolution = "exchange"
            else:
                resolution = rng.choices(("refund", "store_credit"), (85, 15))[0]
            latest = min(30 * 24.0, (self.now - HOUR - delivered) / HOUR)
            created = minute(delivered + hours(rng, min(6.0, latest), latest))
            status = "requested" if rng.random() < 0.65 else "approved"
        plan.rma = {
            "status": status,
            "resolution": resolution,
            "reason": reason,
            "created_at": created,
            "lines": [(number, plan.lines[number - 1].quantity) for number in line_numbers],
            "exchange_skus": {},
            "refund_cents": sum(line.amount_cents for line in returned),
        }
        if resolution == "exchange":
            plan.rma["refund_cents"] = 0
            for number in line_numbers:
                line = plan.lines[number - 1]
                others = [
                    v for v in self._variants[line.product["id"]] if v["sku"] != line.variant["sku"]
                ]
                in_stock = [v for v in others if v["stock"] > 0] or others
                plan.rma["exchange_skus"][number] = rng.choice(in_stock)["sku"]
        if not refunded:
            return
        amount = sum(line.amount_cents for line in returned)
        if reason in data.MERCHANT_FAULT_REASONS:
            amount += plan.shipping_cents
        refund_created = minute(created + hours(rng, 48, 84))
        processed = minute(refund_created + hours(rng, 24, 120))
        processed_at = processed if processed < self.now else None
        if processed_at is not None:
            plan.rma["status"] = "closed"
        plan.rma["refund_cents"] = amount
        plan.refund = {
            "amount_cents": amount,
            "method": "store_credit" if resolution == "store_credit" else "original_payment",
            "created_at": refund_created,
            "processed_at": processed_at,
        }
        if resolution == "store_credit":
            plan.payment_status = "captured"
        elif amount >= plan.total_cents:
            plan.payment_status = "refunded"
        else:
            plan.payment_status = "partially_refunded"

    def _payments(self, plan: _Plan) -> list[tuple[Row, int]]:
        """The customer's default method mostly; a gift card may cover part of the total."""
        methods = self._methods[plan.customer["id"]]
        total = plan.total_cents
        primary = methods[0] if self.rng.random() < 0.7 else self.rng.choice(methods)
        if primary["type"] != "gift_card":
            return [(primary, total)]
        gift_part = min(total, self.rng.randint(1, 10) * 1000)
        others = [method for method in methods if method["type"] != "gift_card"]
        if gift_part == total or not others:
            return [(primary, total)]
        return [(primary, gift_part), (others[0], total - gift_part)]

    def _gift_card_id(self, plan: _Plan) -> str | None:
        methods = self._methods[plan.customer["id"]]
        return next((m["id"] for m in methods if m["type"] == "gift_card"), None)

    def _refund_method_id(self, plan: _Plan, resolution: str, payments: list[Row]) -> str | None:
        """Where an RMA's money goes: the card or PayPal that paid (a gift card only if it paid
        alone, as `_payments` sends partial refunds to the card), or a gift card for credit."""
        if resolution == "store_credit":
            return self._gift_card_id(plan)
        if resolution == "exchange" or not payments:
            return None
        paying = [p for p in payments if p["payment_method_id"] not in self._gift_card_ids(plan)]
        return str((paying or payments)[0]["payment_method_id"])

    def _gift_card_ids(self, plan: _Plan) -> set[str]:
        return {m["id"] for m in self._methods[plan.customer["id"]] if m["type"] == "gift_card"}

    def _refunded_payment(self, plan: _Plan, payments: list[Row]) -> Row | None:
        """The one payment a seeded refund gives back, when there is exactly one.

        Store credit gives back no payment; a partial refund goes to the card (see
        `_payments`); a full refund of a split payment gives back both, so none is linked
        (both payments are marked refunded, which is what the books read).
        """
        if plan.refund is None or plan.refund["method"] == "store_credit":
            return None
        if len(payments) == 1:
            return payments[0]
        if plan.payment_status == "partially_refunded":
            card = next((p for p in payments if p["status"] == "partially_refunded"), None)
            if card is not None and card["amount_cents"] >= plan.refund["amount_cents"]:
                return card
        return None

    # --- rows ------------------------------------------------------------------------

    def _emit(self, plans: list[_Plan]) -> None:
        rng = self.rng
        order_number = 100000 + rng.randint(100, 4000)
        rma_number = 300000 + rng.randint(0, 999)
        refund_number = 700000 + rng.randint(0, 999)
        line_id = shipment_id = event_id = 0
        payment_ids: set[str] = set()
        first_order: dict[str, dt.datetime] = {}
        for plan in plans:
            order_number += rng.randint(1, 3)
            order_id = f"AC-{order_number}"
            customer = plan.customer
            first_order.setdefault(customer["id"], plan.placed_at)
            address = plan.address
            self.rows["orders"].append(
                {
                    "id": order_id,
                    "ref_key": order_ref_key(order_id),
                    "ref_digits": order_digits_key(order_id),
                    "customer_id": customer["id"],
                    "status": plan.status,
                    "placed_at": plan.placed_at,
                    "cancelled_at": plan.cancelled_at,
                    "cancel_reason": None,
                    "items_modified": False,
                    "currency": "USD",
                    "subtotal_cents": plan.total_cents - plan.shipping_cents,
                    "shipping_cost_cents": plan.shipping_cents,
                    "total_cents": plan.total_cents,
                    "ship_name": address["name"],
                    "ship_line1": address["line1"],
                    "ship_line2": address["line2"],
                    "ship_city": address["city"],
                    "ship_region": address["region"],
                    "ship_postcode": address["postcode"],
                    "ship_postcode_key": postcode_key(address["postcode"]),
                    "ship_country": "US",
                    "billing_postcode": customer["postcode"],
                    "billing_postcode_key": postcode_key(customer["postcode"]),
                }
            )
            line_ids: dict[int, int] = {}
            for number, line in enumerate(plan.lines, start=1):
                line_id += 1
                line_ids[number] = line_id
                self.rows["order_lines"].append(
                    {
                        "id": line_id,
                        "order_id": order_id,
                        "line_no": number,
                        "product_id": line.product["id"],
                        "sku": line.variant["sku"],
                        "product_name": line.product["name"],
                        "category": line.product["category"],
                        "options": line.variant["options"],
                        "quantity": line.quantity,
                        "unit_price_cents": line.variant["price_cents"],
                        "final_sale": line.product["final_sale"],
                    }
                )
            payments: list[Row] = []
            for method, amount in self._payments(plan):
                status = plan.payment_status
                if status == "partially_refunded" and method["type"] == "gift_card":
                    status = "captured"  # partial refunds go back to the card, not the gift card
                payment_id = f"PAY-{rng.randint(10**7, 10**8 - 1)}"
                while payment_id in payment_ids:
                    payment_id = f"PAY-{rng.randint(10**7, 10**8 - 1)}"
                payment_ids.add(payment_id)
                payments.append(
                    {
                        "id": payment_id,
                        "order_id": order_id,
                        "payment_method_id": method["id"],
                        "amount_cents": amount,
                        "status": status,
                        "created_at": plan.placed_at,
                    }
                )
            self.rows["payments"].extend(payments)
            if plan.timeline is not None and plan.carrier is not None:
                shipment_id += 1
                timeline = plan.timeline
                self.rows["shipments"].append(
                    {
                        "id": shipment_id,
                        "order_id": order_id,
                        "carrier": plan.carrier,
                        "tracking_number": self.shipping.tracking_number(
                            plan.carrier, address["zone"]
                        ),
                        "status": SHIPMENT_STATUS_OF_ORDER[plan.status],
                        "shipped_at": timeline.shipped_at,
                        "promised_delivery_date": timeline.promised,
                        "estimated_delivery_date": timeline.estimated,
                        "delivered_at": timeline.delivered_at,
                    }
                )
                for seq, event in enumerate(timeline.events, start=1):
                    event_id += 1
                    self.rows["tracking_events"].append(
                        {
                            "id": event_id,
                            "shipment_id": shipment_id,
                            "seq": seq,
                            "timestamp": event.timestamp,
                            "status": event.status,
                            "description": event.description,
                            "location": event.location,
                        }
                    )
            rma_id: str | None = None
            if plan.rma is not None:
                rma_number += rng.randint(1, 5)
                rma_id = f"RMA-{rma_number}"
                self.rows["returns"].append(
                    {
                        "id": rma_id,
                        "order_id": order_id,
                        "status": plan.rma["status"],
                        "resolution": plan.rma["resolution"],
                        "reason": plan.rma["reason"],
                        "created_at": plan.rma["created_at"],
                        "refund_amount_cents": plan.rma["refund_cents"],
                        "refund_payment_method_id": self._refund_method_id(
                            plan, plan.rma["resolution"], payments
                        ),
                    }
                )
                for number, quantity in plan.rma["lines"]:
                    self.rows["return_lines"].append(
                        {
                            "return_id": rma_id,
                            "order_line_id": line_ids[number],
                            "quantity": quantity,
                            "exchange_sku": plan.rma["exchange_skus"].get(number),
                        }
                    )
            if plan.refund is not None:
                refund_number += rng.randint(1, 5)
                paid_back = self._refunded_payment(plan, payments)
                self.rows["refunds"].append(
                    {
                        "id": f"RF-{refund_number}",
                        "order_id": order_id,
                        "return_id": rma_id,
                        "claim_id": None,
                        "payment_id": paid_back["id"] if paid_back else None,
                        "payment_method_id": (
                            paid_back["payment_method_id"]
                            if paid_back
                            else self._refund_method_id(plan, "store_credit", payments)
                        ),
                        "amount_cents": plan.refund["amount_cents"],
                        "method": plan.refund["method"],
                        "status": "processed" if plan.refund["processed_at"] else "pending",
                        "created_at": plan.refund["created_at"],
                        "processed_at": plan.refund["processed_at"],
                    }
                )

        earliest = self.now - dt.timedelta(days=3 * 365)
        for customer in self._customers:
            signed_up_before = first_order.get(customer["id"], self.now)
            customer["created_at"] = minute(max(earliest, signed_up_before - hours(rng, 1, 9600)))
            self.rows["customers"].append(
                {key: value for key, value in customer.items() if not key.startswith("_")}
            )
