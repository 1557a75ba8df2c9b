"""Chatwoot as the agents' desk, through Chatwoot's Agent Bot.

On handoff the connector creates a contact and a conversation in an API inbox (status
``pending``, as conversations of an inbox with an Agent Bot start), posts the masked summary as
a private note and the last turns as messages, then opens it (``pending`` → ``open``), which
puts it in the agents' queue. Chatwoot calls the Agent Bot's webhook for every event:

- ``message_created`` with ``message_type: outgoing`` from a ``user`` (an agent, not a bot,
  not a private note): the text goes to the shopper;
- ``conversation_resolved`` (or ``conversation_status_changed`` to ``resolved``): the bot
  takes the conversation back and asks for a rating.

Webhooks are signed: ``X-Chatwoot-Signature: sha256=<hex HMAC-SHA256 of "{timestamp}.{raw
body}">`` with ``X-Chatwoot-Timestamp``; unsigned, stale or forged calls get 401.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

from desk.connectors.base import TicketInfo

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Chatwoot-Signature"
TIMESTAMP_HEADER = "X-Chatwoot-Timestamp"
MAX_SKEW_S = 300


class ChatwootError(Exception):
    """Chatwoot's API refused a call or could not be reached."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature Chatwoot sends for ``body`` at ``timestamp``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def signature_ok(
    secret: str, signature: str | None, timestamp: str | None, body: bytes, now: float
) -> bool:
    """True for a correct signature made within five minutes of ``now``."""
    if not (secret and signature and timestamp):
        return False
    try:
        skew = abs(now - int(timestamp))
    except ValueError:
        return False
    return skew <= MAX_SKEW_S and hmac.compare_digest(sign(secret, timestamp, body), signature)


@dataclass(frozen=True)
class AgentMessage:
    conversation_id: str
    text: str
    agent_name: str


def agent_message(payload: dict[str, Any]) -> AgentMessage | None:
    """The agent's public reply in a ``message_created`` payload, or None for anything else."""
    if payload.get("event") != "message_created":
        return None
    sender = payload.get("sender") or {}
    if payload.get("message_type") != "outgoing" or payload.get("private"):
        return None
    if sender.get("type") != "user":  # agent_bot messages are our own mirror of the bot
        return None
    text = str(payload.get("content") or "").strip()
    conversation = payload.get("conversation") or {}
    if not text or "id" not in conversation:
        return None
    return AgentMessage(str(conversation["id"]), text, str(sender.get("name") or "Agent"))


def resolved_conversation(payload: dict[str, Any]) -> str | None:
    """The conversation id of a "resolved" event, or None."""
    event = payload.get("event")
    if event == "conversation_resolved" or (
        event == "conversation_status_changed" and payload.get("status") == "resolved"
    ):
        return str(payload["id"]) if "id" in payload else None
    return None


class ChatwootConnector:
    """Mirrors desk tickets into a Chatwoot API inbox (see the module notes).

    Args:
        base_url: Chatwoot, e.g. ``https://chatwoot.example.com``.
        token: The Agent Bot's (or an agent's) ``api_access_token``.
        account_id: The Chatwoot account.
        inbox_id: The API inbox the Agent Bot is connected to.
    """

    def __init__(self, base_url: str, token: str, account_id: int, inbox_id: int) -> None:
        self._base = f"{base_url.rstrip('/')}/api/v1/accounts/{account_id}"
        self._token = token
        self._inbox_id = inbox_id
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            async with self._http().post(
                f"{self._base}{path}", json=body, headers={"api_access_token": self._token}
            ) as resp:
                if resp.status >= 400:
                    raise ChatwootError(f"{path}: {resp.status} {(await resp.text())[:200]}")
                result: dict[str, Any] = await resp.json()
                return result
        except aiohttp.ClientError as exc:
            raise ChatwootError(f"{path}: {exc}") from exc

    async def ticket_opened(self, ticket: TicketInfo) -> str | None:
        contact = await self._post(
            "/contacts",
            {
                "inbox_id": self._inbox_id,
                "name": f"Shopper {ticket.sender_id[:12]}",
                "identifier": ticket.sender_id,
            },
        )
        payload = contact.get("payload") or {}
        contact_id = (payload.get("contact") or {}).get("id")
        source_id = ((payload.get("contact_inbox") or {}) or {}).get("source_id")
        conversation = await self._post(
            "/conversations",
            {
                "source_id": source_id or ticket.sender_id,
                "inbox_id": self._inbox_id,
                "contact_id": contact_id,
                "status": "pending",
                "custom_attributes": {
                    "aftercare_ticket": ticket.ticket_id,
                    "handoff_reason": ticket.reason,
                    "priority": ticket.priority,
                },
            },
        )
        ref = str(conversation["id"])
        await self._post(
            f"/conversations/{ref}/messages",
            {"content": ticket.summary_text, "message_type": "outgoing", "private": True},
        )
        for author, text in ticket.transcript:
            kind = "incoming" if author == "shopper" else "outgoing"
            await self._post(
                f"/conversations/{ref}/messages", {"content": text, "message_type": kind}
            )
        await self._post(f"/conversations/{ref}/toggle_status", {"status": "open"})
        return ref

    async def shopper_wrote(self, external_ref: str, texts: list[str]) -> None:
        for text in texts:
            await self._post(
                f"/conversations/{external_ref}/messages",
                {"content": text, "message_type": "incoming"},
            )


def now() -> float:
    return time.time()
