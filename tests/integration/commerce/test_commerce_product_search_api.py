"""Searching the catalogue by the shopper's words over HTTP (``GET /api/v1/products``)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from commerce.db import Database
from commerce.models import Product


def _a_product(store: Database) -> Product:
    """A catalogue product whose name no other product's name contains whole."""
    query = select(Product).options(selectinload(Product.variants))
    products = store.run_sync(lambda s: list(s.execute(query).scalars()))
    names = [p.name.lower() for p in products]
    return next(p for p in products if sum(p.name.lower() in n for n in names) == 1)


async def test_a_question_naming_a_product_finds_it_first_with_variants_and_stock(
    client: TestClient, auth: dict[str, str], store: Database
) -> None:
    product = _a_product(store)
    question = f"how many options does the {product.name} come in?"

    response = await client.get(f"/api/v1/products?q={quote(question)}", headers=auth)
    body = await response.json()

    assert response.status == 200
    first = body["products"][0]
    assert (first["product_id"], first["name"], first["match"]) == (product.id, product.name, 1.0)
    assert len(first["variants"]) == len(product.variants)
    assert {v["sku"]: v["stock"] for v in first["variants"]} == {
        v.sku: v.stock for v in product.variants
    }


async def test_results_are_best_first_and_at_most_limit(
    client: TestClient, auth: dict[str, str], store: Database
) -> None:
    word = _a_product(store).name.split()[-1]

    response = await client.get(f"/api/v1/products?q={quote(word)}&limit=2", headers=auth)
    products = (await response.json())["products"]

    assert response.status == 200
    assert 1 <= len(products) <= 2
    assert [p["match"] for p in products] == sorted((p["match"] for p in products), reverse=True)


async def test_words_that_name_no_product_give_an_empty_list(
    client: TestClient, auth: dict[str, str]
) -> None:
    response = await client.get("/api/v1/products?q=where%20is%20my%20parcel", headers=auth)

    assert response.status == 200
    assert (await response.json()) == {"products": []}


@pytest.mark.parametrize(
    ("query", "field"),
    [("", "q"), ("q=%20%20", "q"), ("q=" + "a" * 201, "q"), ("q=tee&limit=0", "limit"),
     ("q=tee&limit=21", "limit"), ("q=tee&limit=two", "limit")],
)  # fmt: skip
async def test_a_missing_blank_or_too_long_text_or_a_bad_limit_is_422_naming_it(
    client: TestClient, auth: dict[str, str], query: str, field: str
) -> None:
    response = await client.get(f"/api/v1/products?{query}", headers=auth)
    body = await response.json()

    assert response.status == 422
    assert body["error"]["code"] == "invalid_request"
    assert field in body["error"]["message"]


async def test_the_search_needs_the_token_like_every_read(client: TestClient) -> None:
    response = await client.get("/api/v1/products?q=tee")

    assert response.status == 401
