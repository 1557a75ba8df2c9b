"""How the desk reaches a shopper's conversation: through Rasa's HTTP API.

The desk never speaks a channel's protocol itself. It appends events to the conversation with
``output_channel=latest``, and Rasa hands the bot message to the output channel of the channel
the shopper last wrote on: socket.io web chat pushes it at once; a channel whose input class
returns an output channel (the Twilio SMS and Messenger channels) does too. The REST channel
has no push: its messages are kept by the desk and polled (``GET /api/shopper/messages``).
See docs/handoff.md for the interface a new channel plugs into.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Protocol
from urllib.parse import quote

import aiohttp

from webkit.db import chunks

logger = logging.getLogger(__name__)


class ConversationUnavailable(Exception):
    """Rasa's HTTP API could not be reached or refused the request.

    Args:
        status: Rasa's HTTP status when it answered; None when it could not be reached.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class ShopperMessage:
    """A message the shopper wrote, with Rasa's event timestamp (for de-duplication)."""

    timestamp: float
    text: str


# Conversations the desk names in one batch request (the Rasa server takes up to 1000).
BATCH = 500
# A batch answered with these is asked conversation by conversation: a server without the
# batch route (404), or one conversation it could not read making the whole batch fail (400,
# 500). A 503 (the store is down) or no answer is the whole round's: the next round asks again.
ONE_BY_ONE = frozenset(
    {HTTPStatus.BAD_REQUEST, HTTPStatus.NOT_FOUND, HTTPStatus.INTERNAL_SERVER_ERROR}
)


def later_messages(messages: list[dict[str, Any]], after: float) -> list[ShopperMessage]:
    """The messages after ``after`` with something written in them, as the desk keeps them."""
    return [
        ShopperMessage(float(m["timestamp"]), str(m.get("text") or ""))
        for m in messages
        if float(m.get("timestamp") or 0) > after and (m.get("text") or "").strip()
    ]


class Conversations(Protocol):
    """What the desk needs from the assistant's side of a conversation."""

    async def send(self, sender_id: str, text: str, agent_name: str) -> None:
        """Put an agent's message in the conversation and on the shopper's channel."""

    async def resume(self, sender_id: str, action: str) -> list[str]:
        """Give the conversation back to the bot and run ``action``; returns its texts."""

    async def shopper_messages(self, sender_id: str, after: float) -> list[ShopperMessage]:
        """What the shopper wrote after ``after`` (Rasa timestamps)."""

    async def shopper_messages_of(
        self, afters: dict[str, float]
    ) -> dict[str, list[ShopperMessage]]:
        """What each shopper wrote after their time: the sync round of every open ticket."""


