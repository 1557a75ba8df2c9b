"""What the actions' tests read to arrange and check a case: the seeded store, over the
backend's API, and the merchant's policy. One copy for every test module of the flows."""

from __future__ import annotations

import re
from typing import Any

from merchants.policy import load_policy
from tests.integration.actions.conftest import Backend


def support() -> dict[str, str]:
    """The merchant's contact, as the replies that name it fill it in."""
    policy = load_policy().support
    return {"support_email": policy.email, "support_hours": policy.hours}


def placeholders(domain: dict[str, Any], response: str) -> set[str]:
    """The template variables every variant of a response needs."""
    return {
        name
        for variant in domain["responses"][response]
        for name in re.findall(r"{(\w+)}", variant.get("text", ""))
    }


async def order_of(backend: Backend, order_id: str) -> dict[str, Any]:
    return await backend.get_json(f"/api/v1/orders/{order_id}")


async def other_variants(backend: Backend, line: dict[str, Any]) -> list[dict[str, Any]]:
    """The variants of the line's product other than the one bought."""
    product = await backend.get_json(f"/api/v1/products/{line['product_id']}")
    return [v for v in product["variants"] if v["sku"] != line["sku"]]


async def options_of(backend: Backend, line: dict[str, Any], *, in_stock: bool) -> list[Any]:
    """Other options of the line's product at its price, in stock or sold out."""
    found = [
        v
        for v in await other_variants(backend, line)
        if v["price"] == line["unit_price"] and (v["stock"] > 0) == in_stock
    ]
    assert found, f"the seeded store has no such option of {line['product_name']}"
    return found


async def in_stock_swap(backend: Backend, line: dict[str, Any]) -> str:
    """Another in-stock option of the line's product at the same price, as its button sends it."""
    return f"{line['line_id']}:{(await options_of(backend, line, in_stock=True))[0]['sku']}"


async def the_change(backend: Backend, sample: dict[str, str]) -> dict[str, str]:
    """An item change's saved-conversation values: this order, another option of its first item."""
    order = await order_of(backend, sample["order_id"])
    line = order["lines"][0]
    new = (await options_of(backend, line, in_stock=True))[0]
    return {
        **sample,
        "item_changes": f"{line['line_id']}:{new['sku']}",
        "payment_method": order["payments"][0]["method"]["payment_method_id"],
        "new_sku": new["sku"],
        "new_item": f"{line['product_name']} ({', '.join(new['options'].values())})",
    }
