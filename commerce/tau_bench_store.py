"""Builds every row of the τ-bench store in memory, from the files `commerce.tau_bench` loads.

What τ-bench does not have is made up deterministically (same seed and as-of date, same
rows) and documented in docs/commerce-backend.md: order and parcel dates, the carrier,
tracking scans, phone numbers (none: null), stock levels (available items get
`AVAILABLE_STOCK`), product categories (from the product name). Those choices change apart
from how the files are read, hence their own module.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from commerce.keys import email_key, name_key, order_digits_key, order_ref_key, postcode_key
from commerce.tau_bench import (
    CANCEL_REASONS,
    CARD_BRANDS,
    TauBenchDataError,
    category_of,
    cents,
    country_code,
    map_status,
)

Row = dict[str, Any]

AVAILABLE_STOCK = 20
"""τ-bench only says whether an item is available; available items get this much stock."""
CARRIER = "FedEx"
"""τ-bench has no carrier; its 12-digit tracking ids have the format of FedEx's numbers."""
STORE_TIME = dt.time(0, 0)
"""Made-up dates lie before midnight UTC starting the as-of date, so that changes made on
that day (stamped with the real clock) always come after them."""
PROMISE_DAYS = 7


def _minute(value: dt.datetime) -> dt.datetime:
    return value.replace(second=0, microsecond=0)


@dataclass
class _Timeline:
    placed_at: dt.datetime
    cancelled_at: dt.datetime | None = None
    label_at: dt.datetime | None = None
    picked_up_at: dt.datetime | None = None
    delivered_at: dt.datetime | None = None
    returned_at: dt.datetime | None = None


