"""The recommender of one store, built on first use and kept up to date as orders arrive.

The ranking lives in the `recommender` package, which knows nothing about this database;
this service feeds it. It loads the catalogue and the order history on first use (product
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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from commerce.db import Database
from commerce.errors import MerchantNotFound, ProductNotFound
from commerce.models import RecommendationClick
from commerce.recommendations.conversions import ConversionPage, Cursor, list_conversions
from commerce.recommendations.store import (
    baskets_since,
    in_stock,
    list_clicks,
    load_catalog,
    record_click,
    shopper_history,
)
from recommender.catalog import ShopperHistory
from recommender.config import RecommendationPolicy, load_settings
from recommender.engine import Recommendation, Recommender

logger = logging.getLogger(__name__)

REFRESH_INTERVAL_S = 2.0
"""How stale the co-purchase statistics may be: new orders are read at most this often."""
MAX_CLICK_LIST = 100


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

    async def conversions(
        self,
        since: dt.datetime | None,
        until: dt.datetime | None,
        window_days: int,
        limit: int,
        after: Cursor | None = None,
    ) -> ConversionPage:
        """Clicks followed by a purchase (see `list_conversions`), one page."""
        return await self._database.run(
            lambda s: list_conversions(
                s, since=since, until=until, window_days=window_days, limit=limit, after=after
            )
        )
