"""How a proactive message leaves: Rasa opens the conversation, a channel sender delivers.

The words are Rasa's: :class:`RasaConversations` triggers ``EXTERNAL_proactive_update``
(``POST /conversations/<id>/trigger_intent``) with the kind, the order id and the message's
idempotency key as entities. Rasa records the turn and answers with the bot's response, so
the shopper's reply on the same channel continues a conversation that already knows the
order. A channel sender then delivers those texts (SMS through Twilio's REST API, Messenger
through the Send API); web chat needs no sender of its own, since Rasa pushes the response to
the connected socket itself.

Neither Twilio nor the Send API takes an idempotency key, so each step looks before it acts
again: the trigger looks for its key in the conversation first, and the SMS sender, when an
earlier attempt may have reached Twilio, looks for the same text among the number's latest
messages first.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote

import aiohttp
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from channels.sms import split_parts
from merchants.identity import channel_secret, seal, unseal
from merchants.proactive import DEFAULT_MESSENGER_TAG, Channel, Kind
from merchants.tenants import Registry, load_registry
from proactive.rules import messenger_mode

logger = logging.getLogger(__name__)

PROACTIVE_INTENT = "EXTERNAL_proactive_update"
DEFAULT_TWILIO_BASE_URL = "https://api.twilio.com"
DEFAULT_GRAPH_BASE_URL = "https://graph.facebook.com/v18.0"
# How many of a number's latest messages are compared when an earlier attempt may have sent.
RECENT_MESSAGES = 30
UTC = dt.timezone.utc


class SendFailed(Exception):
    """A step could not be done. ``permanent``: retrying cannot help (an invalid number).

    ``code`` is what the outbox keeps: an error class and the provider's code, never the
    provider's message, which can quote the shopper's number.
    """

    def __init__(self, code: str, permanent: bool = False) -> None:
        super().__init__(code)
        self.code = code
        self.permanent = permanent


def sms_conversation_id(tenant: str, phone: str) -> str:
    """The SMS channel's conversation id for a number (the number sealed, as the channel does)."""
    return f"sms:{tenant}:{seal(phone, tenant, channel_secret())}"


def phone_of(conversation_id: str, tenant: str) -> str | None:
    """The number sealed in a tenant's SMS conversation id; None if it is not one."""
    kind, _, rest = conversation_id.partition(":")
    owner, _, sealed = rest.partition(":")
    if kind != "sms" or owner != tenant or not sealed:
        return None
    return unseal(sealed, tenant, channel_secret())


def psid_of(conversation_id: str, tenant: str) -> str | None:
    """The page-scoped id in a tenant's Messenger conversation id; None if it is not one."""
    kind, _, rest = conversation_id.partition(":")
    owner, _, psid = rest.partition(":")
    return psid if kind == "messenger" and owner == tenant and psid else None


@dataclass(frozen=True)
class Prior:
    """What the conversation already holds: this message's texts if it was opened before,
    and when the shopper last wrote (Messenger's 24-hour window)."""

    texts: list[str] | None
    last_shopper_message: dt.datetime | None


@dataclass(frozen=True)
class Outgoing:
    """One message for a channel sender."""

    key: str
    tenant: str
    kind: Kind
    conversation_id: str
    texts: list[str]
    at: dt.datetime  # the dispatcher's now: Messenger's window is judged against it
    maybe_sent: bool = False
    last_shopper_message: dt.datetime | None = None


class Sender(Protocol):
    """Delivers a message on one channel, at most once per key as far as it can tell."""

    channel: Channel
    # Rasa's output channel that delivers during the trigger (web chat), or None when this
    # sender delivers the texts itself.
    rasa_output: str | None

    def refusal(self, tenant: str, kind: Kind, prior: Prior, now: dt.datetime) -> str | None:
        """Why this channel cannot carry the message now (checked before Rasa is asked)."""

    async def send(self, message: Outgoing) -> None:
        """Deliver every text; raise SendFailed when it could not."""


