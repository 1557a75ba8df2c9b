"""Builds every row of the demo store in memory, deterministically.

A quota of orders per status is fixed first, so every status is present at any store size.
Each order then gets lines, a shipping address, payments, a parcel timeline consistent with
its status, and returns or refunds where the status calls for them: that is planning, done
here. Writing the rows (`commerce.demo.rows`) comes last, once the plans are sorted by the
time they were placed, so that ids grow with time as in a real shop.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass

from faker import Faker

from commerce.demo import data
from commerce.demo.baskets import BasketPlanner
from commerce.demo.catalog import build_catalog
from commerce.demo.clock import HOUR, hours, minute
from commerce.demo.people import build_customers, place, street, unit
from commerce.demo.plan import OrderPlan, PlannedLine, Row
from commerce.demo.rows import RowWriter
from commerce.demo.shipping import SHIPMENT_STATUS_OF_ORDER, Destination, ShippingPlanner
from commerce.models import ORDER_STATUSES

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
        RowWriter(
            self.rng, self.shipping, self.now, self._customers, self._methods, self.rows
        ).write(plans)
        return self.rows

    # --- planning --------------------------------------------------------------------

    def _weighted(self, items: Sequence[Row], weights: Sequence[float]) -> Row:
        return items[bisect.bisect_right(weights, self.rng.random() * weights[-1])]

    def _plan(self, seq: int, status: str) -> OrderPlan:
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
        plan = OrderPlan(seq, status, customer, lines, shipping, address, placed_at=self.now)

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
    ) -> list[PlannedLine]:
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
            lines.append(PlannedLine(product, variant, quantity))
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

    def _cancel(self, plan: OrderPlan) -> None:
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

    def _return_reason(self, lines: list[PlannedLine]) -> str:
        sized = any(line.product["category"] in data.SIZED_CATEGORIES for line in lines)
        if sized and self.rng.random() < 0.55:
            return self.rng.choice(data.RETURN_REASONS_SIZED)
        return self.rng.choice(data.RETURN_REASONS_ANY)

    def _return(self, plan: OrderPlan, refunded: bool) -> None:
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
