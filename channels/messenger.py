"""Facebook Messenger, verified: ``GET|POST /webhooks/messenger/<tenant path>``.

``GET`` answers Meta's subscription handshake only with the tenant's verify token; ``POST``
bodies are accepted only with a valid ``X-Hub-Signature-256`` (HMAC-SHA256 of the raw body with
the app secret). Replies go through the Graph API's Send API (``graph_base_url`` in
credentials.yml, so tests and staging can point it elsewhere), buttons as quick replies.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.common import (
    PushOutput,
    Rejected,
    TenantChannel,
    channel_metadata,
    check_body_size,
    registry,
)
from channels.sms import split_parts
from merchants.tenants import MessengerChannel

logger = logging.getLogger(__name__)

DEFAULT_GRAPH_BASE_URL = "https://graph.facebook.com/v18.0"
MAX_TEXT = 2000  # the Send API's limit for one text message
MAX_QUICK_REPLIES = 13
MAX_TITLE = 20


def messenger_sender_id(tenant: str, psid: str) -> str:
    """The conversation id of a page-scoped user id at a tenant (PSIDs are pseudonymous)."""
    return f"messenger:{tenant}:{psid}"


def psid_of(sender_id: str) -> tuple[str, str] | None:
    """(tenant, psid) of a Messenger conversation id, or None if it is not one."""
    kind, _, rest = sender_id.partition(":")
    tenant, _, psid = rest.partition(":")
    return (tenant, psid) if kind == "messenger" and tenant and psid else None


def signature_ok(body: bytes, header: str, app_secret: str) -> bool:
    """True when ``header`` is ``sha256=<hex HMAC of body>`` with the app secret."""
    scheme, _, digest = header.partition("=")
    if scheme != "sha256" or not digest:
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, digest.lower())


def quick_replies(buttons: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Rasa buttons as Messenger quick replies (at most 13, titles cut to 20 characters)."""
    replies = []
    for button in buttons[:MAX_QUICK_REPLIES]:
        title = str(button.get("title") or button.get("payload") or "")
        replies.append(
            {
                "content_type": "text",
                "title": title if len(title) <= MAX_TITLE else title[: MAX_TITLE - 1] + "…",
                "payload": str(button.get("payload") or title),
            }
        )
    return replies


def _dict(value: object, key: str) -> dict[str, Any]:
    """``value[key]`` when both are JSON objects, else {} (bodies come from outside)."""
    inner = value.get(key) if isinstance(value, dict) else None
    return inner if isinstance(inner, dict) else {}


def events_of(body: dict[str, Any]) -> list[tuple[str, str]]:
    """(psid, text) of every message or postback in a webhook body; raises Rejected if none.

    A quick reply or postback brings its payload instead of its title, so a tapped button
    sends the intent the bot offered. Echoes of the page's own messages are skipped.
    """
    if body.get("object") != "page" or not isinstance(body.get("entry"), list):
        raise Rejected(400, "not_a_page_event", 'expected {"object": "page", "entry": [...]}')
    found: list[tuple[str, str]] = []
    for entry in body["entry"]:
        events = entry.get("messaging") if isinstance(entry, dict) else None
        for event in events if isinstance(events, list) else []:
            message = _dict(event, "message")
            if message.get("is_echo"):
                continue
            psid = _dict(event, "sender").get("id")
            text = (
                _dict(message, "quick_reply").get("payload")
                or message.get("text")
                or _dict(event, "postback").get("payload")
            )
            if isinstance(psid, str) and psid and isinstance(text, str) and text.strip():
                found.append((psid, text.strip()))
    if not found:
        raise Rejected(400, "missing_fields", "no event with sender.id and a text or payload")
    return found


