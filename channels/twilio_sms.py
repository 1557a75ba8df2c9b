"""SMS through Twilio, verified: ``POST /webhooks/sms/<tenant path>``.

Unlike Rasa's stock Twilio channel, every webhook's ``X-Twilio-Signature`` is checked with
twilio's own ``RequestValidator`` against the URL as Twilio called it (``public_base_url``
behind a proxy); anything unsigned gets 403 and never reaches the bot. STOP / START / HELP are
answered here and consent is stored (``channels/state.py``); nothing is sent to a number that
opted out. Replies go back as TwiML in the webhook response or through the REST API, per
tenant (``sms.reply_mode`` in ``channels/tenants.yml``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.base.exceptions import TwilioException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from channels.common import (
    PushOutput,
    Rejected,
    TenantChannel,
    channel_metadata,
    check_body_size,
    public_url,
    registry,
)
from channels.sms import Keyword, keyword, number_options, option_payload, split_parts
from channels.state import ChannelState, state_from_env
from merchants.identity import channel_secret, seal, unseal
from merchants.tenants import ReplyMode, SmsChannel, Tenant
from proactive.store import ProactiveStore

logger = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://api.twilio.com"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def sms_sender_id(tenant: str, phone: str) -> str:
    """The conversation id of a phone number at a tenant; the number itself is sealed."""
    return f"sms:{tenant}:{seal(phone, tenant, channel_secret())}"


def phone_of(sender_id: str) -> tuple[str, str] | None:
    """(tenant, phone) of an SMS conversation id, or None if it is not one of ours."""
    kind, _, rest = sender_id.partition(":")
    tenant, _, sealed = rest.partition(":")
    if kind != "sms" or not tenant or not sealed:
        return None
    phone = unseal(sealed, tenant, channel_secret())
    return (tenant, phone) if phone else None


@cache
def proactive_store(db_url: str) -> ProactiveStore:
    """The proactive messages' consent records (``PROACTIVE_DB_URL``), opened once."""
    store = ProactiveStore(db_url)
    store.create_schema()
    return store


async def withdraw_proactive(tenant: str, sender_id: str) -> None:
    """STOP also withdraws every proactive message on this conversation, at once.

    The channel state's opt-out already stops every send (the proactive dispatcher asks it
    before each message); this makes the merchant's consent record say so too, so events
    after the STOP are suppressed when they arrive. A failure here is logged, never shown.
    """
    db_url = os.environ.get("PROACTIVE_DB_URL", "")
    if not db_url:
        return
    try:
        store = await asyncio.to_thread(proactive_store, db_url)
        now = dt.datetime.now(dt.timezone.utc)
        await asyncio.to_thread(store.record_stop, tenant, sender_id, now)
    except Exception:  # the opt-out itself is recorded; never fail the shopper's STOP
        logger.exception("sms: proactive consent not withdrawn for %s", tenant)


def twiml(parts: list[str]) -> str:
    """A TwiML document replying with one ``<Message>`` per part."""
    body = "".join(f"<Message>{escape(p)}</Message>" for p in parts)
    return f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>'


class SmsOutput(OutputChannel):
    """Renders bot messages for SMS: numbered options, SMS-sized parts, consent checked.

    Subclasses only deliver parts; :class:`TwilioOutput` sends them through the REST API and
    :class:`TwimlCollector` keeps them for the webhook's TwiML response.
    """

    def __init__(self, tenant: str, sms: SmsChannel, part_chars: int, state: ChannelState):
        self.tenant = tenant
        self.sms = sms
        self.part_chars = part_chars
        self.state = state

    @classmethod
    def name(cls) -> str:
        return "sms"

    async def _deliver(self, phone: str, parts: list[str]) -> None:
        raise NotImplementedError

    async def _send(self, recipient_id: str, text: str) -> None:
        found = phone_of(recipient_id)
        if found is None or found[0] != self.tenant:
            logger.warning("sms: not an SMS conversation of %s: %s", self.tenant, recipient_id)
            return
        if await self.state.is_opted_out(recipient_id):
            logger.info("sms: %s opted out; message not sent", recipient_id)
            return
        await self._deliver(found[1], split_parts(text, self.part_chars))

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for paragraph in text.strip().split("\n\n"):
            await self._send(recipient_id, paragraph)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        numbered, payloads = number_options(text, buttons)
        await self.state.remember_menu(recipient_id, payloads)
        await self._send(recipient_id, numbered)

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies, **kwargs)

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        text = json_message.get("text") if isinstance(json_message, dict) else None
        if isinstance(text, str) and text:
            await self.send_text_message(recipient_id, text)


