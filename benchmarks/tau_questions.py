"""The τ-bench-style question tasks: the figures a reply must hold, read from the backend.

An order's status, and a product's options, availability and price. They change nothing; the
check reads the figures when the task is checked, since tasks played before move stock.
"""

from __future__ import annotations

from typing import Any

from benchmarks.tau_backend import Backend, Task

STATUS_WORDS = {
    "pending": ("waiting for the payment", "placed"),
    "shipped": ("on its way", "in transit", "shipped"),
    "delivered": ("delivered",),
    "cancelled": ("cancelled",),
}


def status_task(user: dict[str, Any], order: dict[str, Any], _i: int) -> Task:
    words = STATUS_WORDS.get(order["status"], (order["status"].replace("_", " "),))

    def check(before: dict[str, Any], after: dict[str, Any], reply: str) -> list[str]:
        if order["order_id"] in reply and any(w in reply for w in words):
            return []
        return [f"reply did not give the {order['status']} status of {order['order_id']}"]

    return Task(
        "order_status",
        user,
        order["order_id"],
        f"What's the status of my order {order['order_id']}?",
        {},
        check,
    )


def product_question_task(
    backend: Backend, user: dict[str, Any], order: dict[str, Any], index: int
) -> Task | None:
    """A catalogue question about a product the shopper bought; the reply must hold the figures.

    In turn: how many options are available (τ-bench's own figure question), which values
    of one option there are, and the price of the product in one named option. The figures
    are read when the task is checked: tasks played before it move stock.
    """
    line = order["lines"][index % len(order["lines"])]
    product_path = f"products/{line['product_id']}"
    product = backend.get(product_path)
    name, variants = product["name"], product["variants"]
    if len(variants) < 2:
        return None
    key = next(iter(variants[0]["options"]), None)
    shape = 0 if key is None else index % 3
    value = next((v for v in variants if v["stock"] > 0), variants[0])["options"].get(key, "")
    opening = (
        f"How many {name} options are available right now?",
        f"hi, what {key}s does the {name.lower()} come in?",
        f"how much is the {name} in {value}? is it in stock?",
    )[shape]

    def wanted(now: list[dict[str, Any]]) -> list[str]:
        if shape == 0:
            return [
                f"{len(now)} options, {sum(1 for v in now if v['stock'] > 0)} of them available"
            ]
        if shape == 1:
            values = sorted({v["options"][key] for v in now if key in v["options"]})
            plural = "" if len(values) == 1 else "s"
            return [f"{len(values)} {str(key).replace('_', ' ')}{plural}:", *values[:10]]
        fitting = [v["price"] for v in now if v["options"].get(key) == value and v["stock"] > 0]
        named = f"In {value}" if len(value) > 3 else value
        return [named, f"${min(fitting):,.2f}" if fitting else "sold out"]

    def check(before: dict[str, Any], after: dict[str, Any], reply: str) -> list[str]:
        missing = [w for w in wanted(backend.get(product_path)["variants"]) if w not in reply]
        return [f"reply lacks {missing}"] if missing else []

    return Task("product_question", user, order["order_id"], opening, {"product": name}, check)
