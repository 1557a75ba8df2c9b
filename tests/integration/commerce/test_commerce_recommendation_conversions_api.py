"""Conversions over HTTP: which clicks on suggestions a purchase of the product followed.

A fresh copy of the small demo store per test; clicks go through the real click route at
times set on the app's clock, orders are written to the store as the merchant's platform
would, and every answer is checked against the served OpenAPI document.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from commerce.app import create_app
from commerce.config import CommerceConfig
from commerce.db import Database
from tests.integration.commerce.conftest import (
    AUTH,
    NOW,
    TOKEN,
    Purchase,
    fresh_purchase,
    place_order,
)
from tests.integration.commerce.test_commerce_openapi_conformance import Contract

CLICKS = "/api/v1/recommendations/clicks"
CONVERSIONS = "/api/v1/recommendations/conversions"
DAY = dt.timedelta(days=1)


class Clock:
    """The app's clock, moved by the test between clicks."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest_asyncio.fixture
async def client(store_url: str, clock: Clock) -> AsyncIterator[TestClient]:
    config = CommerceConfig(db_url=store_url, api_token=TOKEN, cache_dir="")
    async with TestClient(TestServer(create_app(config, clock=clock))) as test_client:
        yield test_client


@pytest_asyncio.fixture
async def contract(client: TestClient) -> Contract:
    return Contract(await (await client.get("/openapi.json")).json())


@pytest.fixture
def shop(store: Database) -> Purchase:
    return fresh_purchase(store)


async def click(
    client: TestClient, clock: Clock, when: dt.datetime, list_id: str, product_id: str,
    customer_id: str | None,
) -> None:  # fmt: skip
    clock.now = when
    body = {"recommendation_id": list_id, "product_id": product_id, "position": 1}
    if customer_id is not None:
        body["customer_id"] = customer_id
    resp = await client.post(CLICKS, json=body, headers=AUTH)
    assert resp.status in (200, 201), await resp.text()


async def conversions(
    client: TestClient, contract: Contract, **params: str
) -> list[dict[str, Any]]:
    """Every conversion, following `next` to the last page."""
    found: list[dict[str, Any]] = []
    while True:
        resp = await client.get(CONVERSIONS, params=params, headers=AUTH)
        assert resp.status == 200, await resp.text()
        page = await resp.json()
        contract.check_response(CONVERSIONS, "get", 200, page)
        found += page["conversions"]
        if page["next"] is None:
            return found
        params = {**params, "after": page["next"]}


def iso(moment: dt.datetime) -> str:
    return moment.isoformat() + "Z"


async def test_an_order_of_another_variant_after_the_click_is_the_clicks_conversion(
    client: TestClient, clock: Clock, contract: Contract, store: Database, shop: Purchase
) -> None:
    await click(client, clock, NOW, "rec_a", shop.product_id, shop.customer_id)
    order_id = place_order(store, shop.customer_id, shop.skus[1], NOW + 2 * DAY)

    found = await conversions(client, contract)

    assert found == [
        {
            "recommendation_id": "rec_a",
            "product_id": shop.product_id,
            "clicked_at": iso(NOW),
            "order_id": order_id,
            "placed_at": iso(NOW + 2 * DAY),
        }
    ]


async def test_an_order_placed_before_the_click_does_not_count(
    client: TestClient, clock: Clock, contract: Contract, store: Database, shop: Purchase
) -> None:
    place_order(store, shop.customer_id, shop.skus[0], NOW - DAY)
    await click(client, clock, NOW, "rec_a", shop.product_id, shop.customer_id)

    assert await conversions(client, contract) == []


async def test_another_shoppers_order_or_a_click_without_a_shopper_does_not_count(
    client: TestClient, clock: Clock, contract: Contract, store: Database, shop: Purchase
) -> None:
    await click(client, clock, NOW, "rec_a", shop.product_id, shop.customer_id)
    await click(client, clock, NOW, "rec_b", shop.product_id, None)
    place_order(store, shop.other_customer_id, shop.skus[0], NOW + DAY)

    assert await conversions(client, contract) == []


async def test_an_order_after_the_window_does_not_count(
    client: TestClient, clock: Clock, contract: Contract, store: Database, shop: Purchase
) -> None:
    await click(client, clock, NOW, "rec_in", shop.product_id, shop.customer_id)
    await click(client, clock, NOW - DAY, "rec_out", shop.product_id, shop.customer_id)
    order_id = place_order(store, shop.customer_id, shop.skus[0], NOW + 30 * DAY)

    default = await conversions(client, contract)
    wider = await conversions(client, contract, window_days="31")
    narrow = await conversions(client, contract, window_days="29")

    assert [(c["recommendation_id"], c["order_id"]) for c in default] == [("rec_in", order_id)]
    assert [c["recommendation_id"] for c in wider] == ["rec_out", "rec_in"]
    assert narrow == []


async def test_a_repeat_click_counts_once_with_the_first_order(
    client: TestClient, clock: Clock, contract: Contract, store: Database, shop: Purchase
) -> None:
    await click(client, clock, NOW, "rec_a", shop.product_id, shop.customer_id)
    await click(client, clock, NOW + DAY, "rec_a", shop.product_id, shop.customer_id)
    first = place_order(store, shop.customer_id, shop.skus[0], NOW + 2 * DAY)
    place_order(store, shop.customer_id, shop.skus[1], NOW + 3 * DAY)

    found = await conversions(client, contract)

    assert [(c["recommendation_id"], c["clicked_at"], c["order_id"]) for c in found] == [
        ("rec_a", iso(NOW), first)
    ]


async def test_since_and_until_choose_clicks_by_when_they_were_made_and_pages_follow(
    client: TestClient, clock: Clock, contract: Contract, store: Database, shop: Purchase
) -> None:
    for days in range(4):
        await click(client, clock, NOW + days * DAY, f"rec_{days}", shop.product_id,
                    shop.customer_id)  # fmt: skip
    place_order(store, shop.customer_id, shop.skus[0], NOW + 10 * DAY)

    every = await conversions(client, contract, limit="1")
    some = await conversions(
        client, contract, since=iso(NOW + DAY), until=(NOW + 3 * DAY).date().isoformat()
    )
    offset = await conversions(client, contract, since=(NOW + 2 * DAY).isoformat() + "+01:00")

    assert [c["recommendation_id"] for c in every] == ["rec_0", "rec_1", "rec_2", "rec_3"]
    assert [c["recommendation_id"] for c in some] == ["rec_1", "rec_2"]
    assert [c["recommendation_id"] for c in offset] == ["rec_2", "rec_3"]


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"since": "last week"}, "since"),
        ({"until": "2026-13-01"}, "until"),
        ({"since": "2026-11-20", "until": "2026-11-20"}, "until must be after since"),
        ({"window_days": "0"}, "window_days"),
        ({"window_days": "366"}, "window_days"),
        ({"window_days": "7.5"}, "window_days"),
        ({"limit": "1001"}, "limit"),
        ({"after": "page-2"}, "after"),
    ],
)
async def test_a_bad_parameter_is_a_400_that_names_it(
    client: TestClient, contract: Contract, params: dict[str, str], named: str
) -> None:
    resp = await client.get(CONVERSIONS, params=params, headers=AUTH)

    assert resp.status == 400
    body = await resp.json()
    assert body["error"]["code"] == "invalid_request"
    assert body["error"]["message"].startswith(named)
    contract.check_response(CONVERSIONS, "get", 400, body)


async def test_without_the_token_nothing_is_listed(client: TestClient) -> None:
    resp = await client.get(CONVERSIONS)
    assert resp.status == 401
