"""Purchases after a click, fetched from a real commerce backend started in this process.

The backend runs on a private copy of a small seeded store with its clock under the test's
control; clicks go through its click route, orders are written to its store as a merchant's
platform would, and analytics reads them only over HTTP, as the desk does.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.engine import Engine

from analytics import __main__ as cli
from analytics import live
from analytics.figures import Scope, recommendations
from analytics.live import PurchaseSync, follow_purchases
from analytics.purchases import Backend, PurchasesUnavailable, sync_tenant
from analytics.tables import create_tables
from commerce.app import create_app
from commerce.config import CommerceConfig
from commerce.db import Database
from commerce.demo.builder import StoreSize
from commerce.seed import seed_store
from tests.integration.analytics.conftest import dump
from tests.integration.commerce.conftest import (
    AS_OF,
    AUTH,
    NOW,
    TOKEN,
    Purchase,
    fresh_purchase,
    place_order,
)

DAY = dt.timedelta(days=1)
CONVERSIONS = "analytics_conversions"


@pytest.fixture(scope="module")
def store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("purchases-store") / "store.db"
    seed_store(f"sqlite:///{path}", as_of=AS_OF, seed=7, size=StoreSize(customers=20, orders=60))
    return path


@pytest.fixture
def store(store_template: Path, tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "commerce.db"
    shutil.copyfile(store_template, path)
    database = Database(f"sqlite:///{path}", max_workers=1)
    yield database
    database.close()


class InProcessBackend:
    """The backend in this process: its clock, a client for clicks, its URL for analytics."""

    def __init__(self, client: TestClient, clock: list[dt.datetime]) -> None:
        self.client = client
        self.clock = clock
        self.url = str(client.server.make_url("")).rstrip("/")

    def as_seen(self, token: str = TOKEN) -> Backend:
        return Backend(url=self.url, token=token, timeout_s=5)

    async def click(self, when: dt.datetime, list_id: str, product_id: str, customer: str) -> None:
        self.clock[0] = when
        body = {"recommendation_id": list_id, "product_id": product_id, "customer_id": customer}
        resp = await self.client.post("/api/v1/recommendations/clicks", json=body, headers=AUTH)
        assert resp.status == 201, await resp.text()


@pytest_asyncio.fixture
async def backend(store: Database) -> AsyncIterator[InProcessBackend]:
    config = CommerceConfig(db_url=store.url, api_token=TOKEN, cache_dir="")
    clock = [NOW]
    app = create_app(config, clock=lambda: clock[0])
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield InProcessBackend(client, clock)


@pytest.fixture
def shop(store: Database) -> Purchase:
    return fresh_purchase(store)


def stored(engine: Engine) -> list[tuple[object, ...]]:
    return dump(engine)[CONVERSIONS]


async def test_a_sync_stores_the_conversions_and_syncing_again_changes_nothing(
    backend: InProcessBackend, engine: Engine, store: Database, shop: Purchase
) -> None:
    await backend.click(NOW, "rec_bought", shop.product_id, shop.customer_id)
    await backend.click(NOW, "rec_looked", shop.product_id, shop.other_customer_id)
    order_id = place_order(store, shop.customer_id, shop.skus[1], NOW + 2 * DAY)

    first = await sync_tenant(engine, "demo", backend.as_seen(), now=NOW + 3 * DAY)
    tables = dump(engine)
    again = await sync_tenant(engine, "demo", backend.as_seen(), now=NOW + 3 * DAY)
    full = await sync_tenant(engine, "demo", backend.as_seen(), full=True, now=NOW + 3 * DAY)

    assert (first.fetched, first.new, first.since) == (1, 1, None)
    assert tables[CONVERSIONS] == [
        ("demo", "rec_bought", shop.product_id, NOW.date(), NOW, order_id, NOW + 2 * DAY)
    ]
    assert (again.fetched, again.new) == (1, 0)
    assert again.since == (NOW + 3 * DAY - 31 * DAY).isoformat() + "Z"  # window and a day
    assert (full.fetched, full.new) == (1, 0)
    assert dump(engine) == tables
    funnel = recommendations(engine, Scope("demo", NOW.date(), NOW.date()))
    assert funnel.bought == 1


async def test_a_purchase_made_after_a_sync_is_found_by_the_next(
    backend: InProcessBackend, engine: Engine, store: Database, shop: Purchase
) -> None:
    await backend.click(NOW, "rec_later", shop.product_id, shop.customer_id)
    before = await sync_tenant(engine, "demo", backend.as_seen(), now=NOW + DAY)
    place_order(store, shop.customer_id, shop.skus[0], NOW + 20 * DAY)
    after = await sync_tenant(engine, "demo", backend.as_seen(), now=NOW + 21 * DAY)

    assert (before.new, after.new) == (0, 1)
    assert [row[1] for row in stored(engine)] == ["rec_later"]


async def test_a_refused_fetch_stores_nothing(backend: InProcessBackend, engine: Engine) -> None:
    with pytest.raises(PurchasesUnavailable, match="401"):
        await sync_tenant(engine, "demo", backend.as_seen(token="wrong-token"))
    assert stored(engine) == [] and dump(engine)["analytics_offsets"] == []


async def test_the_live_follower_keeps_going_when_a_backend_fails(
    backend: InProcessBackend,
    engine: Engine,
    store: Database,
    shop: Purchase,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(live, "PURCHASES_RETRY_S", 0.05)
    await backend.click(NOW, "rec_live", shop.product_id, shop.customer_id)
    place_order(store, shop.customer_id, shop.skus[0], NOW + DAY)
    sync = PurchaseSync(
        backends={"outdoor": backend.as_seen(token="wrong-token"), "demo": backend.as_seen()},
        interval_s=60,
    )
    create_tables(engine)  # the desk's database exists before its follower's first round

    with caplog.at_level(logging.WARNING, logger="analytics.live"):
        task = asyncio.create_task(follow_purchases(engine, sync))
        for _ in range(100):
            await asyncio.sleep(0.05)
            retries = [r for r in caplog.records if "purchases of outdoor failed" in r.message]
            if stored(engine) and len(retries) >= 2:
                break
        running = not task.done()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    assert running
    assert [row[:2] for row in stored(engine)] == [("demo", "rec_live")]
    assert len(retries) >= 2  # tried again well before the 60 s interval


async def test_the_command_line_syncs_one_tenant(
    backend: InProcessBackend,
    engine: Engine,
    store: Database,
    shop: Purchase,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await backend.click(NOW, "rec_cli", shop.product_id, shop.customer_id)
    place_order(store, shop.customer_id, shop.skus[0], NOW + DAY)
    monkeypatch.setenv("COMMERCE_API_URL", backend.url)
    monkeypatch.setenv("COMMERCE_API_TOKEN", TOKEN)
    db = engine.url.render_as_string(hide_password=False)

    code = await asyncio.to_thread(cli.main, ["purchases", "--tenant", "demo", "--db", db])
    printed = json.loads(capsys.readouterr().out)
    with pytest.raises(SystemExit, match="unknown tenant"):
        await asyncio.to_thread(cli.main, ["purchases", "--tenant", "nobody", "--db", db])

    assert code == 0
    assert (printed["tenant"], printed["fetched"], printed["new"]) == ("demo", 1, 1)
    assert [row[1] for row in stored(engine)] == ["rec_cli"]
