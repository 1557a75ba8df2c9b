"""Suggestions and clicks over HTTP, on a fresh copy of the small demo store per test.

The app reads the demo merchant's policy file, so the rules are the ones shoppers get; every
answer is checked against the served OpenAPI document, and facts are checked against the
database itself (what the shopper bought, what is in stock).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, insert, select

from commerce.app import create_app
from commerce.config import CommerceConfig
from commerce.db import Database
from commerce.models import Order, OrderLine, Product, ProductVariant, RecommendationClick
from commerce.recommendations import SERVICE_KEY
from tests.conftest import ROOT
from tests.integration.commerce.conftest import AUTH, NOW, TOKEN
from tests.integration.commerce.test_commerce_openapi_conformance import Contract

RECOMMENDATIONS = "/api/v1/recommendations"
CLICKS = "/api/v1/recommendations/clicks"


@pytest_asyncio.fixture
async def client(store_url: str, embeddings_cache: Path) -> AsyncIterator[TestClient]:
    config = CommerceConfig(
        db_url=store_url,
        api_token=TOKEN,
        merchant_policy=str(ROOT / "data" / "policy" / "demo.yml"),
        cache_dir=str(embeddings_cache),
    )
    async with TestClient(TestServer(create_app(config, clock=lambda: NOW))) as test_client:
        yield test_client


@pytest_asyncio.fixture
async def contract(client: TestClient) -> Contract:
    return Contract(await (await client.get("/openapi.json")).json())


def regular_customer(store: Database) -> str:
    """A customer with several orders (so there is a history to suggest from)."""
    query = (
        select(Order.customer_id)
        .group_by(Order.customer_id)
        .order_by(func.count().desc(), Order.customer_id)
        .limit(1)
    )
    return str(store.run_sync(lambda s: s.execute(query).scalar_one()))


def bought_by(store: Database, customer_id: str) -> set[str]:
    query = (
        select(OrderLine.product_id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.customer_id == customer_id)
    )
    return set(store.run_sync(lambda s: s.execute(query).scalars().all()))


def stock_of(store: Database, product_id: str) -> int:
    query = select(func.max(ProductVariant.stock)).where(ProductVariant.product_id == product_id)
    return int(store.run_sync(lambda s: s.execute(query).scalar_one()))


async def suggest(client: TestClient, **params: str) -> dict[str, Any]:
    resp = await client.get(RECOMMENDATIONS, params=params, headers=AUTH)
    assert resp.status == 200, await resp.text()
    body: dict[str, Any] = await resp.json()
    return body


async def test_a_regular_shopper_gets_three_in_stock_products_they_never_bought_with_reasons(
    client: TestClient, store: Database, contract: Contract
) -> None:
    customer_id = regular_customer(store)

    body = await suggest(client, customer_id=customer_id)

    contract.check_response(RECOMMENDATIONS, "get", 200, body)
    items = body["recommendations"]
    assert len(items) == 3
    assert [item["position"] for item in items] == [1, 2, 3]
    owned = bought_by(store, customer_id)
    for item in items:
        assert item["product_id"] not in owned
        assert stock_of(store, item["product_id"]) > 0
        assert item["in_stock"] is True
        assert item["category"] not in ("gift_cards", "underwear")  # the demo's exclusions
        assert item["reason"].startswith(
            ("Often bought together with your", "Similar to the", "Popular with")
        )


async def test_a_shopper_nobody_knows_gets_popular_products(
    client: TestClient, contract: Contract
) -> None:
    body = await suggest(client)

    contract.check_response(RECOMMENDATIONS, "get", 200, body)
    assert body["customer_id"] is None
    assert len(body["recommendations"]) == 3
    assert {item["reason"] for item in body["recommendations"]} == {
        "Popular with other shoppers right now"
    }


async def test_suggestions_sold_out_since_start_are_not_offered(
    client: TestClient, store: Database
) -> None:
    first = (await suggest(client))["recommendations"][0]["product_id"]

    def sell_out(session: Any) -> None:
        session.query(ProductVariant).filter(ProductVariant.product_id == first).update(
            {"stock": 0}
        )
        session.commit()

    store.run_sync(sell_out)

    again = [item["product_id"] for item in (await suggest(client))["recommendations"]]
    assert first not in again


def _place_order(store: Database, order_id: str, product_ids: list[str], when: dt.datetime) -> None:
    """A new order written straight to the database, as the merchant's platform would."""

    def work(session: Any) -> None:
        template = session.execute(select(Order.__table__).limit(1)).mappings().one()
        row = dict(template)
        digits = order_id.split("-")[-1]
        row.update(id=order_id, ref_key=order_id.replace("-", ""), ref_digits=digits)
        row.update(placed_at=when, status="paid")
        session.execute(insert(Order.__table__).values(**row))
        for number, product_id in enumerate(product_ids, start=1):
            variant = session.execute(
                select(ProductVariant).where(ProductVariant.product_id == product_id).limit(1)
            ).scalar_one()
            product = session.get(Product, product_id)
            session.execute(
                insert(OrderLine.__table__).values(
                    order_id=order_id,
                    line_no=number,
                    product_id=product_id,
                    sku=variant.sku,
                    product_name=product.name,
                    category=product.category,
                    options=variant.options,
                    quantity=1,
                    unit_price_cents=variant.price_cents,
                    final_sale=product.final_sale,
                )
            )
        session.commit()

    store.run_sync(work)


