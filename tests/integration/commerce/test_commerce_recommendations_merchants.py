"""Two merchants on one backend: each shopper gets their own merchant's recommendation rules.

The backend serves the demo merchant (its real policy file) and a second merchant, `outdoor`,
whose policy file is τ-bench's with the `recommendations` section edited the way a merchant
would edit it: one category never suggested, and a narrower price band. Both share one store
and one recommender; only the rules differ, and a shopper must see exactly their merchant's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from commerce.app import create_app
from commerce.config import CommerceConfig
from commerce.db import Database
from commerce.models import Product
from commerce.recommendations import SERVICE_KEY
from tests.integration.commerce.conftest import AUTH, NOW, TOKEN
from tests.integration.commerce.test_commerce_openapi_conformance import Contract
from tests.merchants import DEMO_EXCLUDED, DEMO_POLICY, best_seller, write_outdoor_policy

RECOMMENDATIONS = "/api/v1/recommendations"
OUTDOOR_MAX_PRICE_RATIO = 0.25


async def serve(
    store_url: str, cache: Path, merchant_policies: Mapping[str, str]
) -> AsyncIterator[TestClient]:
    config = CommerceConfig(
        db_url=store_url,
        api_token=TOKEN,
        merchant_policy=str(DEMO_POLICY),
        merchant_policies=dict(merchant_policies),
        cache_dir=str(cache),
    )
    async with TestClient(TestServer(create_app(config, clock=lambda: NOW))) as test_client:
        yield test_client


@pytest.fixture
def outdoor_excludes(store_url: str) -> str:
    """The category `outdoor` never suggests: that of the demo merchant's first suggestion."""
    return str(best_seller(store_url).category)


@pytest_asyncio.fixture
async def client(
    store_url: str, tmp_path: Path, embeddings_cache: Path, outdoor_excludes: str
) -> AsyncIterator[TestClient]:
    outdoor = write_outdoor_policy(
        tmp_path / "outdoor.yml",
        exclude_categories=[outdoor_excludes],
        price_band={"min_ratio": 0.0, "max_ratio": OUTDOOR_MAX_PRICE_RATIO},
    )
    policies = {"demo": str(DEMO_POLICY), "outdoor": str(outdoor)}
    async for test_client in serve(store_url, embeddings_cache, policies):
        yield test_client


@pytest_asyncio.fixture
async def contract(client: TestClient) -> Contract:
    return Contract(await (await client.get("/openapi.json")).json())


async def suggest(client: TestClient, **params: str) -> list[dict[str, Any]]:
    resp = await client.get(RECOMMENDATIONS, params=params, headers=AUTH)
    assert resp.status == 200, await resp.text()
    items: list[dict[str, Any]] = (await resp.json())["recommendations"]
    return items


async def test_a_category_one_merchant_excludes_is_still_suggested_by_the_other(
    client: TestClient, store_url: str, outdoor_excludes: str, contract: Contract
) -> None:
    first = best_seller(store_url)

    demo = await suggest(client, merchant="demo")
    outdoor = await suggest(client, merchant="outdoor")

    assert demo[0]["product_id"] == first.id
    assert outdoor_excludes in {item["category"] for item in demo}
    assert len(outdoor) == 3
    assert outdoor_excludes not in {item["category"] for item in outdoor}
    assert first.id not in {item["product_id"] for item in outdoor}
    resp = await client.get(RECOMMENDATIONS, params={"merchant": "outdoor"}, headers=AUTH)
    contract.check_response(RECOMMENDATIONS, "get", 200, await resp.json())


async def test_each_merchant_s_price_band_bounds_what_goes_with_a_purchase(
    client: TestClient, store_url: str
) -> None:
    database = Database(store_url, max_workers=1)
    try:  # the cheapest tent: what goes with it costs from a tenth to a third of it
        tent_id, tent_cents = database.run_sync(
            lambda s: s.execute(
                select(Product.id, Product.price_cents)
                .where(Product.category == "tents")
                .order_by(Product.price_cents, Product.id)
                .limit(1)
            ).one()
        )
    finally:
        database.close()
    price = tent_cents / 100

    demo = await suggest(client, merchant="demo", product_id=tent_id)
    outdoor = await suggest(client, merchant="outdoor", product_id=tent_id)

    assert all(item["price"] <= 1.5 * price for item in demo)
    assert any(item["price"] > OUTDOOR_MAX_PRICE_RATIO * price for item in demo)
    assert outdoor, "the outdoor merchant has products within its band"
    assert all(item["price"] <= OUTDOOR_MAX_PRICE_RATIO * price for item in outdoor)


async def test_a_request_naming_no_merchant_gets_the_backend_s_own_policy(
    client: TestClient,
) -> None:
    unnamed = await suggest(client)
    demo = await suggest(client, merchant="demo")

    assert [i["product_id"] for i in unnamed] == [i["product_id"] for i in demo]
    assert not {i["category"] for i in unnamed} & set(DEMO_EXCLUDED)


async def test_the_merchants_share_one_recommender(client: TestClient) -> None:
    await suggest(client, merchant="demo")
    engine = await client.app[SERVICE_KEY].recommender()

    await suggest(client, merchant="outdoor")

    assert await client.app[SERVICE_KEY].recommender() is engine


@pytest.mark.parametrize(
    ("merchant", "code", "says"),
    [
        ("garden", "unknown_merchant", "'garden'"),
        ("Demo", "invalid_request", "merchant must be"),
        ("demo; DROP TABLE", "invalid_request", "merchant must be"),
        ("", "invalid_request", "merchant must be"),
    ],
)
async def test_a_merchant_the_backend_does_not_serve_is_a_422_never_another_s_rules(
    client: TestClient, contract: Contract, merchant: str, code: str, says: str
) -> None:
    resp = await client.get(RECOMMENDATIONS, params={"merchant": merchant}, headers=AUTH)

    assert resp.status == 422
    body = await resp.json()
    assert body["error"]["code"] == code
    assert says in body["error"]["message"]
    contract.check_response(RECOMMENDATIONS, "get", 422, body)


async def test_a_single_merchant_backend_applies_its_policy_whoever_is_named(
    store_url: str, embeddings_cache: Path
) -> None:
    async for single in serve(store_url, embeddings_cache, {}):
        unnamed = await suggest(single)
        named = await suggest(single, merchant="outdoor")

        assert [i["product_id"] for i in named] == [i["product_id"] for i in unnamed]
        assert not {i["category"] for i in named} & set(DEMO_EXCLUDED)
