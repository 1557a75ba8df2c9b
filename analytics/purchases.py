"""Purchases that followed a click on a suggestion: the `bought` step of the cross-sell funnel.

Nothing is bought in a conversation, so the event stream cannot tell whether a suggestion
sold; the merchant's order system can. The commerce backend lists *conversions*: clicks that
the same shopper's order of the clicked product followed within the attribution window
(``GET /api/v1/recommendations/conversions``, docs/commerce-api.md). This module fetches them
for a tenant over HTTP, as the desk reaches its servers (analytics imports nothing of
``commerce/``), and upserts them into ``analytics_conversions`` keyed by tenant,
recommendation id and product id: fetching the same conversions again changes nothing.

The tenant's backend is the one the assistant's client uses: its own when its entry in
``channels/tenants.yml`` names one (``commerce_api_url_env``, ``commerce_api_token_env``),
else ``COMMERCE_API_URL`` and ``COMMERCE_API_TOKEN``. Clicks carry no merchant, so tenants
that share a backend each get all of its conversions.

Each sync asks only for clicks whose window may still be open: from the last successful
sync's start minus the window and a day of clock slack (the first sync, or one against
another backend, asks for every click). The point is stored in ``analytics_offsets`` in the
transaction that stores the rows, so a failed sync changes nothing and is simply tried again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
import sqlalchemy as sa
from pydantic import BaseModel, Extra, Field, ValidationError
from sqlalchemy.engine import Connection, Engine

from analytics.tables import CONVERSIONS, OFFSETS, create_tables
from merchants.tenants import DEFAULT_COMMERCE_TOKEN, DEFAULT_COMMERCE_URL, load_registry

DEFAULT_API_TOKEN = DEFAULT_COMMERCE_TOKEN  # the backend's local default; set COMMERCE_API_TOKEN
DEFAULT_WINDOW_DAYS = 30
MAX_WINDOW_DAYS = 365
CROSS_SELL = "cross_sell"  # the flow a conversion belongs to (docs/analytics.md)
PATH = "/api/v1/recommendations/conversions"
PAGE = 1000
CLOCK_SLACK = dt.timedelta(days=1)
SOURCE = "purchases:{tenant}"
_CHUNK = 500


class PurchasesUnavailable(Exception):
    """The backend could not be reached, refused, or answered something unreadable."""


class UnknownTenant(ValueError):
    """The tenant is not in ``channels/tenants.yml``: there is no backend to ask."""


class Backend(BaseModel):
    """Where a tenant's conversions are read: the backend's base URL and its bearer token."""

    url: str = Field(min_length=1)
    token: str = Field(min_length=1, repr=False)
    timeout_s: float = Field(default=10.0, gt=0)

    class Config:
        extra = Extra.forbid
        allow_mutation = False


def backend_of(tenant: str, env: Mapping[str, str]) -> Backend:
    """The backend the assistant's client uses for ``tenant`` (``actions/services/commerce.py``).

    Raises:
        UnknownTenant: ``tenant`` is not configured.
    """
    entry = load_registry().tenants.get(tenant)
    if entry is None:
        raise UnknownTenant(f"unknown tenant {tenant!r} (channels/tenants.yml)")
    url_env, token_env = entry.commerce_env()
    return Backend(
        url=env.get(url_env) or DEFAULT_COMMERCE_URL,
        token=env.get(token_env) or DEFAULT_API_TOKEN,
    )


class Conversion(BaseModel):
    """One row of the backend's answer; a field out of shape fails the whole sync loudly."""

    recommendation_id: str = Field(min_length=1, max_length=64)
    product_id: str = Field(min_length=1, max_length=64)
    clicked_at: dt.datetime
    order_id: str = Field(min_length=1, max_length=64)
    placed_at: dt.datetime

    class Config:
        extra = Extra.ignore
        allow_mutation = False

    def row(self, tenant: str) -> dict[str, Any]:
        clicked, placed = _naive_utc(self.clicked_at), _naive_utc(self.placed_at)
        return {
            "tenant": tenant,
            "recommendation_id": self.recommendation_id,
            "product_id": self.product_id,
            "day": clicked.date(),
            "clicked_at": clicked,
            "order_id": self.order_id,
            "placed_at": placed,
        }


def _naive_utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return moment


def _iso(moment: dt.datetime) -> str:
    return _naive_utc(moment).isoformat(timespec="seconds") + "Z"