async def test_new_orders_teach_it_what_goes_together_without_a_rebuild(
    client: TestClient, store: Database
) -> None:
    service = client.app[SERVICE_KEY]
    service.refresh_interval_s = 0.0
    rows = store.run_sync(
        lambda s: s.execute(
            select(Product.id, Product.name, Product.price_cents)
            .where(Product.category == "tents")
            .order_by(Product.id)
        ).all()
    )
    anchor_id, anchor_name, anchor_price = rows[0]
    partner = store.run_sync(
        lambda s: s.execute(
            select(Product.id)
            .join(ProductVariant, ProductVariant.product_id == Product.id)
            .where(
                Product.category == "electronics_accessories",
                Product.price_cents <= anchor_price,
                ProductVariant.stock > 0,
            )
            .order_by(Product.id.desc())
            .limit(1)
        ).scalar_one()
    )
    before = await suggest(client, product_id=anchor_id)
    engine = await service.recommender()
    seen = engine.orders_seen

    for number in range(6):
        _place_order(store, f"AC-9900{number:02d}", [anchor_id, partner], NOW)
    after = await suggest(client, product_id=anchor_id)

    assert await service.recommender() is engine  # same object: updated, not rebuilt
    assert engine.orders_seen == seen + 6
    assert before["recommendations"][0]["product_id"] != partner
    top = after["recommendations"][0]
    assert top["product_id"] == partner
    assert top["reason"] == f"Often bought together with the {anchor_name}"


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"limit": "0"}, 422, "invalid_request"),
        ({"limit": "11"}, 422, "invalid_request"),
        ({"limit": "three"}, 422, "invalid_request"),
        ({"customer_id": "C-1; DROP TABLE"}, 422, "invalid_request"),
        ({"customer_id": "C-00000"}, 404, "customer_not_found"),
        ({"product_id": "P-0"}, 404, "product_not_found"),
    ],
)
async def test_a_bad_question_gets_a_4xx_with_a_reason(
    client: TestClient, contract: Contract, params: dict[str, str], status: int, code: str
) -> None:
    resp = await client.get(RECOMMENDATIONS, params=params, headers=AUTH)

    assert resp.status == status
    body = await resp.json()
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    contract.check_response(RECOMMENDATIONS, "get", status, body)


async def test_a_click_is_recorded_once_and_listed_for_the_shopper(
    client: TestClient, store: Database, contract: Contract
) -> None:
    customer_id = regular_customer(store)
    listed = await suggest(client, customer_id=customer_id)
    pick = listed["recommendations"][1]
    click = {
        "recommendation_id": listed["recommendation_id"],
        "product_id": pick["product_id"],
        "customer_id": customer_id,
        "position": 2,
    }
    contract.check_request(CLICKS, click)

    first = await client.post(CLICKS, json=click, headers=AUTH)
    repeat = await client.post(CLICKS, json=click, headers=AUTH)
    clicks = await client.get(CLICKS, params={"customer_id": customer_id}, headers=AUTH)

    assert first.status == 201
    assert repeat.status == 200
    recorded = await first.json()
    contract.check_response(CLICKS, "post", 201, recorded)
    assert (await repeat.json())["click_id"] == recorded["click_id"]
    assert recorded["product_id"] == pick["product_id"] and recorded["position"] == 2
    listing = await clicks.json()
    contract.check_response(CLICKS, "get", 200, listing)
    assert [c["click_id"] for c in listing["clicks"]] == [recorded["click_id"]]
    rows = store.run_sync(
        lambda s: s.execute(select(func.count()).select_from(RecommendationClick)).scalar_one()
    )
    assert rows == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"product_id": "P-1001"}, 422, "invalid_request"),
        ({"recommendation_id": "rec_1"}, 422, "invalid_request"),
        ({"recommendation_id": "rec_1", "product_id": "P-0"}, 404, "product_not_found"),
        (
            {"recommendation_id": "rec_1", "product_id": "P-1001", "customer_id": "C-00000"},
            404,
            "customer_not_found",
        ),
        (
            {"recommendation_id": "rec_1", "product_id": "P-1001", "position": True},
            422,
            "invalid_request",
        ),
        (
            {"recommendation_id": "rec 1 with spaces", "product_id": "P-1001"},
            422,
            "invalid_request",
        ),
    ],
)
async def test_a_bad_click_gets_a_4xx_with_a_reason_and_records_nothing(
    client: TestClient, store: Database, body: dict[str, Any], status: int, code: str
) -> None:
    resp = await client.post(CLICKS, json=body, headers=AUTH)

    assert resp.status == status
    assert (await resp.json())["error"]["code"] == code
    rows = store.run_sync(
        lambda s: s.execute(select(func.count()).select_from(RecommendationClick)).scalar_one()
    )
    assert rows == 0


