"""Fixtures for the commerce backend over HTTP: a real server on a fresh store per test.

A small demo store and τ-bench's store are built once per session into template files and
copied for every test, so each test talks to its own database through the real app,
middlewares included. The app's clock is pinned to the seeded store's afternoon so that new
returns, claims and refunds are dated after everything seeded.
"""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from commerce.app import create_app
from commerce.config import CommerceConfig
from commerce.db import Database
from commerce.demo.builder import StoreSize
from commerce.models import Order, OrderLine, PaymentMethod, ProductVariant
from commerce.seed import seed_store, seed_tau_bench

AS_OF = dt.date(2026, 11, 20)
NOW = dt.datetime.combine(AS_OF, dt.time(16, 0))
TOKEN = "integration-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TAU_BENCH_DIR = Path(__file__).resolve().parents[3].parent / "shared/data/tau_bench_retail"


@pytest.fixture(scope="session")
def small_store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("commerce-http") / "small.db"
    seed_store(f"sqlite:///{path}", as_of=AS_OF, seed=42, size=StoreSize(customers=60, orders=400))
    return path


@pytest.fixture(scope="session")
def tau_store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (TAU_BENCH_DIR / "orders.json").is_file():
        pytest.skip(f"τ-bench data not found at {TAU_BENCH_DIR}")
    path = tmp_path_factory.mktemp("commerce-tau") / "tau.db"
    seed_tau_bench(f"sqlite:///{path}", data_dir=TAU_BENCH_DIR, as_of=AS_OF, seed=42)
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
    """The most recent order in a given status, with its customer and lines loaded."""

    def find(status: str) -> Order:
        query = (
            select(Order)
            .where(Order.status == status)
            .options(selectinload(Order.customer), selectinload(Order.lines))
            .order_by(Order.placed_at.desc())
            .limit(1)
        )
        order: Order = store.run_sync(lambda s: s.execute(query).scalar_one())
        return order

    return find


async def _client(url: str) -> AsyncIterator[TestClient]:
    config = CommerceConfig(db_url=url, api_token=TOKEN)
    async with TestClient(TestServer(create_app(config, clock=lambda: NOW))) as test_client:
        yield test_client


@pytest_asyncio.fixture
async def client(store_url: str) -> AsyncIterator[TestClient]:
    async for test_client in _client(store_url):
        yield test_client


@pytest_asyncio.fixture
async def tau_client(tau_store_template: Path, tmp_path: Path) -> AsyncIterator[TestClient]:
    """A server on a private copy of τ-bench's store."""
    path = tmp_path / "tau.db"
    shutil.copyfile(tau_store_template, path)
    async for test_client in _client(f"sqlite:///{path}"):
        yield test_client


@pytest.fixture
def auth() -> dict[str, str]:
    """Headers that carry the test server's token."""
    return dict(AUTH)


@dataclass(frozen=True)
class Reply:
    """What a change answered."""

    status: int
    body: dict[str, Any]
    replayed: bool


PostChange = Callable[..., Awaitable[Reply]]
GetOrder = Callable[[str], Awaitable[dict[str, Any]]]


def poster(client: TestClient) -> PostChange:
    async def post(
        reference: str, action: str, body: dict[str, Any], *, key: str | None = None
    ) -> Reply:
        headers = {**AUTH, "Idempotency-Key": key or uuid.uuid4().hex}
        path = f"/api/v1/orders/{quote(reference, safe='')}/{action}"
        response = await client.post(path, json=body, headers=headers)
        replayed = response.headers.get("Idempotent-Replayed") == "true"
        return Reply(response.status, await response.json(), replayed)

    return post


@pytest.fixture
def post_change(client: TestClient) -> PostChange:
    """`await post_change(ref, "cancel", body, key=...)`; a fresh key unless one is given."""
    return poster(client)


@pytest.fixture
def get_order(client: TestClient) -> GetOrder:
    """`await get_order(ref)`: the Order as the API serves it now."""

    async def get(reference: str) -> dict[str, Any]:
        path = f"/api/v1/orders/{quote(reference, safe='')}"
        response = await client.get(path, headers=AUTH)
        assert response.status == 200, await response.text()
        return dict(await response.json())

    return get


# --- store set-up helpers: tests arrange exactly the state they need ------------------


def count(store: Database, model: Any, *conditions: Any) -> int:
    query = select(func.count()).select_from(model).where(*conditions)
    return int(store.run_sync(lambda s: s.execute(query).scalar_one()))