class RasaConversations:
    """:class:`Conversations` over Rasa's HTTP API (token auth).

    Args:
        base_url: The Rasa server, e.g. ``http://127.0.0.1:5005``.
        token: ``RASA_AUTH_TOKEN``.
        timeout_s: Per-request timeout.
    """

    def __init__(self, base_url: str, token: str, timeout_s: float = 10.0) -> None:
        self._base = base_url.rstrip("/")
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None
        self._warned_no_route = False

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _call(
        self, method: str, path: str, params: dict[str, str], body: Any = None
    ) -> dict[str, Any]:
        """A route of one conversation (its id quoted into the path)."""
        return await self._request(method, f"/conversations/{quote(path, safe='/')}", params, body)

    async def _request(
        self, method: str, path: str, params: dict[str, str], body: Any = None
    ) -> dict[str, Any]:
        url = f"{self._base}{path}"
        try:
            async with self._http().request(
                method, url, params={**params, "token": self._token}, json=body
            ) as resp:
                if resp.status >= 400:
                    detail = (await resp.text())[:200]
                    raise ConversationUnavailable(
                        f"rasa answered {resp.status}: {detail}", resp.status
                    )
                result: dict[str, Any] = await resp.json()
                return result
        except aiohttp.ClientResponseError as exc:  # its text quotes the URL, with the token
            raise ConversationUnavailable(
                f"{type(exc).__name__}: {exc.message}", exc.status or None
            ) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ConversationUnavailable(f"{type(exc).__name__}: {exc}") from exc

    async def send(self, sender_id: str, text: str, agent_name: str) -> None:
        event = {"event": "bot", "text": text, "metadata": {"agent": agent_name}}
        await self._call(
            "POST",
            f"{sender_id}/tracker/events",
            {"output_channel": "latest", "execute_side_effects": "true"},
            [event],
        )

    async def resume(self, sender_id: str, action: str) -> list[str]:
        await self._call("POST", f"{sender_id}/tracker/events", {}, [{"event": "resume"}])
        result = await self._call(
            "POST", f"{sender_id}/execute", {"output_channel": "latest"}, {"name": action}
        )
        # End the turn as the bot's own turns end, so the next message is predicted normally.
        listen = {"event": "action", "name": "action_listen"}
        await self._call("POST", f"{sender_id}/tracker/events", {}, [listen])
        return [m["text"] for m in result.get("messages") or [] if m.get("text")]

    async def shopper_messages(self, sender_id: str, after: float) -> list[ShopperMessage]:
        """Only the messages after ``after``, read by the Rasa server from its tracker store.

        Not the whole conversation through ``/tracker`` (stores/shopper_messages.py). A Rasa
        server without that route (started without the project's launcher, or not upgraded yet
        while the desk is) answers 404: then the whole conversation is read as before, and the
        log says why once.
        """
        try:
            found = await self._call("GET", f"{sender_id}/shopper_messages", {"after": repr(after)})
            messages = found.get("messages") or []
        except ConversationUnavailable as exc:
            if exc.status != HTTPStatus.NOT_FOUND:
                raise
            messages = await self._user_events(sender_id)
        return later_messages(messages, after)

    async def shopper_messages_of(
        self, afters: dict[str, float]
    ) -> dict[str, list[ShopperMessage]]:
        """Every open ticket's new messages, in one request per ``BATCH`` conversations.

        The desk asks this every few seconds: one request (and one query) a round however many
        tickets are open, not one per ticket. A batch answered 404 (a Rasa server without the
        route), 400 or 500 is asked conversation by conversation (``ONE_BY_ONE``).
        """
        found: dict[str, list[ShopperMessage]] = {}
        for pairs in chunks(list(afters.items()), BATCH):
            chunk = dict(pairs)
            try:
                answer = await self._request(
                    "POST", "/shopper_messages", {}, {"conversations": chunk}
                )
            except ConversationUnavailable as exc:
                if exc.status not in ONE_BY_ONE:
                    raise
                found.update(await self._one_by_one(chunk))
                continue
            read = answer.get("conversations")
            if not isinstance(read, dict) or not all(isinstance(read.get(s), list) for s in chunk):
                raise ConversationUnavailable("rasa's answer left out conversations it was asked")
            for sender_id, after in chunk.items():
                found[sender_id] = later_messages(read[sender_id], after)
        return found

    async def _one_by_one(self, afters: dict[str, float]) -> dict[str, list[ShopperMessage]]:
        """Each conversation on its own: one that cannot be read holds up no other.

        Left out of the answer, it is asked again next round.
        """
        found: dict[str, list[ShopperMessage]] = {}
        for sender_id, after in afters.items():
            try:
                found[sender_id] = await self.shopper_messages(sender_id, after)
            except ConversationUnavailable as exc:
                logger.debug("no sync of one conversation: %s", exc)
        return found

    async def _user_events(self, sender_id: str) -> list[dict[str, Any]]:
        """What the shopper wrote, from Rasa's tracker route (no ``trigger_intent`` event)."""
        if not self._warned_no_route:
            self._warned_no_route = True
            logger.warning(  # "rasa", not "Rasa": the log scrubber reads that as a name
                "the rasa server has no /shopper_messages route (start it with "
                "`python -m guardrails.launch rasa run ...`); reading whole conversations"
            )
        tracker = await self._call("GET", f"{sender_id}/tracker", {"include_events": "ALL"})
        return [
            e
            for e in tracker.get("events") or []
            if e.get("event") == "user" and not (e.get("metadata") or {}).get("is_external")
        ]
