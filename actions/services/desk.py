"""The assistant's door to the agent desk (``desk/``): open a ticket, store a rating.

Like the commerce client this imports nothing from rasa_sdk; actions build a
:class:`Handoff` from the tracker and call :func:`desk_from_env`. Personal data in the
summary and transcript is masked by the desk before anything is stored.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp

logger = logging.getLogger(__name__)

DEFAULT_DESK_URL = "http://127.0.0.1:8070"
DEFAULT_DESK_TOKEN = "dev-desk-token"  # local development only; set DESK_API_TOKEN


class DeskUnavailable(Exception):
    """The desk could not be reached or refused the request."""


@dataclass(frozen=True)
class Handoff:
    """A conversation going to a person."""

    merchant: str
    sender_id: str
    channel: str
    reason: str
    priority: int
    after_hours: bool
    summary: dict[str, Any]
    transcript: list[tuple[str, str]] = field(default_factory=list)
    after_ts: float = 0.0


@dataclass(frozen=True)
class Ticket:
    """The desk's answer: the ticket, the shopper's place in the queue, how to poll."""

    ticket_id: int
    queue_position: int
    shopper_token: str
    poll_url: str


class DeskClient(Protocol):
    async def open_ticket(self, handoff: Handoff) -> Ticket: ...

    async def rate(self, sender_id: str, ticket_id: int, score: int) -> None: ...


class HttpDeskClient:
    """:class:`DeskClient` for the desk service's bot API (bearer token, short timeout).

    No retries: a handoff that fails is answered at once with the team's contact details,
    which is better for a waiting shopper than a slow retry.
    """

    def __init__(self, base_url: str, token: str, timeout_s: float = 5.0) -> None:
        self._base = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"}
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout, headers=self._headers)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            async with self._http().post(f"{self._base}{path}", json=body) as resp:
                if resp.status >= 400:
                    raise DeskUnavailable(f"{path}: {resp.status} {(await resp.text())[:200]}")
                result: dict[str, Any] = await resp.json()
                return result
        # asyncio.TimeoutError is not the builtin TimeoutError before Python 3.11.
        except (aiohttp.ClientError, asyncio.TimeoutError, TimeoutError) as exc:
            raise DeskUnavailable(f"{path}: {exc}") from exc

    async def open_ticket(self, handoff: Handoff) -> Ticket:
        body = await self._post(
            "/api/bot/tickets",
            {
                "merchant": handoff.merchant,
                "sender_id": handoff.sender_id,
                "channel": handoff.channel,
                "reason": handoff.reason,
                "priority": handoff.priority,
                "after_hours": handoff.after_hours,
                "summary": handoff.summary,
                "transcript": [list(t) for t in handoff.transcript],
                "after_ts": handoff.after_ts,
            },
        )
        return Ticket(
            ticket_id=int(body["ticket_id"]),
            queue_position=int(body["queue_position"]),
            shopper_token=str(body["shopper_token"]),
            poll_url=str(body["poll_url"]),
        )

    async def rate(self, sender_id: str, ticket_id: int, score: int) -> None:
        await self._post(
            "/api/bot/ratings", {"sender_id": sender_id, "ticket_id": ticket_id, "score": score}
        )


_client: DeskClient | None = None


def desk_from_env() -> DeskClient:
    """The process-wide desk client, built on first use from ``DESK_URL``/``DESK_API_TOKEN``."""
    global _client
    if _client is None:
        _client = HttpDeskClient(
            os.environ.get("DESK_URL", DEFAULT_DESK_URL),
            os.environ.get("DESK_API_TOKEN", DEFAULT_DESK_TOKEN),
        )
    return _client
