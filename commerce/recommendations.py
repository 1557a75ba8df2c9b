"""Cross-sell suggestions and the clicks on them, served by the backend.

The ranking lives in the `recommender` package, which knows nothing about this database;
this module feeds it. It loads the catalogue and the order history on first use (product
texts are embedded once and cached under `CommerceConfig.cache_dir`), then adds new orders
incrementally: before answering it reads only the orders placed since the newest one it has
seen (an indexed query that is empty almost every time), at most every few seconds. What a
shopper bought, returned and where their parcels go, and the stock of the candidates, are
read fresh for each request, so the rules never act on a stale view of the shopper.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydantic
import yaml
from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from commerce.db import Database
from commerce.errors import CustomerNotFound, MerchantNotFound, ProductNotFound
from commerce.models import (
    Customer,
    Order,
    OrderLine,
    Product,
    ProductVariant,
    RecommendationClick,
    ReturnLine,
    ReturnRequest,
)
from recommender.catalog import Basket, Catalog, ShopperHistory
from recommender.catalog import Product as CatalogProduct
from recommender.config import RecommendationPolicy, load_policy_section, load_settings
from recommender.embeddings import cached_embeddings
from recommender.engine import Recommendation, Recommender

logger = logging.getLogger(__name__)

REFRESH_INTERVAL_S = 2.0
"""How stale the co-purchase statistics may be: new orders are read at most this often."""
MAX_CLICK_LIST = 100


def product_text(name: str, category: str, description: str) -> str:
    """What content similarity compares: name first, then category and description."""
    return f"{name}. {category.replace('_', ' ')}. {description}"


def load_catalog(session: Session, cache_dir: Path | None) -> Catalog:
    """Every product, its stock, and its embedding (computed once per catalogue text)."""
    stocked = dict(
        session.execute(
            select(ProductVariant.product_id, func.max(ProductVariant.stock)).group_by(
                ProductVariant.product_id
            )
        ).all()
    )
    rows = session.execute(
        select(
            Product.id, Product.name, Product.category, Product.description, Product.price_cents
        ).order_by(Product.id)
    ).all()
    products = [
        CatalogProduct(
            product_id=pid,
            name=name,
            category=category,
            price_cents=price,
            in_stock=(stocked.get(pid) or 0) > 0,
            text=product_text(name, category, description),
        )
        for pid, name, category, description, price in rows
    ]
    vectors = cached_embeddings([p.text for p in products], cache_dir)
    return Catalog.of(products, vectors)


def baskets_since(session: Session, since: dt.datetime | None) -> list[Basket]:
    """Orders placed at or after `since` (all orders when None), oldest first.

    "At or after": orders placed in the same second as the newest one seen are read again;
    the recommender ignores an order it has already counted.
    """
    query = select(Order.id, Order.customer_id, Order.placed_at, OrderLine.product_id).join(
        OrderLine, OrderLine.order_id == Order.id
    )
    if since is not None:
        query = query.where(Order.placed_at >= since)
    grouped: dict[str, list[Any]] = {}
    for order_id, customer_id, placed_at, product_id in session.execute(
        query.order_by(Order.placed_at, Order.id)
    ):
        entry = grouped.setdefault(order_id, [customer_id, placed_at, []])
        entry[2].append(product_id)
    return [
        Basket(order_id, customer_id, placed_at, tuple(dict.fromkeys(products)))
        for order_id, (customer_id, placed_at, products) in grouped.items()
    ]


def shopper_history(
    session: Session, customer_id: str, now: dt.datetime, returned_days: int
) -> ShopperHistory:
    """What the shopper bought (newest first), sent back lately, and where parcels go.

    Raises:
        CustomerNotFound: No customer has this id.
    """
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise CustomerNotFound(customer_id)
    bought_rows = session.execute(
        select(OrderLine.product_id, Order.placed_at, Order.ship_region)
        .join(Order, OrderLine.order_id == Order.id)
        .where(Order.customer_id == customer_id)
        .order_by(Order.placed_at.desc(), OrderLine.line_no)
    ).all()
    since = now - dt.timedelta(days=returned_days)
    returned = session.execute(
        select(OrderLine.product_id)
        .join(ReturnLine, ReturnLine.order_line_id == OrderLine.id)
        .join(ReturnRequest, ReturnRequest.id == ReturnLine.return_id)
        .join(Order, Order.id == ReturnRequest.order_id)
        .where(Order.customer_id == customer_id, ReturnRequest.created_at >= since)
    ).scalars()
    region = bought_rows[0][2] if bought_rows else customer.region
    return ShopperHistory(
        bought=tuple(dict.fromkeys(row[0] for row in bought_rows)),
        returned_recently=frozenset(returned),
        region=region,
    )


def in_stock(session: Session, product_ids: Sequence[str]) -> frozenset[str]:
    """Which of these products have a variant that can ship now."""
    if not product_ids:
        return frozenset()
    rows = session.execute(
        select(ProductVariant.product_id)
        .where(ProductVariant.product_id.in_(list(product_ids)), ProductVariant.stock > 0)
        .distinct()
    ).scalars()
    return frozenset(rows)


@dataclass(frozen=True)
class Suggestions:
    """One answer: an id the clicks refer to, and the suggestions in order."""

    recommendation_id: str
    customer_id: str | None
    anchor_product_id: str | None
    items: list[Recommendation]


class RecommendationService:
    """The recommender for one store, built on first use and kept up to date.

    Several merchants may sell from one store (the tenants of `channels/tenants.yml` on the
    demo backend): what was bought together, what sells and what reads alike is the store's,
    learnt once; what may be shown is each merchant's, chosen per request (`policy_for`).

    Args:
        database: The store.
        policy: The recommendation rules of requests that name no merchant, and of every
            request when `merchant_policies` is empty (a single-merchant backend).
        cache_dir: Where catalogue embeddings are cached (None: not cached).
        clock: The store's time (naive UTC), for "returned recently".
        merchant_policies: Each merchant's rules, by tenant key.
    """

    def __init__(
        self,
        database: Database,
        policy: RecommendationPolicy,
        cache_dir: Path | None,
        clock: Callable[[], dt.datetime],
        merchant_policies: Mapping[str, RecommendationPolicy] | None = None,
    ) -> None:
        self._database = database
        self._policy = policy
        self._merchant_policies = dict(merchant_policies or {})
        self._cache_dir = cache_dir
        self._clock = clock
        self._recommender: Recommender | None = None
        self._build_lock = asyncio.Lock()
        self._refresh_lock = asyncio.Lock()
        # Requests rank on the database threads while new orders are counted: one at a time.
        self._engine_lock = threading.Lock()
        self._watermark: dt.datetime | None = None
        self._refreshed_at = 0.0
        self.refresh_interval_s = REFRESH_INTERVAL_S
        self._warm_up: asyncio.Task[Recommender] | None = None

    def warm_up(self) -> None:
        """Start building in the background, so the first shopper does not wait for it."""
        if self._warm_up is None:
            self._warm_up = asyncio.get_running_loop().create_task(self.recommender())

    async def recommender(self) -> Recommender:
        """The built recommender; the first caller builds it, the others wait for it."""
        if self._recommender is None:
            async with self._build_lock:
                if self._recommender is None:
                    self._recommender = await self._database.run(self._build)
                    self._refreshed_at = time.monotonic()
        return self._recommender

    def _build(self, session: Session) -> Recommender:
        started = time.perf_counter()
        catalog = load_catalog(session, self._cache_dir)
        recommender = Recommender(catalog, load_settings(), self._policy)
        baskets = baskets_since(session, None)
        recommender.add_orders(baskets)
        self._watermark = baskets[-1].placed_at if baskets else None
        logger.info(
            "Recommender ready: %d products, %d orders in %.1f s",
            len(catalog),
            recommender.orders_seen,
            time.perf_counter() - started,
        )
        return recommender

    async def refresh(self, *, force: bool = False) -> int:
        """Add orders placed since the last look; returns how many were new."""
        recommender = await self.recommender()
        if not force and time.monotonic() - self._refreshed_at < self.refresh_interval_s:
            return 0
        async with self._refresh_lock:
            since = self._watermark
            self._refreshed_at = time.monotonic()

            def work(session: Session) -> tuple[int, dt.datetime | None]:
                baskets = baskets_since(session, since)
                with self._engine_lock:
                    added = recommender.add_orders(baskets)
                return added, max((b.placed_at for b in baskets), default=since)

            added, self._watermark = await self._database.run(work)
            return added

    async def suggest(
        self,
        customer_id: str | None,
        anchor_product_id: str | None,
        limit: int,
        about: str | None = None,
        policy: RecommendationPolicy | None = None,
    ) -> Suggestions:
        """Suggestions for a shopper (or for anyone, when `customer_id` is None).

        `about` is what the shopper called the product ("my tent"); it picks the anchor
        when no `anchor_product_id` is given and is ignored when nothing matches. `policy`
        is the merchant's rules (see `policy_for`; default: the backend's own).

        Raises:
            CustomerNotFound: Unknown customer id.
            ProductNotFound: Unknown anchor product.
        """
        await self.refresh()
        recommender = await self.recommender()
        if anchor_product_id is not None and anchor_product_id not in recommender.catalog.index:
            raise ProductNotFound(anchor_product_id)
        now = self._clock()
        rules = self._policy if policy is None else policy
        days = rules.recently_returned_days

        def work(session: Session) -> tuple[str | None, list[Recommendation]]:
            history = ShopperHistory()
            if customer_id is not None:
                history = shopper_history(session, customer_id, now, days)
            with self._engine_lock:
                anchor = anchor_product_id
                if anchor is None and about:
                    anchor = recommender.product_mentioned(about, history)
                return anchor, recommender.recommend(
                    history,
                    anchor_product_id=anchor,
                    limit=limit,
                    stock_of=lambda ids: in_stock(session, ids),
                    policy=rules,
                )

        anchor, items = await self._database.run(work)
        return Suggestions(f"rec_{uuid.uuid4().hex[:20]}", customer_id, anchor, items)

    @property
    def policy(self) -> RecommendationPolicy:
        """The rules of requests that name no merchant."""
        return self._policy

    @property
    def merchants(self) -> frozenset[str]:
        """The merchants this backend knows the rules of (empty: a single merchant)."""
        return frozenset(self._merchant_policies)

    def policy_for(self, merchant: str | None) -> RecommendationPolicy:
        """The rules a request for `merchant` gets.

        A single-merchant backend has one set of rules for everyone, whoever is named.
        A backend that serves several never guesses: an unknown merchant gets no rules,
        because another merchant's exclusions and price band would be silently wrong.

        Raises:
            MerchantNotFound: Several merchants are configured and `merchant` is none of them.
        """
        if merchant is None or not self._merchant_policies:
            return self._policy
        try:
            return self._merchant_policies[merchant]
        except KeyError:
            raise MerchantNotFound(merchant) from None

    async def record_click(
        self,
        recommendation_id: str,
        product_id: str,
        customer_id: str | None,
        position: int | None,
    ) -> tuple[RecommendationClick, bool]:
        """See `record_click`; the click is stamped with the store's clock."""
        now = self._clock()
        return await self._database.run(
            lambda s: record_click(s, recommendation_id, product_id, customer_id, position, now),
            write=True,
        )

    async def clicks(self, customer_id: str) -> list[RecommendationClick]:
        """The customer's newest clicks (at most `MAX_CLICK_LIST`)."""
        return await self._database.run(lambda s: list_clicks(s, customer_id, MAX_CLICK_LIST))