class TwimlCollector(SmsOutput):
    """Keeps the parts of one turn for the webhook's TwiML reply."""

    def __init__(self, tenant: str, sms: SmsChannel, part_chars: int, state: ChannelState):
        super().__init__(tenant, sms, part_chars, state)
        self.parts: list[str] = []

    async def _deliver(self, phone: str, parts: list[str]) -> None:
        self.parts.extend(parts)


class TwilioOutput(SmsOutput):
    """Sends SMS through Twilio's REST API; usable outside a webhook (e.g. an agent's reply).

    ``TwilioOutput.for_sender(sender_id)`` builds one for any SMS conversation id, so a desk
    can push ``await output.send_text_message(sender_id, "…")`` to the shopper's phone.
    """

    def __init__(
        self,
        tenant: str,
        sms: SmsChannel,
        part_chars: int,
        state: ChannelState,
        api_base_url: str = DEFAULT_API_BASE_URL,
    ):
        super().__init__(tenant, sms, part_chars, state)
        self.api_base_url = api_base_url or DEFAULT_API_BASE_URL

    @classmethod
    def for_sender(cls, sender_id: str, api_base_url: str | None = None) -> TwilioOutput:
        """The output for an SMS conversation id, configured from its tenant's entry."""
        found = phone_of(sender_id)
        reg = registry()
        tenant = reg.tenants.get(found[0]) if found else None
        if found is None or tenant is None or tenant.sms is None:
            raise ValueError(f"not an SMS conversation: {sender_id}")
        base = api_base_url or os.environ.get("TWILIO_API_BASE_URL") or DEFAULT_API_BASE_URL
        return cls(found[0], tenant.sms, reg.limits.sms_part_chars, state_from_env(), base)

    async def _deliver(self, phone: str, parts: list[str]) -> None:
        client = Client(
            self.sms.account_sid(),
            self.sms.auth_token(),
            http_client=AsyncTwilioHttpClient(pool_connections=False, timeout=10),
        )
        client.api.base_url = self.api_base_url
        for part in parts:
            try:
                await client.messages.create_async(to=phone, from_=self.sms.from_number, body=part)
            except (TwilioException, OSError) as exc:
                # A failed send must not fail the shopper's webhook; Twilio's logs show it too.
                logger.error("sms: Twilio REST send failed for %s: %s", self.tenant, exc)
                return


class TwilioPushOutput(PushOutput):
    """SMS sent outside a webhook (agent replies, hand-back), always through the REST API.

    Also for tenants in TwiML mode: there is no pending webhook response to answer in. Each
    message goes from the conversation's tenant's number with that tenant's credentials, and
    :class:`SmsOutput` still numbers options, splits parts and skips opted-out numbers.
    """

    def __init__(self, api_base_url: str) -> None:
        self.api_base_url = api_base_url

    @classmethod
    def name(cls) -> str:
        return "sms"

    def output_for(self, recipient_id: str) -> OutputChannel | None:
        try:
            return TwilioOutput.for_sender(recipient_id, self.api_base_url)
        except ValueError:
            return None