async def test_a_click_body_that_is_not_json_is_a_400(client: TestClient) -> None:
    resp = await client.post(CLICKS, data=b"{not json", headers=AUTH)
    assert resp.status == 400
    assert (await resp.json())["error"]["code"] == "invalid_json"


async def test_listing_clicks_needs_a_known_customer(client: TestClient) -> None:
    missing = await client.get(CLICKS, headers=AUTH)
    unknown = await client.get(CLICKS, params={"customer_id": "C-00000"}, headers=AUTH)
    assert (missing.status, unknown.status) == (422, 404)


async def test_shoppers_asking_at_once_while_orders_arrive_all_get_answers(
    client: TestClient, store: Database
) -> None:
    client.app[SERVICE_KEY].refresh_interval_s = 0.0
    customers = store.run_sync(
        lambda s: list(s.execute(select(Order.customer_id).distinct().limit(24)).scalars())
    )
    products = store.run_sync(
        lambda s: list(s.execute(select(Product.id).order_by(Product.id).limit(2)).scalars())
    )

    async def place(number: int) -> None:
        await asyncio.to_thread(_place_order, store, f"AC-9800{number:02d}", products, NOW)

    answers = await asyncio.gather(
        *(client.get(RECOMMENDATIONS, params={"customer_id": c}, headers=AUTH) for c in customers),
        *(place(number) for number in range(6)),
    )

    statuses = [answer.status for answer in answers if answer is not None]
    assert statuses == [200] * len(customers)
    engine = await client.app[SERVICE_KEY].recommender()
    await client.app[SERVICE_KEY].refresh(force=True)
    assert engine.orders_seen == 400 + 6


async def test_what_goes_with_my_tent_is_about_the_tent_the_shopper_bought(
    client: TestClient, store: Database
) -> None:
    client.app[SERVICE_KEY].refresh_interval_s = 0.0
    query = (
        select(Order.customer_id, OrderLine.product_id)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(OrderLine.category == "tents")
        .order_by(Order.placed_at.desc())
        .limit(1)
    )
    customer_id, tent = store.run_sync(lambda s: s.execute(query).one())
    tent_product = store.run_sync(lambda s: s.get(Product, tent))
    bought = store.run_sync(
        lambda s: set(
            s.execute(
                select(OrderLine.product_id)
                .join(Order, OrderLine.order_id == Order.id)
                .where(Order.customer_id == customer_id)
            ).scalars()
        )
    )
    bag = store.run_sync(
        lambda s: s.execute(
            select(Product.id)
            .join(ProductVariant, ProductVariant.product_id == Product.id)
            .where(Product.category == "sleeping_bags", ProductVariant.stock > 0)
            .where(Product.id.not_in(bought))
            .order_by(Product.id)
            .limit(1)
        ).scalar_one()
    )
    for number in range(4):  # other shoppers buy this tent with that sleeping bag
        await asyncio.to_thread(_place_order, store, f"AC-9700{number:02d}", [tent, bag], NOW)

    body = await suggest(client, customer_id=customer_id, about="my tent")
    nothing = await suggest(client, customer_id=customer_id, about="kayak")

    assert body["anchor_product_id"] == tent
    assert nothing["anchor_product_id"] is None
    by_id = {r["product_id"]: r for r in body["recommendations"]}
    assert by_id[bag]["reason"] == f"Often bought together with your {tent_product.name}"


@pytest.mark.parametrize("about", ["x" * 61, "tent; DROP TABLE", "<script>"])
async def test_a_strange_product_mention_is_a_422(client: TestClient, about: str) -> None:
    resp = await client.get(RECOMMENDATIONS, params={"about": about}, headers=AUTH)
    assert resp.status == 422
    assert "about" in (await resp.json())["error"]["message"]
