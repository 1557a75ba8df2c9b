"""One demo order as planned, before it has ids: what the builder decides, the writer writes.

The builder draws everything random about an order (status, lines, dates, return, refund)
into a plan; the writer turns plans into rows once they are sorted by the time they were
placed. This is the hand-over between the two.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from commerce.demo.shipping import Timeline

Row = dict[str, Any]


@dataclass
class PlannedLine:
    product: Row
    variant: Row
    quantity: int

    @property
    def amount_cents(self) -> int:
        return int(self.variant["price_cents"]) * self.quantity


@dataclass
class OrderPlan:
    """One order before ids are assigned."""

    seq: int
    status: str
    customer: Row
    lines: list[PlannedLine]
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
