"""Fixtures for the commerce backend over HTTP: a real server on a fresh store per test.

A small demo store is generated once per session into a template file and copied for every
test, so each test talks to its own database through the real app, middlewares included.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from commerce.app import create_app
from commerce.config import CommerceConfig
from commerce.db import Database
from commerce.demo.builder import StoreSize
from commerce.models import Order
from commerce.seed import seed_store

AS_OF = dt.date(2026, 11, 20)
TOKEN = "integration-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="session")
def small_store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("commerce-http") / "small.db"
    seed_store(f"sqlite:///{path}", as_of=AS_OF, seed=42, size=StoreSize(customers=60, orders=400))
    return path


@pytest.fixture
def store_url(small_store_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "commerce.db"
    shutil.copyfile(small_store_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def store(store_url: str) -> Iterator[Database]:
    """The test's store, for looking up facts to ask the API about (and for writes)."""
    database = Database(store_url, max_workers=1)
    yield database
    database.close()


@pytest.fixture
def order_of(store: Database) -> Callable[[str], Order]:
    """The most recent order in a given status, with its customer loaded."""

    def find(status: str) -> Order:
        query = (
            select(Order)
            .where(Order.status == status)
            .options(selectinload(Order.customer))
            .order_by(Order.placed_at.desc())
            .limit(1)
        )
        order: Order = store.run_sync(lambda s: s.execute(query).scalar_one())
        return order

    return find


@pytest_asyncio.fixture
async def client(store_url: str) -> AsyncIterator[TestClient]:
    config = CommerceConfig(db_url=store_url, api_token=TOKEN)
    async with TestClient(TestServer(create_app(config))) as test_client:
        yield test_client


@pytest.fixture
def auth() -> dict[str, str]:
    """Headers that carry the test server's token."""
    return dict(AUTH)
