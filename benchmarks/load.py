"""Shoppers in parallel against a running stack: order-status and return conversations over REST.

A load of real conversations, not of one repeated message: each shopper verifies a delivered
order of the store and either asks where it is or returns an item of it, answering the
assistant's questions as a shopper would (a button when offered, a reason, "refund", "yes"),
then waits its think time and starts again. Every turn is recorded with its time, latency,
HTTP status and whether the reply was an apology, for the failover and capacity benchmarks.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import sqlalchemy as sa
import yaml

from stack.settings import ROOT

# Replies that admit a failure; their fixed openings come from the domain.
APOLOGIES = ("utter_service_unavailable", "utter_backend_unavailable", "utter_handoff_unavailable")


def fixed_openings(names: tuple[str, ...] = APOLOGIES) -> list[str]:
    """The text of each response up to its first template variable."""
    responses = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]
    return [str(responses[name][0]["text"]).split("{")[0].strip()[:60] for name in names]


@dataclass(frozen=True)
class ShopperOrder:
    """A delivered order and what verifies its shopper."""

    order_id: str
    email: str


def delivered_orders(commerce_db_url: str, within_days: int = 25) -> list[ShopperOrder]:
    """Delivered orders inside the return window without a return or claim yet."""
    since = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(days=within_days)
    engine = sa.create_engine(commerce_db_url)
    query = sa.text(
        "SELECT o.id, c.email FROM orders o JOIN customers c ON c.id = o.customer_id "
        "JOIN shipments s ON s.order_id = o.id WHERE o.status = 'delivered' "
        "AND s.delivered_at >= :since "
        "AND NOT EXISTS (SELECT 1 FROM returns r WHERE r.order_id = o.id) "
        "AND NOT EXISTS (SELECT 1 FROM claims k WHERE k.order_id = o.id) ORDER BY o.id"
    )
    try:
        with engine.connect() as connection:
            rows = connection.execute(query, {"since": since}).all()
    finally:
        engine.dispose()
    return [ShopperOrder(str(r[0]), str(r[1])) for r in rows]


@dataclass
class Turn:
    """One message and what came back."""

    sender: str
    kind: str
    sent_at: float
    latency_s: float
    status: int  # HTTP status; 0: no answer at all
    text: str
    apology: bool

    @property
    def answered(self) -> bool:
        return self.status == 200 and bool(self.text)

    @property
    def failed(self) -> bool:
        return not self.answered or self.apology


@dataclass
class Load:
    """Shoppers talking to ``rest_url`` until ``stop`` is set."""

    rest_url: str
    orders: list[ShopperOrder]
    think_s: tuple[float, float] = (2.0, 4.0)
    timeout_s: float = 30.0
    turns: list[Turn] = field(default_factory=list)
    returned: list[str] = field(default_factory=list)  # orders whose return was confirmed
    seed: int = 7

    def __post_init__(self) -> None:
        self._apologies = fixed_openings()
        self._random = random.Random(self.seed)
        self._unused = list(self.orders)
        self._random.shuffle(self._unused)

    def _take_order(self) -> ShopperOrder:
        """Each return gets an order of its own; status questions may reuse any."""
        return self._unused.pop() if self._unused else self._random.choice(self.orders)

    async def say(
        self, session: aiohttp.ClientSession, sender: str, kind: str, text: str
    ) -> list[dict[str, Any]]:
        """Send one message; record the turn; the bot's messages ([] on failure)."""
        started = time.monotonic()
        status, messages = 0, []
        try:
            async with session.post(
                self.rest_url,
                json={"sender": sender, "message": text},
                timeout=aiohttp.ClientTimeout(total=self.timeout_s),
            ) as response:
                status = response.status
                if status == 200:
                    messages = await response.json()
        except (aiohttp.ClientError, asyncio.TimeoutError):
            pass
        reply = "\n".join(str(m.get("text") or "") for m in messages)
        self.turns.append(
            Turn(
                sender=sender,
                kind=kind,
                sent_at=started,
                latency_s=time.monotonic() - started,
                status=status,
                text=reply,
                apology=any(opening in reply for opening in self._apologies),
            )
        )
        return messages

    async def order_status(self, session: aiohttp.ClientSession) -> None:
        """Where is my order: three turns, the last one needs the backend."""
        order, sender = self._take_order(), f"load-{uuid.uuid4().hex[:12]}"
        for text in ("where is my order?", order.order_id, order.email):
            await self.say(session, sender, "status", text)

    async def return_item(self, session: aiohttp.ClientSession) -> None:
        """Return an item: verify, pick, give a reason, choose a refund, confirm."""
        order, sender = self._take_order(), f"load-{uuid.uuid4().hex[:12]}"
        for text in ("i want to return something", order.order_id):
            await self.say(session, sender, "return", text)
        messages = await self.say(session, sender, "return", order.email)
        for _ in range(6):
            answer = _return_answer(messages)
            if answer is None:
                return
            messages = await self.say(session, sender, "return", answer)
            if answer == "yes":
                if any("RMA-" in str(m.get("text") or "") for m in messages):
                    self.returned.append(order.order_id)
                return

    async def shopper(self, stop: asyncio.Event, pick: Callable[[], bool]) -> None:
        """One shopper: a conversation, think time, again, until ``stop``."""
        async with aiohttp.ClientSession() as session:
            while not stop.is_set():
                await (self.return_item(session) if pick() else self.order_status(session))
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._random.uniform(*self.think_s))

    def returns_share(self, share: float) -> Callable[[], bool]:
        return lambda: self._random.random() < share


def _return_answer(messages: list[dict[str, Any]]) -> str | None:
    """What a shopper answers to the return flow's question, or None when it is over."""
    text = " ".join(str(m.get("text") or "") for m in messages).lower()
    buttons = [b for m in messages for b in m.get("buttons") or []]
    if "shall i start the return" in text:
        return "yes"
    if "reason" in text:
        return "it doesn't fit"
    if "settled" in text or ("refund" in text and "store credit" in text):
        return "refund please"
    if buttons and "person" not in str(buttons[0].get("title", "")).lower():
        return str(buttons[0]["payload"])
    return None


def percentile(values: list[float], share: float) -> float:
    """The ``share`` percentile (nearest rank) of ``values``; NaN for none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]