def record_click(
    session: Session,
    recommendation_id: str,
    product_id: str,
    customer_id: str | None,
    position: int | None,
    now: dt.datetime,
) -> tuple[RecommendationClick, bool]:
    """Record a click once per suggestion list and product; returns it and whether it is new.

    Raises:
        ProductNotFound, CustomerNotFound: The click names something that does not exist.
    """
    if session.get(Product, product_id) is None:
        raise ProductNotFound(product_id)
    if customer_id is not None and session.get(Customer, customer_id) is None:
        raise CustomerNotFound(customer_id)
    existing = _existing_click(session, recommendation_id, product_id)
    if existing is not None:
        return existing, False
    click = RecommendationClick(
        id=f"CLK-{uuid.uuid4().hex[:12]}",
        recommendation_id=recommendation_id,
        product_id=product_id,
        customer_id=customer_id,
        position=position,
        created_at=now,
    )
    session.add(click)
    try:
        session.commit()
    except IntegrityError:  # the same click raced this one and won
        session.rollback()
        won = _existing_click(session, recommendation_id, product_id)
        if won is None:
            raise
        return won, False
    return click, True


def _existing_click(
    session: Session, recommendation_id: str, product_id: str
) -> RecommendationClick | None:
    return session.execute(
        select(RecommendationClick).where(
            RecommendationClick.recommendation_id == recommendation_id,
            RecommendationClick.product_id == product_id,
        )
    ).scalar_one_or_none()


