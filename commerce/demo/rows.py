"""Writes the demo store's rows from planned orders: ids, payments, parcels, returns, refunds.

Ids are assigned here, in the order the orders were placed, so that they grow with time as
in a real shop; how an order is paid (a gift card may cover part of it) and which payment a
refund gives back are decided here too, because they only matter for the rows the books read.
The writer draws from the builder's generator, after planning, so that a seed still gives
the same store.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping, Sequence

from commerce.demo.clock import hours, minute
from commerce.demo.plan import OrderPlan, Row
from commerce.demo.shipping import SHIPMENT_STATUS_OF_ORDER, ShippingPlanner
from commerce.keys import order_digits_key, order_ref_key, postcode_key


class RowWriter:
    """Appends to `rows` (keyed by table) the rows of sorted plans and of the customers.

    Args:
        rng: The builder's generator, carried on from planning.
        shipping: Makes the tracking numbers.
        now: The store's now.
        customers: Customer rows; keys starting with `_` are the builder's and are dropped.
        methods: Each customer's payment methods, the default first.
        rows: Where the rows go.
    """

    def __init__(
        self,
        rng: random.Random,
        shipping: ShippingPlanner,
        now: dt.datetime,
        customers: Sequence[Row],
        methods: Mapping[str, list[Row]],
        rows: dict[str, list[Row]],
    ) -> None:
        self.rng = rng
        self.shipping = shipping
        self.now = now
        self.rows = rows
        self._customers = customers
        self._methods = methods

    def write(self, plans: list[OrderPlan]) -> None:
        """Append the rows of `plans`, in placing order, then every customer."""
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

    # --- money ---------------------------------------------------------------------

    def _payments(self, plan: OrderPlan) -> list[tuple[Row, int]]:
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

    def _gift_card_id(self, plan: OrderPlan) -> str | None:
        methods = self._methods[plan.customer["id"]]
        return next((m["id"] for m in methods if m["type"] == "gift_card"), None)

    def _refund_method_id(
        self, plan: OrderPlan, resolution: str, payments: list[Row]
    ) -> str | None:
        """Where an RMA's money goes: the card or PayPal that paid (a gift card only if it paid
        alone, as `_payments` sends partial refunds to the card), or a gift card for credit."""
        if resolution == "store_credit":
            return self._gift_card_id(plan)
        if resolution == "exchange" or not payments:
            return None
        paying = [p for p in payments if p["payment_method_id"] not in self._gift_card_ids(plan)]
        return str((paying or payments)[0]["payment_method_id"])

    def _gift_card_ids(self, plan: OrderPlan) -> set[str]:
        return {m["id"] for m in self._methods[plan.customer["id"]] if m["type"] == "gift_card"}

    def _refunded_payment(self, plan: OrderPlan, payments: list[Row]) -> Row | None:
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