class TauBenchStore:
    """Builds every row of the τ-bench store in memory.

    Args:
        data: The three files as `load_files` returns them.
        as_of: The store's today; made-up dates lie before it begins (`STORE_TIME`).
        seed: Seeds the made-up dates (one generator per order, so an order's dates do not
            depend on which other orders the files hold).
    """

    def __init__(self, data: Mapping[str, Mapping[str, Any]], as_of: dt.date, seed: int) -> None:
        self.users = data["users"]
        self.products = data["products"]
        self.orders = data["orders"]
        self.as_of = as_of
        self.seed = seed
        self.now = dt.datetime.combine(as_of, STORE_TIME)
        self.rows: dict[str, list[Row]] = {}
        self._variant_product: dict[str, str] = {}
        self._methods: dict[str, Row] = {}

    def build(self) -> dict[str, list[Row]]:
        tables = (
            "customers payment_methods products product_variants orders order_lines payments "
            "shipments tracking_events returns return_lines refunds"
        )
        self.rows = {table: [] for table in tables.split()}
        self._catalogue()
        timelines = {order_id: self._timeline(order) for order_id, order in self.orders.items()}
        self._customers(timelines)
        for order_id, order in self.orders.items():
            self._order(order_id, order, timelines[order_id])
        return self.rows

    # --- customers and catalogue -----------------------------------------------------

    def _customers(self, timelines: Mapping[str, _Timeline]) -> None:
        first_order: dict[str, dt.datetime] = {}
        for order_id, order in self.orders.items():
            placed = timelines[order_id].placed_at
            owner = str(order["user_id"])
            first_order[owner] = min(placed, first_order.get(owner, placed))
        for user_id, user in self.users.items():
            rng = random.Random(f"{self.seed}:{user_id}")
            first = first_order.get(user_id, self.now)
            address = user["address"]
            full_name = f"{user['name']['first_name']} {user['name']['last_name']}"
            self.rows["customers"].append(
                {
                    "id": user_id,
                    "first_name": user["name"]["first_name"],
                    "last_name": user["name"]["last_name"],
                    "name_key": name_key(full_name),
                    "email": user["email"],
                    "email_key": email_key(user["email"]),
                    "phone": None,
                    "line1": address["address1"],
                    "line2": address.get("address2") or None,
                    "city": address["city"],
                    "region": address["state"],
                    "postcode": address["zip"],
                    "postcode_key": postcode_key(address["zip"]),
                    "country": country_code(address.get("country", "USA")),
                    "created_at": _minute(first - dt.timedelta(days=rng.uniform(30, 700))),
                }
            )
            for index, (method_id, method) in enumerate(user["payment_methods"].items()):
                row = self._payment_method(user_id, method_id, method, is_default=index == 0)
                self._methods[method_id] = row
                self.rows["payment_methods"].append(row)

    @staticmethod
    def _payment_method(user_id: str, method_id: str, method: Row, *, is_default: bool) -> Row:
        source = method["source"]
        if source not in ("credit_card", "paypal", "gift_card"):
            raise TauBenchDataError(f"unknown payment method source {source!r} of {method_id}")
        brand = method.get("brand")
        digits = re.sub(r"\D", "", method_id)
        return {
            "id": method_id,
            "customer_id": user_id,
            "type": source,
            "brand": CARD_BRANDS.get(str(brand).lower(), str(brand).title()) if brand else None,
            # Cards show their last four; a gift card is named by the end of its id.
            "last4": method.get("last_four") or (digits[-4:] if source == "gift_card" else None),
            "exp_month": None,
            "exp_year": None,
            "paypal_email": None,
            "gift_card_balance_cents": cents(method["balance"]) if source == "gift_card" else None,
            "is_default": is_default,
        }

    def _catalogue(self) -> None:
        for product_id, product in self.products.items():
            variants = list(product["variants"].values())
            if not variants:
                raise TauBenchDataError(f"product {product_id} has no variants")
            self.rows["products"].append(
                {
                    "id": product_id,
                    "name": product["name"],
                    "category": category_of(product["name"]),
                    "description": f"{product['name']} from the τ-bench retail catalogue.",
                    "price_cents": min(cents(v["price"]) for v in variants),
                    "final_sale": False,
                    "attributes": {},
                }
            )
            for position, variant in enumerate(variants):
                self._variant_product[variant["item_id"]] = product_id
                self.rows["product_variants"].append(
                    {
                        "sku": variant["item_id"],
                        "product_id": product_id,
                        "position": position,
                        "options": dict(variant["options"]),
                        "price_cents": cents(variant["price"]),
                        "stock": AVAILABLE_STOCK if variant["available"] else 0,
                    }
                )

    # --- orders ----------------------------------------------------------------------

    def _timeline(self, order: Row) -> _Timeline:
        """Made-up dates consistent with the status: newest for pending, oldest delivered."""
        status, _ = map_status(order["status"])
        rng = random.Random(f"{self.seed}:{order['order_id']}")
        now = self.now

        def hours(low: float, high: float) -> dt.timedelta:
            return dt.timedelta(hours=rng.uniform(low, high))

        if status == "pending":
            return _Timeline(placed_at=_minute(now - hours(0.5, 48)))
        if status == "cancelled":
            placed = _minute(now - hours(24, 24 * 90))
            return _Timeline(placed_at=placed, cancelled_at=_minute(placed + hours(0.5, 20)))
        if status == "shipped":
            placed = _minute(now - hours(30, 96))
        elif status == "delivered":
            placed = _minute(now - hours(24 * 5, 24 * 120))
        else:  # return or exchange requested: delivered within the last month
            placed = _minute(now - hours(24 * 8, 24 * 30))
        label = _minute(placed + hours(3, 20))
        timeline = _Timeline(placed_at=placed, label_at=label, picked_up_at=label + hours(1, 6))
        if status != "shipped":
            assert timeline.picked_up_at is not None
            timeline.delivered_at = _minute(timeline.picked_up_at + hours(40, 110))
        if status in ("return_requested", "exchange_requested"):
            assert timeline.delivered_at is not None
            latest = (now - timeline.delivered_at) / dt.timedelta(hours=1) - 1
            timeline.returned_at = _minute(timeline.delivered_at + hours(1, max(1.5, latest)))
        return timeline

    def _order(self, order_id: str, order: Row, timeline: _Timeline) -> None:
        status, items_modified = map_status(order["status"])
        user = self.users[order["user_id"]]
        address = order["address"]
        total = sum(cents(item["price"]) for item in order["items"])
        self.rows["orders"].append(
            {
                "id": order_id,
                "ref_key": order_ref_key(order_id),
                "ref_digits": order_digits_key(order_id),
                "customer_id": order["user_id"],
                "status": status,
                "placed_at": timeline.placed_at,
                "cancelled_at": timeline.cancelled_at,
                "cancel_reason": CANCEL_REASONS.get(str(order.get("cancel_reason", "")).lower()),
                "items_modified": items_modified,
                "currency": "USD",
                "subtotal_cents": total,
                "shipping_cost_cents": 0,
                "total_cents": total,
                "ship_name": f"{user['name']['first_name']} {user['name']['last_name']}",
                "ship_line1": address["address1"],
                "ship_line2": address.get("address2") or None,
                "ship_city": address["city"],
                "ship_region": address["state"],
                "ship_postcode": address["zip"],
                "ship_postcode_key": postcode_key(address["zip"]),
                "ship_country": country_code(address.get("country", "USA")),
                "billing_postcode": user["address"]["zip"],
                "billing_postcode_key": postcode_key(user["address"]["zip"]),
            }
        )
        line_ids = self._lines(order_id, order)
        self._payments(order_id, order, timeline)
        if status in ("shipped", "delivered", "return_requested", "exchange_requested"):
            self._shipment(order_id, order, status, timeline)
        if status in ("return_requested", "exchange_requested"):
            self._return(order_id, order, status, timeline, line_ids)

    def _lines(self, order_id: str, order: Row) -> list[tuple[str, int]]:
        """One line per τ-bench item (the same item twice is two lines), in their order."""
        line_ids: list[tuple[str, int]] = []
        for number, item in enumerate(order["items"], start=1):
            line_id = len(self.rows["order_lines"]) + 1
            product_id = self._variant_product.get(item["item_id"], item["product_id"])
            product = self.products.get(product_id)
            if product is None:
                raise TauBenchDataError(f"{order_id}: item {item['item_id']} of no known product")
            self.rows["order_lines"].append(
                {
                    "id": line_id,
                    "order_id": order_id,
                    "line_no": number,
                    "product_id": product_id,
                    "sku": item["item_id"],
                    "product_name": item.get("name") or product["name"],
                    "category": category_of(product["name"]),
                    "options": dict(item["options"]),
                    "quantity": 1,
                    "unit_price_cents": cents(item["price"]),
                    "final_sale": False,
                }
            )
            line_ids.append((item["item_id"], line_id))
        return line_ids

    def _payments(self, order_id: str, order: Row, timeline: _Timeline) -> None:
        """Payments and refunds of `payment_history`, each refund tied to the payment it
        gives back (the latest payment through the same method that still holds enough)."""
        payments: list[Row] = []
        held: dict[str, int] = {}
        ref = order_ref_key(order_id)
        refund_time = timeline.cancelled_at or timeline.placed_at + dt.timedelta(hours=1)
        for number, entry in enumerate(order["payment_history"], start=1):
            method_id = entry["payment_method_id"]
            if method_id not in self._methods:
                raise TauBenchDataError(f"{order_id}: unknown payment method {method_id}")
            amount = cents(entry["amount"])
            kind = entry["transaction_type"]
            if kind == "payment":
                payment = {
                    "id": f"PAY-{ref}-{number}",
                    "order_id": order_id,
                    "payment_method_id": method_id,
                    "amount_cents": amount,
                    "status": "captured",
                    "created_at": timeline.placed_at,
                }
                payments.append(payment)
                held[payment["id"]] = amount
            elif kind == "refund":
                paid_back = next(
                    (
                        p
                        for p in reversed(payments)
                        if p["payment_method_id"] == method_id and held[p["id"]] >= amount
                    ),
                    None,
                )
                if paid_back is not None:
                    held[paid_back["id"]] -= amount
                gift_card = self._methods[method_id]["type"] == "gift_card"
                settled = refund_time + dt.timedelta(days=0 if gift_card else 5)
                self.rows["refunds"].append(
                    {
                        "id": f"RF-{ref}-{number}",
                        "order_id": order_id,
                        "return_id": None,
                        "claim_id": None,
                        "payment_id": paid_back["id"] if paid_back else None,
                        "payment_method_id": method_id,
                        "amount_cents": amount,
                        "method": _refund_kind(method_id, payments, self._methods),
                        "status": "processed" if settled <= self.now else "pending",
                        "created_at": refund_time,
                        "processed_at": settled if settled <= self.now else None,
                    }
                )
            else:
                raise TauBenchDataError(f"{order_id}: unknown transaction type {kind!r}")
        for payment in payments:
            left = held[payment["id"]]
            if left == 0:
                payment["status"] = "refunded"
            elif left < payment["amount_cents"]:
                payment["status"] = "partially_refunded"
        self.rows["payments"].extend(payments)

    def _shipment(self, order_id: str, order: Row, status: str, timeline: _Timeline) -> None:
        """τ-bench's fulfilment as one parcel: its first tracking id, every line in it."""
        fulfilments = [f for f in order.get("fulfillments", []) if f.get("tracking_id")]
        if not fulfilments:
            return
        assert timeline.label_at is not None and timeline.picked_up_at is not None
        shipment_id = len(self.rows["shipments"]) + 1
        destination = f"{order['address']['city']}, {order['address']['state']}"
        delivered = timeline.delivered_at
        if delivered is not None:
            estimated = delivered.date()
        else:
            estimated = max(
                timeline.picked_up_at.date() + dt.timedelta(days=4),
                self.as_of + dt.timedelta(days=1),
            )
        promised = max(timeline.placed_at.date() + dt.timedelta(days=PROMISE_DAYS), estimated)
        self.rows["shipments"].append(
            {
                "id": shipment_id,
                "order_id": order_id,
                "carrier": CARRIER,
                "tracking_number": str(fulfilments[0]["tracking_id"][0]),
                "status": "shipped" if delivered is None else "delivered",
                "shipped_at": timeline.picked_up_at,
                "promised_delivery_date": promised,
                "estimated_delivery_date": estimated,
                "delivered_at": delivered,
            }
        )
        events: list[tuple[dt.datetime, str, str, str | None]] = [
            (timeline.label_at, "label_created", "Shipping label created", None),
            (timeline.picked_up_at, "picked_up", "Picked up by carrier", None),
        ]
        if delivered is not None:
            out = max(delivered - dt.timedelta(hours=3), timeline.picked_up_at)
            events.append((out, "out_for_delivery", "Out for delivery", destination))
            events.append((delivered, "delivered", "Delivered", destination))
        for seq, (timestamp, event_status, description, location) in enumerate(events, start=1):
            self.rows["tracking_events"].append(
                {
                    "id": len(self.rows["tracking_events"]) + 1,
                    "shipment_id": shipment_id,
                    "seq": seq,
                    "timestamp": timestamp,
                    "status": event_status,
                    "description": description,
                    "location": location,
                }
            )

    def _return(
        self,
        order_id: str,
        order: Row,
        status: str,
        timeline: _Timeline,
        line_ids: list[tuple[str, int]],
    ) -> None:
        """The RMA τ-bench's return and exchange tools leave on an order.

        `return_items` / `exchange_items` name item ids (a repeated id means a repeated
        item); `exchange_new_items` is sorted apart from `exchange_items` by τ-bench, so
        new items are paired with old ones by product.
        """
        exchange = status == "exchange_requested"
        item_ids = order.get("exchange_items" if exchange else "return_items") or []
        unclaimed = list(line_ids)
        returned: list[tuple[str, int]] = []
        for item_id in item_ids:
            match = next((pair for pair in unclaimed if pair[0] == item_id), None)
            if match is None:
                raise TauBenchDataError(f"{order_id}: returned item {item_id} is not in the order")
            unclaimed.remove(match)
            returned.append(match)
        if not returned:
            return
        new_items = list(order.get("exchange_new_items") or [])
        swaps: dict[int, str] = {}
        if exchange:
            for item_id, line_id in returned:
                product_id = self._variant_product.get(item_id)
                new = next(
                    (n for n in new_items if self._variant_product.get(n) == product_id), None
                )
                if new is None:
                    raise TauBenchDataError(f"{order_id}: no new item for exchanged {item_id}")
                new_items.remove(new)
                swaps[line_id] = new
        if exchange:
            difference = cents(order.get("exchange_price_difference") or 0)
            refund_cents = max(0, -difference)
            method = order.get("exchange_payment_method_id") if refund_cents else None
        else:
            lines = self.rows["order_lines"]  # line ids are positions in this list, from 1
            refund_cents = sum(lines[line_id - 1]["unit_price_cents"] for _, line_id in returned)
            method = order.get("return_payment_method_id")
        rma_id = f"RMA-{order_ref_key(order_id)}"
        self.rows["returns"].append(
            {
                "id": rma_id,
                "order_id": order_id,
                "status": "requested",
                "resolution": "exchange" if exchange else "refund",
                "reason": "not recorded by τ-bench",
                "created_at": timeline.returned_at,
                "refund_amount_cents": refund_cents,
                "refund_payment_method_id": method if method in self._methods else None,
            }
        )
        for _, line_id in returned:
            self.rows["return_lines"].append(
                {
                    "return_id": rma_id,
                    "order_line_id": line_id,
                    "quantity": 1,
                    "exchange_sku": swaps.get(line_id),
                }
            )


def _refund_kind(method_id: str, payments: list[Row], methods: Mapping[str, Row]) -> str:
    if any(payment["payment_method_id"] == method_id for payment in payments):
        return "original_payment"
    return "store_credit" if methods[method_id]["type"] == "gift_card" else "other_payment_method"