class MessengerOutput(OutputChannel):
    """Sends through the Graph API's Send API; usable outside a webhook (an agent's reply).

    ``MessengerOutput.for_sender(sender_id)`` builds one for any Messenger conversation id.
    """

    def __init__(self, tenant: str, messenger: MessengerChannel, graph_base_url: str) -> None:
        self.tenant = tenant
        self.messenger = messenger
        self.graph_base_url = graph_base_url.rstrip("/")

    @classmethod
    def name(cls) -> str:
        return "messenger"

    @classmethod
    def for_sender(cls, sender_id: str, graph_base_url: str | None = None) -> MessengerOutput:
        """The output for a Messenger conversation id, configured from its tenant's entry."""
        found = psid_of(sender_id)
        tenant = registry().tenants.get(found[0]) if found else None
        if found is None or tenant is None or tenant.messenger is None:
            raise ValueError(f"not a Messenger conversation: {sender_id}")
        base = (
            graph_base_url or os.environ.get("MESSENGER_GRAPH_BASE_URL") or DEFAULT_GRAPH_BASE_URL
        )
        return cls(found[0], tenant.messenger, base)

    async def _post(self, recipient_id: str, message: dict[str, Any]) -> None:
        found = psid_of(recipient_id)
        if found is None or found[0] != self.tenant:
            logger.warning("messenger: not a conversation of %s: %s", self.tenant, recipient_id)
            return
        body = {"recipient": {"id": found[1]}, "messaging_type": "RESPONSE", "message": message}
        url = f"{self.graph_base_url}/me/messages"
        params = {"access_token": self.messenger.page_token()}
        timeout = aiohttp.ClientTimeout(total=10)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.post(url, params=params, json=body) as resp,
            ):
                if resp.status >= 400:
                    logger.error("messenger: Send API answered %s for %s", resp.status, url)
        except (aiohttp.ClientError, TimeoutError) as exc:
            logger.error("messenger: Send API unreachable: %r", exc)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for part in split_parts(text, MAX_TEXT):
            await self._post(recipient_id, {"text": part})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        parts = split_parts(text, MAX_TEXT) or [""]
        for part in parts[:-1]:
            await self._post(recipient_id, {"text": part})
        await self._post(
            recipient_id, {"text": parts[-1] or "…", "quick_replies": quick_replies(buttons)}
        )

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._post(
            recipient_id,
            {"attachment": {"type": "image", "payload": {"url": image, "is_reusable": True}}},
        )

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        if isinstance(json_message, dict) and json_message:
            await self._post(recipient_id, json_message)


class MessengerPushOutput(PushOutput):
    """Messenger messages sent outside a webhook (agent replies, hand-back) via the Send API.

    Each goes to the conversation's PSID with its tenant's page token.
    """

    def __init__(self, graph_base_url: str) -> None:
        self.graph_base_url = graph_base_url

    @classmethod
    def name(cls) -> str:
        return "messenger"

    def output_for(self, recipient_id: str) -> OutputChannel | None:
        try:
            return MessengerOutput.for_sender(recipient_id, self.graph_base_url)
        except ValueError:
            return None


class MessengerInput(TenantChannel):
    """Messenger webhooks for every tenant in ``channels/tenants.yml``."""

    kind = "messenger"

    @classmethod
    def name(cls) -> str:
        return "messenger"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        return cls(graph_base_url=credentials.get("graph_base_url") or DEFAULT_GRAPH_BASE_URL)

    def __init__(self, graph_base_url: str) -> None:
        super().__init__()
        self.graph_base_url = graph_base_url

    def get_output_channel(self) -> OutputChannel:
        """How Rasa reaches a Messenger shopper outside a webhook (``output_channel=latest``)."""
        return MessengerPushOutput(self.graph_base_url)

    async def handshake(self, request: Request, path: str) -> HTTPResponse:
        """Meta's subscription check: echo ``hub.challenge`` for the right verify token."""
        _, messenger = self.tenant_at(path)
        mode = request.args.get("hub.mode")
        token = request.args.get("hub.verify_token") or ""
        challenge = request.args.get("hub.challenge")
        if mode != "subscribe" or not challenge:
            raise Rejected(400, "missing_fields", "hub.mode=subscribe and hub.challenge needed")
        if not hmac.compare_digest(token.encode(), messenger.verify_token().encode()):
            raise Rejected(403, "bad_verify_token", "hub.verify_token does not match")
        return response.text(challenge)

    async def handle(
        self, request: Request, path: str, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        """Verify the body's signature, then hand each message to Rasa in order."""
        raw = check_body_size(request, self.registry.limits)
        name, messenger = self.tenant_at(path)
        header = request.headers.get("x-hub-signature-256", "")
        if not signature_ok(raw, header, messenger.app_secret()):
            raise Rejected(403, "bad_signature", "X-Hub-Signature-256 is missing or wrong")
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise Rejected(400, "malformed_body", "the body is not JSON") from exc
        if not isinstance(body, dict):
            raise Rejected(400, "malformed_body", "the body must be a JSON object")
        events = events_of(body)
        output = MessengerOutput(name, messenger, self.graph_base_url)
        handled = 0
        for psid, text in events:
            if not self.limiter.allow(f"{name}:{psid}"):
                continue
            handled += 1
            await on_new_message(
                UserMessage(
                    text,
                    output,
                    messenger_sender_id(name, psid),
                    input_channel=self.name(),
                    metadata=channel_metadata(name),
                )
            )
        if not handled:
            raise Rejected(429, "rate_limited", "too many messages from this sender; slow down")
        return response.json({"status": "ok", "handled": handled})

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        messenger = Blueprint("aftercare_messenger", __name__)

        @messenger.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @messenger.route("/<path:str>", methods=["GET"])
        async def verify(request: Request, path: str) -> HTTPResponse:
            return await self.answer(self.handshake(request, path))

        @messenger.route("/<path:str>", methods=["POST"])
        async def webhook(request: Request, path: str) -> HTTPResponse:
            return await self.answer(self.handle(request, path, on_new_message))

        return messenger