def add_gift_card(store: Database, customer_id: str, balance_cents: int) -> str:
    """Give a customer a gift card with a known balance; returns its id."""
    method_id = f"PM-9{uuid.uuid4().int % 10**5:05d}"
    while count(store, PaymentMethod, PaymentMethod.id == method_id):  # the seed's ids look alike
        method_id = f"PM-9{uuid.uuid4().int % 10**5:05d}"
    with store.session() as session, session.begin():
        session.add(
            PaymentMethod(
                id=method_id,
                customer_id=customer_id,
                type="gift_card",
                last4=method_id[-4:],
                gift_card_balance_cents=balance_cents,
                is_default=False,
            )
        )
    return method_id


def balance(store: Database, method_id: str) -> int:
    method = store.run_sync(lambda s: s.get(PaymentMethod, method_id))
    assert method is not None and method.gift_card_balance_cents is not None
    return method.gift_card_balance_cents


def add_variant(
    store: Database, order_id: str, line_no: int, *, price_delta_cents: int, stock: int = 5
) -> str:
    """A new variant of the product of an order's line, priced relative to what was paid."""
    sku = f"TEST-{uuid.uuid4().hex[:8].upper()}"

    def work(session: Session) -> None:
        line = session.execute(
            select(OrderLine).where(OrderLine.order_id == order_id, OrderLine.line_no == line_no)
        ).scalar_one()
        session.add(
            ProductVariant(
                sku=sku,
                product_id=line.product_id,
                position=99,
                options={"color": "test"},
                price_cents=line.unit_price_cents + price_delta_cents,
                stock=stock,
            )
        )
        session.commit()

    store.run_sync(work)
    return sku


def variant_of_another_product(store: Database, order_id: str) -> str:
    def work(session: Session) -> str:
        line = session.execute(
            select(OrderLine).where(OrderLine.order_id == order_id, OrderLine.line_no == 1)
        ).scalar_one()
        query = select(ProductVariant.sku).where(ProductVariant.product_id != line.product_id)
        return str(session.execute(query.limit(1)).scalar_one())

    return store.run_sync(work)


def line_of(store: Database, order_id: str, line_no: int = 1) -> OrderLine:
    query = select(OrderLine).where(OrderLine.order_id == order_id, OrderLine.line_no == line_no)
    line: OrderLine = store.run_sync(lambda s: s.execute(query).scalar_one())
    return line


@dataclass(frozen=True)
class Purchase:
    """Two shoppers and a product neither ever bought, with two of its variants."""

    customer_id: str
    other_customer_id: str
    product_id: str
    skus: tuple[str, str]


def fresh_purchase(store: Database) -> Purchase:
    """Two customers with orders, and a product with two variants that neither bought."""

    def work(session: Session) -> Purchase:
        customers = list(
            session.execute(
                select(Order.customer_id).distinct().order_by(Order.customer_id).limit(2)
            ).scalars()
        )
        bought = set(
            session.execute(
                select(OrderLine.product_id)
                .join(Order, Order.id == OrderLine.order_id)
                .where(Order.customer_id.in_(customers))
            ).scalars()
        )
        variants = session.execute(
            select(ProductVariant.product_id, ProductVariant.sku).order_by(
                ProductVariant.product_id, ProductVariant.position
            )
        ).all()
        by_product: dict[str, list[str]] = {}
        for product_id, sku in variants:
            by_product.setdefault(product_id, []).append(sku)
        product_id = next(p for p, skus in by_product.items() if len(skus) > 1 and p not in bought)
        first, second = by_product[product_id][:2]
        return Purchase(customers[0], customers[1], product_id, (first, second))

    return store.run_sync(work)


def place_order(store: Database, customer_id: str, sku: str, when: dt.datetime) -> str:
    """A paid order of one line of `sku`, written straight to the store as a merchant's
    platform would; returns its id. Address and totals are copied from a seeded order."""
    order_id = f"AC-{900000 + count(store, Order, Order.id.like('AC-9%')):06d}"

    def work(session: Session) -> None:
        template = dict(session.execute(select(Order.__table__).limit(1)).mappings().one())
        template.update(
            id=order_id,
            ref_key=order_id.replace("-", ""),
            ref_digits=order_id[3:],
            customer_id=customer_id,
            placed_at=when,
            status="paid",
        )
        session.execute(Order.__table__.insert().values(**template))
        variant = session.get(ProductVariant, sku)
        assert variant is not None
        session.execute(
            OrderLine.__table__.insert().values(
                order_id=order_id,
                line_no=1,
                product_id=variant.product_id,
                sku=sku,
                product_name="Test product",
                category="test",
                options=variant.options,
                quantity=1,
                unit_price_cents=variant.price_cents,
                final_sale=False,
            )
        )
        session.commit()

    store.run_sync(work)
    return order_id