class RasaConversations:
    """Rasa's HTTP API (token auth): read a conversation, trigger the proactive intent."""

    def __init__(self, base_url: str, token: str, timeout_s: float = 10.0) -> None:
        self._base = base_url.rstrip("/")
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def _call(
        self, method: str, conversation_id: str, path: str, params: dict[str, str], body: Any
    ) -> dict[str, Any]:
        url = f"{self._base}/conversations/{quote(conversation_id, safe='')}/{path}"
        try:
            async with (
                aiohttp.ClientSession(timeout=self._timeout) as http,
                http.request(
                    method, url, params={**params, "token": self._token}, json=body
                ) as resp,
            ):
                if resp.status >= 400:
                    # 4xx from Rasa is our own mistake (domain lacks the intent): retry later.
                    raise SendFailed(f"rasa:{resp.status}")
                result: dict[str, Any] = await resp.json()
                return result
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise SendFailed(f"rasa:{type(exc).__name__}") from exc

    async def prior(self, conversation_id: str, key: str) -> Prior:
        """This message's texts, if a trigger with ``key`` is already in the conversation."""
        tracker = await self._call("GET", conversation_id, "tracker", {}, None)
        return read_prior(tracker.get("events") or [], key)

    async def trigger(
        self,
        conversation_id: str,
        kind: Kind,
        order_id: str,
        detail: str,
        key: str,
        output_channel: str | None = None,
    ) -> list[str]:
        """Open the conversation with the proactive intent; the bot's texts."""
        entities = {"proactive_kind": kind.value, "order_id": order_id, "proactive_key": key}
        if detail:
            entities["proactive_detail"] = detail
        params = {"output_channel": output_channel} if output_channel else {}
        result = await self._call(
            "POST",
            conversation_id,
            "trigger_intent",
            params,
            {"name": PROACTIVE_INTENT, "entities": entities},
        )
        return [str(m["text"]) for m in result.get("messages") or [] if m.get("text")]


def read_prior(events: list[dict[str, Any]], key: str) -> Prior:
    """Find the trigger carrying ``key`` in a tracker's events and the bot texts after it."""
    texts: list[str] | None = None
    collecting = False
    last_shopper: float | None = None
    for event in events:
        kind = event.get("event")
        if kind == "user":
            collecting = _carries_key(event, key)
            if collecting:
                texts = []
            elif not (event.get("metadata") or {}).get("is_external"):
                last_shopper = float(event.get("timestamp") or 0) or last_shopper
        elif kind == "bot" and collecting and texts is not None and event.get("text"):
            texts.append(str(event["text"]))
        elif kind == "action" and event.get("name") == "action_listen":
            collecting = False
    when = dt.datetime.fromtimestamp(last_shopper, UTC) if last_shopper else None
    return Prior(texts, when)


def _carries_key(event: dict[str, Any], key: str) -> bool:
    parse = event.get("parse_data") or {}
    if (parse.get("intent") or {}).get("name") != PROACTIVE_INTENT:
        return False
    return any(
        e.get("entity") == "proactive_key" and e.get("value") == key
        for e in parse.get("entities") or []
    )