def list_clicks(session: Session, customer_id: str, limit: int) -> list[RecommendationClick]:
    """The customer's newest clicks first."""
    if session.get(Customer, customer_id) is None:
        raise CustomerNotFound(customer_id)
    return list(
        session.execute(
            select(RecommendationClick)
            .where(RecommendationClick.customer_id == customer_id)
            .order_by(RecommendationClick.created_at.desc(), RecommendationClick.id.desc())
            .limit(limit)
        ).scalars()
    )


# --- The app's handle ------------------------------------------------------------------

SERVICE_KEY = web.AppKey("recommendations", RecommendationService)


class PolicyUnusable(RuntimeError):
    """A merchant's policy file cannot be read, or its `recommendations` section is invalid."""


def _read_policy(path: str, merchant: str | None = None) -> RecommendationPolicy:
    try:
        return load_policy_section(Path(path))
    except (OSError, yaml.YAMLError, pydantic.ValidationError) as error:
        whose = f" (merchant {merchant!r})" if merchant else ""
        raise PolicyUnusable(f"policy file {path}{whose}: {error}") from error


def load_recommendation_policy(path: str | None) -> RecommendationPolicy:
    """The merchant's rules from its policy file; the defaults when no file is configured.

    Raises:
        PolicyUnusable: The file cannot be read or its `recommendations` section is invalid.
    """
    return RecommendationPolicy() if path is None else _read_policy(path)


def load_merchant_policies(paths: Mapping[str, str]) -> dict[str, RecommendationPolicy]:
    """Each merchant's rules from its own policy file, all read at start.

    Raises:
        PolicyUnusable: A file cannot be read or its `recommendations` section is invalid;
            the message names the file and the merchant.
    """
    return {merchant: _read_policy(path, merchant) for merchant, path in paths.items()}


async def warm_up_on_start(app: web.Application) -> AsyncIterator[None]:
    """A cleanup context for the served backend (`python -m commerce`), after the database's.

    Tests build many short-lived apps and leave it out; a served backend builds the
    recommender (about two seconds for the demo store on first start) while it starts
    answering other requests.
    """
    app[SERVICE_KEY].warm_up()
    yield