class TwilioSmsInput(TenantChannel):
    """Twilio SMS webhooks for every tenant in ``channels/tenants.yml``."""

    kind = "sms"

    @classmethod
    def name(cls) -> str:
        return "sms"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        return cls(
            public_base_url=credentials.get("public_base_url") or None,
            api_base_url=credentials.get("api_base_url") or DEFAULT_API_BASE_URL,
        )

    def __init__(self, public_base_url: str | None, api_base_url: str) -> None:
        super().__init__()
        self.public_base_url = public_base_url
        self.api_base_url = api_base_url

    def get_output_channel(self) -> OutputChannel:
        """How Rasa reaches an SMS shopper outside a webhook (``output_channel=latest``)."""
        return TwilioPushOutput(self.api_base_url)

    def _verify(self, request: Request, sms: SmsChannel) -> None:
        signature = request.headers.get("x-twilio-signature", "")
        url = public_url(request, self.public_base_url)
        if not signature or not RequestValidator(sms.auth_token()).validate(
            url, request.form, signature
        ):
            raise Rejected(403, "bad_signature", "X-Twilio-Signature is missing or wrong")

    async def _keyword(
        self, word: Keyword, tenant: Tenant, sender_id: str, state: ChannelState
    ) -> list[str]:
        texts = self.registry.sms_texts
        if word is Keyword.stop:
            await state.set_opted_out(sender_id, True)
            await withdraw_proactive(sender_id.split(":", 2)[1], sender_id)
            return [texts.stop.format(merchant=tenant.name)]
        if word is Keyword.start:
            await state.set_opted_out(sender_id, False)
            return [texts.start.format(merchant=tenant.name)]
        return [texts.help.format(merchant=tenant.name)]

    async def handle(
        self, request: Request, path: str, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        """Verify, find the tenant, apply consent and limits, then hand the text to Rasa."""
        check_body_size(request, self.registry.limits)
        name, sms = self.tenant_at(path)
        self._verify(request, sms)
        phone = (request.form.get("From") or "").strip()
        text = request.form.get("Body")
        if not phone or text is None:
            raise Rejected(400, "missing_fields", "From and Body are required")
        if not self.limiter.allow(f"{name}:{phone}"):
            raise Rejected(429, "rate_limited", "too many messages from this number; slow down")
        state = state_from_env()
        sender_id = sms_sender_id(name, phone)
        opted_out = await state.is_opted_out(sender_id)
        word = keyword(text, opted_out)
        if opted_out and word is not Keyword.start:
            # Opted out: nothing at all goes to this number, not even a HELP answer.
            return response.text(EMPTY_TWIML, content_type="text/xml")
        if word is not None:
            replies = await self._keyword(word, self.registry.tenants[name], sender_id, state)
            return await self._reply(name, sms, phone, replies, state)
        payload = option_payload(text, await state.menu(sender_id))
        await state.remember_menu(sender_id, [])
        limits = self.registry.limits
        output: SmsOutput
        if sms.reply_mode is ReplyMode.rest:
            output = TwilioOutput(name, sms, limits.sms_part_chars, state, self.api_base_url)
        else:
            output = TwimlCollector(name, sms, limits.sms_part_chars, state)
        await on_new_message(
            UserMessage(
                payload or text.strip(),
                output,
                sender_id,
                input_channel=self.name(),
                metadata=channel_metadata(name, phone=phone),
            )
        )
        parts = output.parts if isinstance(output, TwimlCollector) else []
        return response.text(twiml(parts), content_type="text/xml")

    async def _reply(
        self, name: str, sms: SmsChannel, phone: str, parts: list[str], state: ChannelState
    ) -> HTTPResponse:
        """Keyword answers leave the same way as the tenant's bot replies."""
        if sms.reply_mode is ReplyMode.rest:
            limits = self.registry.limits
            output = TwilioOutput(name, sms, limits.sms_part_chars, state, self.api_base_url)
            await output._deliver(phone, parts)
            return response.text(EMPTY_TWIML, content_type="text/xml")
        return response.text(twiml(parts), content_type="text/xml")

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sms = Blueprint("aftercare_sms", __name__)

        @sms.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sms.route("/<path:str>", methods=["POST"])
        async def webhook(request: Request, path: str) -> HTTPResponse:
            return await self.answer(self.handle(request, path, on_new_message))

        return sms