@dataclass
class TwilioSmsSender:
    """SMS through Twilio's Messages API, from the tenant's number with its own account.

    Args:
        api_base_url: Twilio's API (a local stand-in in tests).
        registry: The tenant registry (``channels/tenants.yml``) with numbers and secrets.
    """

    api_base_url: str = DEFAULT_TWILIO_BASE_URL
    registry: Callable[[], Registry] = field(default=load_registry)
    channel: Channel = Channel.sms
    rasa_output: str | None = None

    def refusal(self, tenant: str, kind: Kind, prior: Prior, now: dt.datetime) -> str | None:
        return None

    def _client(self, account_sid: str, auth_token: str) -> Client:
        http = AsyncTwilioHttpClient(pool_connections=False, timeout=10)
        client = Client(account_sid, auth_token, http_client=http)
        client.api.base_url = self.api_base_url
        return client

    async def send(self, message: Outgoing) -> None:
        reg = self.registry()
        tenant = reg.tenants.get(message.tenant)
        phone = phone_of(message.conversation_id, message.tenant)
        if tenant is None or tenant.sms is None or phone is None:
            raise SendFailed("sms:not_an_sms_conversation", permanent=True)
        sms = tenant.sms
        client = self._client(sms.account_sid(), sms.auth_token())
        parts = [p for text in message.texts for p in split_parts(text, reg.limits.sms_part_chars)]
        try:
            if message.maybe_sent:
                recent = await client.messages.list_async(
                    to=phone, from_=sms.from_number, limit=RECENT_MESSAGES
                )
                already = {m.body for m in recent}
                parts = [p for p in parts if p not in already]
            for part in parts:
                await client.messages.create_async(to=phone, from_=sms.from_number, body=part)
        except TwilioRestException as exc:
            transient = exc.status == 429 or exc.status >= 500
            raise SendFailed(f"TwilioRestException:{exc.code}", permanent=not transient) from exc
        except (TwilioException, OSError, aiohttp.ClientError, TimeoutError) as exc:
            raise SendFailed(f"twilio:{type(exc).__name__}") from exc


@dataclass
class MessengerSender:
    """Messenger through the Send API: inside the 24-hour window, or with the update tag.

    There is no way to ask the Send API what was sent, so a sender that dies between the
    Graph API's answer and the outbox's "sent" may send once more (at least once).
    """

    graph_base_url: str = DEFAULT_GRAPH_BASE_URL
    # The tenant → its policy's message tag for news outside the window (None: none is sent).
    tag_of: Callable[[str], str | None] = field(default=lambda _tenant: DEFAULT_MESSENGER_TAG)
    registry: Callable[[], Registry] = field(default=load_registry)
    channel: Channel = Channel.messenger
    rasa_output: str | None = None
    timeout_s: float = 10.0

    def refusal(self, tenant: str, kind: Kind, prior: Prior, now: dt.datetime) -> str | None:
        if messenger_mode(kind, prior.last_shopper_message, now, self.tag_of(tenant)) is None:
            return "messenger:outside_window"
        return None

    async def send(self, message: Outgoing) -> None:
        tenant = self.registry().tenants.get(message.tenant)
        psid = psid_of(message.conversation_id, message.tenant)
        if tenant is None or tenant.messenger is None or psid is None:
            raise SendFailed("messenger:not_a_messenger_conversation", permanent=True)
        mode = messenger_mode(
            message.kind, message.last_shopper_message, message.at, self.tag_of(message.tenant)
        )
        if mode is None:
            raise SendFailed("messenger:outside_window", permanent=True)
        messaging_type, tag = mode
        url = f"{self.graph_base_url.rstrip('/')}/me/messages"
        params = {"access_token": tenant.messenger.page_token()}
        timeout = aiohttp.ClientTimeout(total=self.timeout_s)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as http:
                for text in message.texts:
                    body: dict[str, Any] = {
                        "recipient": {"id": psid},
                        "messaging_type": messaging_type,
                        "message": {"text": text[:2000]},
                    }
                    if tag:
                        body["tag"] = tag
                    async with http.post(url, params=params, json=body) as resp:
                        if resp.status >= 400:
                            permanent = resp.status < 500 and resp.status != 429
                            raise SendFailed(f"graph:{resp.status}", permanent=permanent)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise SendFailed(f"graph:{type(exc).__name__}") from exc


@dataclass
class WebChatSender:
    """Web chat: Rasa pushes the response to the shopper's socket during the trigger."""

    channel: Channel = Channel.webchat
    rasa_output: str | None = "socketio"

    def refusal(self, tenant: str, kind: Kind, prior: Prior, now: dt.datetime) -> str | None:
        return None

    async def send(self, message: Outgoing) -> None:
        return None  # already delivered by Rasa's socket.io output during the trigger
