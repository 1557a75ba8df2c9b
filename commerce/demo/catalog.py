"""The demo catalogue: products with attributes and variants (colour, size, capacity...)."""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass, field
from typing import Any

from commerce.demo import data

Row = dict[str, Any]

FIRST_PRODUCT_NUMBER = 1001
OUT_OF_STOCK_SHARE = 0.08


@dataclass
class Catalog:
    """Product and variant rows, plus how popular each product is with shoppers.

    Attributes:
        products: Rows of the `products` table.
        variants: Rows of the `product_variants` table.
        variants_by_product: The same variant rows, grouped by product id.
        popularity: One weight per product, aligned with `products` (a heavy-tailed draw,
            so a few products sell a lot, as in any shop).
        types: Each product's type name ("Down Sleeping Bag"), aligned with `products`;
            the demo orders pair products by type (`commerce.demo.baskets`).
    """

    products: list[Row] = field(default_factory=list)
    variants: list[Row] = field(default_factory=list)
    variants_by_product: dict[str, list[Row]] = field(default_factory=dict)
    popularity: list[float] = field(default_factory=list)
    types: list[str] = field(default_factory=list)


def sku_code(value: str) -> str:
    """Short upper-case code of an option value (`forest green` -> `FGR`, `10000 mAh` ->
    `10000MAH`, `S/M` -> `SM`)."""
    if value in data.COLOR_CODES:
        return data.COLOR_CODES[value]
    parts = [part for part in re.split(r"[^A-Za-z0-9]+", value) if part]
    return "".join(part if part.isdigit() else part[:3].upper() for part in parts) or "STD"


def _price_cents(rng: random.Random, low: int, high: int) -> int:
    """A shelf price: whole dollars between low and high, ending in .00, .95 or .99."""
    if low == high:
        return low * 100
    return rng.randint(low, high) * 100 + rng.choice((0, 95, 99, 99))


def _describe(name: str, ptype: data.ProductType, category: data.Category, attrs: Row) -> str:
    def shown(value: object) -> str:
        if isinstance(value, bool):
            return "yes" if value else "no"
        return str(value)

    details = "; ".join(f"{key.replace('_', ' ')}: {shown(value)}" for key, value in attrs.items())
    description = f"The {name} is {ptype.blurb}."
    if details:
        description += f" Details: {details}."
    if category.final_sale:
        description += f" {category.final_sale_note}"
    return description


def _variants(
    rng: random.Random, product_id: str, price: int, category: str, ptype: data.ProductType
) -> list[Row]:
    axes: list[list[tuple[str, str, int]]] = []
    for axis in ptype.axes:
        values = list(axis.values)
        if axis.pick is not None:
            count = min(len(values), rng.randint(*axis.pick))
            chosen = set(rng.sample(range(len(values)), count))
            values = [value for index, value in enumerate(values) if index in chosen]
        axes.append([(axis.name, value, delta) for value, delta in values])
    rows = []
    for position, combo in enumerate(itertools.product(*axes)):
        if category == "gift_cards":
            stock = 5000
        elif rng.random() < OUT_OF_STOCK_SHARE:
            stock = 0
        else:
            stock = min(250, 1 + int(rng.expovariate(1 / 35)))
        codes = [sku_code(value) for _, value, _ in combo] or ["STD"]
        rows.append(
            {
                "sku": "-".join([product_id, *codes]),
                "product_id": product_id,
                "position": position,
                "options": {name: value for name, value, _ in combo},
                "price_cents": price + sum(delta for _, _, delta in combo),
                "stock": stock,
            }
        )
    return rows


def build_catalog(rng: random.Random) -> Catalog:
    """Every category's products: series names crossed with the category's product types."""
    catalog = Catalog()
    number = FIRST_PRODUCT_NUMBER
    for category in data.CATALOG:
        names = data.GIFT_CARD_EDITIONS if category.key == "gift_cards" else data.SERIES
        unused = {ptype.name: rng.sample(names, len(names)) for ptype in category.types}
        for index in range(category.count):
            ptype = category.types[index % len(category.types)]
            product_id = f"P-{number}"
            number += rng.randint(1, 4)
            name = f"{unused[ptype.name].pop()} {ptype.name}"
            price = _price_cents(rng, *ptype.price)
            attributes = {key: rng.choice(values) for key, values in ptype.attributes.items()}
            catalog.products.append(
                {
                    "id": product_id,
                    "name": name,
                    "category": category.key,
                    "description": _describe(name, ptype, category, attributes),
                    "price_cents": price,
                    "final_sale": category.final_sale,
                    "attributes": attributes,
                }
            )
            catalog.types.append(ptype.name)
            catalog.popularity.append(
                rng.paretovariate(1.3) * (0.3 if category.key == "gift_cards" else 1.0)
            )
            variants = _variants(rng, product_id, price, category.key, ptype)
            catalog.variants.extend(variants)
            catalog.variants_by_product[product_id] = variants
    return catalog
