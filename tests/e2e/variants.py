"""Finding, in the live backend, another option a shopper could ask for (for e2e tests)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from commerce.db import Database
from commerce.demo_orders import demo_order_records
from tests.e2e.conftest import Backed, backend_get, backend_order


def samples_in(db_url: str, status: str, per_status: int = 50) -> list[dict[str, str]]:
    """More sample orders of one status than the shared fixture lists (it keeps 3).

    Read in this process with ``make demo-orders``' own query: a walk asks for each flow's
    orders in turn, and a subprocess each time cost a fresh interpreter's imports.
    """
    database = Database(db_url, max_workers=1)
    try:
        rows = database.run_sync(lambda session: demo_order_records(session, per_status))
    finally:
        database.close()
    return [row for row in rows if row["status"] == status]


def as_seeded(live: dict[str, Any], status: str) -> bool:
    """The order, as the backend has it now, is still as seeded: in ``status``, its items never
    changed, nothing returned. The shared stack's tests change orders they pick; each picks one
    no other test has changed."""
    return live["status"] == status and not live["items_modified"] and not live["returns"]


def alternative(stack: Backed, order_id: str, *, skip_lines: int = 0) -> dict[str, Any] | None:
    """A line of the order and an in-stock variant of its product that differs in one option.

    Returns the line, the variant, the option that differs, and the words a shopper would
    use ("the Water Bottle in 1000ml"); None when no line has such a variant.
    """
    order = backend_order(stack, order_id)
    seen = 0
    for line in order["lines"]:
        names = [other["product_name"] for other in order["lines"] if other is not line]
        if line["product_name"] in names:
            continue  # two lines of one product: the words could mean either
        product = backend_get(stack, f"products/{line['product_id']}")
        for variant in product["variants"]:
            differing = [k for k, v in variant["options"].items() if line["options"].get(k) != v]
            if variant["stock"] > 0 and len(differing) == 1:
                if seen < skip_lines:
                    seen += 1
                    break
                key = differing[0]
                return {
                    "line": line,
                    "variant": variant,
                    "option": key,
                    "words": f"the {line['product_name']} in {variant['options'][key]}",
                    "difference": float(variant["price"]) - float(line["unit_price"]),
                }
    return None


def line_sku(stack: Backed, order_id: str, line_id: int) -> str:
    """The SKU a line of the order has now."""
    order = backend_order(stack, order_id)
    return str(next(line["sku"] for line in order["lines"] if line["line_id"] == line_id))


def returnable_lines(
    stack: Backed, order_id: str, final_sale_categories: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """The lines the merchant's policy lets go back, read from the backend's order."""
    body = backend_order(stack, order_id)
    returned = {line_id for rma in body["returns"] for line_id in rma["line_ids"]}
    return [
        line
        for line in body["lines"]
        if not line["final_sale"]
        and line["category"] not in final_sale_categories
        and line["line_id"] not in returned
    ]


def after_item_question(reply: str, several: bool, pick: Callable[[], str]) -> str:
    """The reply after the item is known: asked "which item" exactly when several may go.

    ``several`` comes from the store, not from the bot, so the test holds the bot to one path.
    """
    assert ("Which item" in reply) is several, reply
    return pick() if several else reply


def after_payment_question(reply: str, alt: dict[str, Any], pay: Callable[[], str]) -> str:
    """The reply after the new option: asked how to pay exactly when the price differs."""
    differs = abs(alt["difference"]) >= 0.005
    assert ("Which payment method" in reply) is differs, reply
    return pay() if differs else reply
