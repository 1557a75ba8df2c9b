"""Order news for Aftercare's proactive messages: the backend posts signed events as data changes.

Shipments change state through the carrier's feed and refunds through the payment processor,
both outside this API, so a watcher compares the store with what it saw last and posts each
change (a shipment delayed, lost or delivered; a refund processed) to
``AFTERCARE_PROACTIVE_URL``/``<tenant>``/events, signed as any merchant's system would sign it:
base64 HMAC-SHA256 of the body with the tenant's secret (``PROACTIVE_WEBHOOK_SECRET_<TENANT>``).
What the store holds at start is the baseline, not news. Event ids are derived from the order
and the new state, so a repeated post is refused as a replay (409) and counted as delivered.

Imports nothing of the assistant: the contract is the HTTP request (docs/proactive.md).
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import os
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import sqlalchemy as sa
from aiohttp import web

from commerce.models import Order, Refund, Shipment
from webkit.background import cancel_and_wait

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Aftercare-Hmac-Sha256"
# Seconds between looks at the store. Each look reads every shipment's and refund's state: on
# the demo store (2,900 shipments) every 2 s cost the backend 13 % of a core, taken from the
# Rasa server under load; news a few seconds later is still news.
DEFAULT_INTERVAL_S = 5.0
UTC = dt.timezone.utc
# shipment status → (event type, extra fields)
SHIPMENT_EVENTS: dict[str, tuple[str, dict[str, str]]] = {
    "delayed": ("shipment.delayed", {}),
    "lost": ("shipment.exception", {"exception": "lost"}),
    "delivered": ("shipment.delivered", {}),
}


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: base64 of the body's HMAC-SHA256 with the secret."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@dataclass
class Notifier:
    """Watches shipments and refunds in ``db_url`` and posts each change once.

    Args:
        url: The proactive service's base URL (``…/proactive``'s host).
        tenant: The merchant whose orders this store holds.
        secret: That merchant's webhook secret.
    """

    db_url: str
    url: str
    tenant: str
    secret: str
    interval_s: float = DEFAULT_INTERVAL_S
    seen: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.engine = sa.create_engine(self.db_url, future=True)

    def _states(self) -> dict[str, tuple[str, str]]:
        """key → (state, order id) for every shipment and refund (no join: read every look)."""
        with self.engine.connect() as conn:
            shipments = conn.execute(sa.select(Shipment.order_id, Shipment.status)).all()
            refunds = conn.execute(sa.select(Refund.id, Refund.order_id, Refund.status)).all()
        states = {f"shipment:{order_id}": (status, order_id) for order_id, status in shipments}
        states.update({f"refund:{key}": (status, order_id) for key, order_id, status in refunds})
        return states

    def _customers(self, order_ids: set[str]) -> dict[str, str]:
        """order id → customer id, for the few orders with news."""
        if not order_ids:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(Order.id, Order.customer_id).where(Order.id.in_(order_ids))
            ).all()
        return {order_id: customer_id for order_id, customer_id in rows}

    def changes(self) -> list[tuple[str, str, dict[str, Any]]]:
        """(key, new state, event) for what changed since the last look (nothing at first).

        A change that makes no event is taken as seen at once; one that does is seen only once
        the webhook has answered it (:meth:`deliver`), so a proactive service that is down or
        starting gets it at a later look.
        """
        states = self._states()
        first = not self.seen
        found: list[tuple[str, str, dict[str, Any]]] = []
        for key, (state, order_id) in states.items():
            before = self.seen.get(key)
            if first or before == state:
                self.seen[key] = state
                continue
            kind, _, ident = key.partition(":")
            if kind == "shipment" and state in SHIPMENT_EVENTS:
                event_type, extra = SHIPMENT_EVENTS[state]
            elif kind == "refund" and state == "processed":
                event_type, extra = "refund.paid", {}
            else:
                self.seen[key] = state
                continue
            event: dict[str, Any] = {
                "event_id": f"{ident}.{state}",
                "type": event_type,
                "order_id": order_id,
                **extra,
            }
            found.append((key, state, event))
        customers = self._customers({event["order_id"] for _, _, event in found})
        for _, _, event in found:
            event["customer_id"] = customers.get(event["order_id"])
        return found

    async def deliver(self, http: aiohttp.ClientSession) -> None:
        """Post every change; one the webhook answered (even refused: 4xx) is seen."""
        for key, state, event in await asyncio.to_thread(self.changes):
            if await self.post(http, event) < 500:
                self.seen[key] = state

    async def post(self, http: aiohttp.ClientSession, event: Mapping[str, Any]) -> int:
        """Sign and post one event; the answer's status (409: already delivered)."""
        now = dt.datetime.now(UTC).isoformat().replace("+00:00", "Z")
        body = json.dumps({**event, "sent_at": now}).encode()
        async with http.post(
            f"{self.url.rstrip('/')}/proactive/{self.tenant}/events",
            data=body,
            headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(self.secret, body)},
        ) as resp:
            if resp.status >= 400 and resp.status != 409:
                logger.warning("proactive event %s refused: %s", event["event_id"], resp.status)
            return resp.status

    async def run(self) -> None:
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            while True:
                try:
                    await self.deliver(http)
                except (aiohttp.ClientError, asyncio.TimeoutError, sa.exc.SQLAlchemyError) as exc:
                    logger.warning("proactive events: %s", type(exc).__name__)
                await asyncio.sleep(self.interval_s)


def notifier_from_env(db_url: str, env: Mapping[str, str] | None = None) -> Notifier | None:
    """Built from ``AFTERCARE_PROACTIVE_URL`` (empty: off) and the tenant's secret."""
    e = os.environ if env is None else env
    url = e.get("AFTERCARE_PROACTIVE_URL", "")
    if not url:
        return None
    tenant = e.get("AFTERCARE_PROACTIVE_TENANT") or "demo"
    secret = e.get(f"PROACTIVE_WEBHOOK_SECRET_{tenant.upper().replace('-', '_')}", "")
    if not secret:
        raise ValueError(f"AFTERCARE_PROACTIVE_URL is set but {tenant}'s webhook secret is not")
    interval = float(e.get("AFTERCARE_PROACTIVE_POLL_S") or DEFAULT_INTERVAL_S)
    return Notifier(db_url, url, tenant, secret, interval)


def notifier_ctx(db_url: str) -> Any:
    """A ``cleanup_ctx`` running the watcher for the app's lifetime (nothing when off)."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        notifier = notifier_from_env(db_url)
        if notifier is None:
            yield
            return
        await asyncio.to_thread(notifier.changes)  # the baseline
        task = asyncio.get_running_loop().create_task(notifier.run())
        yield
        await cancel_and_wait([task])
        notifier.engine.dispose()

    return ctx
