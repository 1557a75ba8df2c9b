"""The τ-bench tasks' view of the backend: the task record and what builders read from the store.

A goal builder (`benchmarks.tau_goals`) reads orders, products and payment methods through
:class:`Backend`, the way an independent checker would, never through Aftercare's client.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

# --- the backend, as the checks read it ----------------------------------------------


@dataclass
class Backend:
    """The tests' independent view of the commerce backend."""

    url: str
    token: str

    def get(self, path: str, **params: str) -> dict[str, Any]:
        resp = requests.get(
            f"{self.url}/api/v1/{path}",
            headers={"Authorization": f"Bearer {self.token}"},
            params=params,
            timeout=10,
        )
        resp.raise_for_status()
        body: dict[str, Any] = resp.json()
        return body

    def order(self, order_id: str) -> dict[str, Any]:
        return self.get(f"orders/{order_id.lstrip('#')}")

    def methods(self, customer_id: str) -> list[dict[str, Any]]:
        methods: list[dict[str, Any]] = self.get(f"customers/{customer_id}/payment-methods")[
            "payment_methods"
        ]
        return methods


# --- tasks ----------------------------------------------------------------------------


Check = Callable[[dict[str, Any], dict[str, Any], str], list[str]]


@dataclass
class Task:
    """One shopper goal, the answers the shopper gives, and the expected end state."""

    kind: str
    user: dict[str, Any]
    order_id: str
    opening: str
    answers: dict[str, str]
    check: Check
    by_email: bool = True
    log: list[tuple[str, str]] = field(default_factory=list)
    touches: tuple[str, ...] = ()  # the shopper's other orders the task changes on purpose


def held_payments(order: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in order["payments"] if p["status"] not in ("voided", "refunded")]


def alternatives(backend: Backend, order: dict[str, Any], most: int) -> list[dict[str, Any]]:
    """Up to ``most`` lines, each with an in-stock variant differing in exactly one option."""
    names = [line["product_name"] for line in order["lines"]]
    found: list[dict[str, Any]] = []
    for line in order["lines"]:
        if names.count(line["product_name"]) > 1 or len(found) >= most:
            continue
        product = backend.get(f"products/{line['product_id']}")
        for variant in product["variants"]:
            differing = [k for k, v in variant["options"].items() if line["options"].get(k) != v]
            if variant["stock"] > 0 and len(differing) == 1:
                found.append(
                    {
                        "line": line,
                        "variant": variant,
                        "words": f"the {line['product_name']} in "
                        f"{variant['options'][differing[0]]}",
                        "difference": round(float(variant["price"]) - float(line["unit_price"]), 2),
                    }
                )
                break
    return found


def alternative(backend: Backend, order: dict[str, Any]) -> dict[str, Any] | None:
    """A line and an in-stock variant of its product differing in exactly one option."""
    found = alternatives(backend, order, 1)
    return found[0] if found else None


def paying_method(
    methods: list[dict[str, Any]], amount: float, prefer: str | None
) -> dict[str, Any] | None:
    """The method that pays ``amount``: the preferred one if it can, else any that can."""

    def can(m: dict[str, Any]) -> bool:
        return m["type"] != "gift_card" or float(m["balance"]) >= amount

    ordered = sorted(methods, key=lambda m: m["payment_method_id"] != prefer)
    return next((m for m in ordered if can(m)), None)


def unique_kind(methods: list[dict[str, Any]], method: dict[str, Any]) -> bool:
    """Whether a shopper can name the method by its kind ("my gift card") unambiguously."""
    return sum(m["type"] == method["type"] for m in methods) == 1


def method_words(methods: list[dict[str, Any]], method: dict[str, Any]) -> str:
    if method["type"] == "gift_card" and unique_kind(methods, method):
        return "my gift card"
    if method["type"] == "paypal" and unique_kind(methods, method):
        return "paypal"
    return str(method["label"])