async def fetch_conversions(
    backend: Backend, *, since: dt.datetime | None, window_days: int
) -> list[Conversion]:
    """Every conversion of clicks at or after ``since`` (all clicks when None), page by page.

    Raises:
        PurchasesUnavailable: a connection error, a timeout, a status other than 200, or an
            answer that is not the documented shape.
    """
    params = {"window_days": str(window_days), "limit": str(PAGE)}
    if since is not None:
        params["since"] = _iso(since)
    headers = {"Authorization": f"Bearer {backend.token}"}
    url = backend.url.rstrip("/") + PATH
    found: list[Conversion] = []
    timeout = aiohttp.ClientTimeout(total=backend.timeout_s)
    try:
        async with aiohttp.ClientSession(timeout=timeout, headers=headers) as session:
            while True:
                async with session.get(url, params=params) as resp:
                    if resp.status != 200:
                        detail = (await resp.text())[:200]
                        raise PurchasesUnavailable(f"{url} answered {resp.status}: {detail}")
                    page = await resp.json()
                found += [Conversion.parse_obj(row) for row in page["conversions"]]
                after = page["next"]
                if after is None:
                    return found
                if after == params.get("after") or not isinstance(after, str):
                    raise PurchasesUnavailable(f"{url} answered a page that does not advance")
                params["after"] = after
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        raise PurchasesUnavailable(f"{url}: {str(exc) or type(exc).__name__}") from exc
    except (ValidationError, KeyError, TypeError, ValueError) as exc:
        raise PurchasesUnavailable(f"{url}: not a list of conversions ({exc})") from exc


def store_conversions(
    connection: Connection, tenant: str, conversions: Sequence[Conversion]
) -> int:
    """Insert the conversions not stored yet, update changed ones; returns how many are new."""
    rows = {(c.recommendation_id, c.product_id): c.row(tenant) for c in conversions}
    keys = list(rows)
    new = 0
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        stored = {
            (r.recommendation_id, r.product_id): r._asdict()
            for r in connection.execute(
                sa.select(CONVERSIONS).where(
                    CONVERSIONS.c.tenant == tenant,
                    CONVERSIONS.c.recommendation_id.in_({key[0] for key in chunk}),
                )
            )
        }
        fresh = [rows[key] for key in chunk if key not in stored]
        if fresh:
            connection.execute(CONVERSIONS.insert(), fresh)
            new += len(fresh)
        for key in chunk:
            if key in stored and stored[key] != rows[key]:
                connection.execute(
                    CONVERSIONS.update()
                    .where(
                        CONVERSIONS.c.tenant == tenant,
                        CONVERSIONS.c.recommendation_id == key[0],
                        CONVERSIONS.c.product_id == key[1],
                    )
                    .values(rows[key])
                )
    return new


@dataclass(frozen=True)
class SyncReport:
    """One sync of one tenant: conversions fetched, how many were new, from which click time."""

    tenant: str
    fetched: int
    new: int
    since: str | None


def _resume_point(
    engine: Engine, tenant: str, backend: Backend, window_days: int
) -> dt.datetime | None:
    """Clicks from when a conversion may still be missing; None: every click."""
    create_tables(engine)
    with engine.connect() as connection:
        last = connection.execute(
            sa.select(OFFSETS).where(OFFSETS.c.source == SOURCE.format(tenant=tenant))
        ).first()
    if last is None or last.marker != backend.url:
        return None
    started = dt.datetime.fromtimestamp(last.position, dt.timezone.utc).replace(tzinfo=None)
    return started - dt.timedelta(days=window_days) - CLOCK_SLACK


def _commit(
    engine: Engine, tenant: str, backend: Backend, found: Sequence[Conversion], started: dt.datetime
) -> int:
    source = SOURCE.format(tenant=tenant)
    position = int(started.replace(tzinfo=dt.timezone.utc).timestamp())
    with engine.begin() as connection:
        new = store_conversions(connection, tenant, found)
        connection.execute(OFFSETS.delete().where(OFFSETS.c.source == source))
        connection.execute(
            OFFSETS.insert().values(source=source, position=position, marker=backend.url)
        )
    return new


async def sync_tenant(
    engine: Engine,
    tenant: str,
    backend: Backend,
    *,
    window_days: int = DEFAULT_WINDOW_DAYS,
    full: bool = False,
    now: dt.datetime | None = None,
) -> SyncReport:
    """Fetch the tenant's conversions and upsert them (``full``: every click, not only recent).

    Raises:
        PurchasesUnavailable: the fetch failed; nothing was stored.
    """
    started = _naive_utc(now) if now else dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    since = None
    if not full:
        since = await asyncio.to_thread(_resume_point, engine, tenant, backend, window_days)
    found = await fetch_conversions(backend, since=since, window_days=window_days)
    new = await asyncio.to_thread(_commit, engine, tenant, backend, found, started)
    return SyncReport(tenant, len(found), new, _iso(since) if since else None)


def bought_by_day(
    engine: Engine, tenant: str, start: dt.date, end: dt.date, flow: str | None
) -> dict[dt.date, int] | None:
    """Conversions per UTC day of their click, ``start`` to ``end``; None under a flow filter
    other than ``cross_sell`` (a purchase cannot be traced to a conversation's flow)."""
    if flow not in (None, CROSS_SELL):
        return None
    create_tables(engine)
    query = (
        sa.select(CONVERSIONS.c.day, sa.func.count())
        .where(
            CONVERSIONS.c.tenant == tenant,
            CONVERSIONS.c.day >= start,
            CONVERSIONS.c.day <= end,
        )
        .group_by(CONVERSIONS.c.day)
    )
    with engine.connect() as connection:
        return {day: int(count) for day, count in connection.execute(query)}


def tenants_to_sync(env: Mapping[str, str]) -> dict[str, Backend]:
    """Every configured tenant and its backend."""
    return {tenant: backend_of(tenant, env) for tenant in load_registry().tenants}
