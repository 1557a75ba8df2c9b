"""The tenant-scoped event webhook: ``POST /proactive/<tenant>/events``, signed like Shopify's.

The sender signs the raw body: ``X-Aftercare-Hmac-Sha256`` carries the base64 HMAC-SHA256 of
the bytes it sent, with the tenant's secret (``proactive.webhook_secret_env`` in the policy
names the environment variable). The body's ``sent_at`` is therefore signed too: a captured
request replayed more than five minutes later is refused, and within those minutes its
``event_id`` has been seen. Checks run cheapest and least trusting first, and nothing of an
unverified body is parsed.

Every refusal is a 4xx with ``{"error": {"code", "message"}}``; a malformed request never
causes a 5xx. Only a database that cannot be reached answers 503, so the sender retries.
Answers: 202 with each planned message's verdict; 409 ``replayed_event`` for an event id
already received (a sender should count it as delivered).
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError

from merchants.proactive import Channel, ProactiveSettings
from proactive.events import EventType, OrderEvent
from proactive.senders import sms_conversation_id
from proactive.store import ProactiveStore, Replayed, Verdict
from webkit.errors import error_middleware, error_response

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Aftercare-Hmac-Sha256"
TOLERANCE = dt.timedelta(minutes=5)
MAX_BODY_BYTES = 64 * 1024
UTC = dt.timezone.utc

Clock = Callable[[], dt.datetime]


def sign(secret: str, body: bytes) -> str:
    """The header value for ``body``: base64 of its HMAC-SHA256 with the tenant's secret."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def signature_ok(secret: str, header: str, body: bytes) -> bool:
    """Whether ``header`` signs exactly these bytes, compared in constant time."""
    return hmac.compare_digest(sign(secret, body).encode(), header.strip().encode())


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


def _verdict(verdict: Verdict) -> dict[str, Any]:
    decision = verdict.decision
    return {
        "kind": verdict.kind.value,
        "outcome": decision.outcome.value,
        "reason": decision.reason.value if decision.reason else None,
        "not_before": decision.not_before.isoformat() if decision.not_before else None,
        "channel": verdict.channel.value if verdict.channel else None,
        "verdict": decision.describe(),
    }


def _problems(exc: ValidationError) -> list[dict[str, str]]:
    """Pydantic's errors as field and problem (v1 never echoes the value, so no PII here)."""
    return [
        {"field": ".".join(str(p) for p in e["loc"]) or "body", "problem": e["msg"]}
        for e in exc.errors()
    ]


def _parse(body: bytes) -> OrderEvent:
    try:
        raw = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _Refused(400, "malformed_body", "The body must be a JSON object.") from exc
    if not isinstance(raw, dict):
        raise _Refused(400, "malformed_body", "The body must be a JSON object.")
    try:
        return OrderEvent.parse_obj(raw)
    except ValidationError as exc:
        raise _Refused(
            400, "invalid_event", "The event does not match the contract.", problems=_problems(exc)
        ) from exc


def _consent_conversation(tenant: str, event: OrderEvent) -> str | None:
    """The conversation a consent event is about; an SMS number is sealed here, at once."""
    if event.type is not EventType.consent_updated:
        return None
    if event.phone is not None:
        return sms_conversation_id(tenant, event.phone)
    conversation = event.conversation_id or ""
    if event.channel in (Channel.sms, Channel.messenger):
        assert event.channel is not None
        if not conversation.startswith(f"{event.channel.value}:{tenant}:"):
            raise _Refused(
                400, "invalid_event", "conversation_id is not this tenant's on that channel."
            )
    return conversation


class EventWebhook:
    """The handler, with each tenant's settings and secret resolved at start.

    ``queued`` is called once an event's messages are in the outbox: the service's dispatcher
    sends those due now at once instead of at its next poll.

    Raises:
        MissingSecret: at construction, when a tenant's secret is not set (fail closed).
    """

    def __init__(
        self,
        store: ProactiveStore,
        settings: Mapping[str, ProactiveSettings],
        clock: Clock = lambda: dt.datetime.now(UTC),
        queued: Callable[[], None] = lambda: None,
    ) -> None:
        self.store = store
        self.settings = dict(settings)
        self.secrets = {tenant: s.webhook_secret() for tenant, s in self.settings.items()}
        self.clock = clock
        self.queued = queued

    async def handle(self, request: web.Request) -> web.Response:
        try:
            return await self._handle(request)
        except _Refused as exc:
            body = {"error": {"code": exc.code, "message": exc.message, **exc.extra}}
            return web.json_response(body, status=exc.status)

    async def _handle(self, request: web.Request) -> web.Response:
        tenant = request.match_info["tenant"]
        secret = self.secrets.get(tenant)
        if secret is None:
            raise _Refused(404, "unknown_tenant", "No merchant takes proactive events here.")
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge as exc:
            raise _Refused(
                413, "body_too_large", f"Bodies are limited to {MAX_BODY_BYTES} B."
            ) from exc
        header = request.headers.get(SIGNATURE_HEADER, "")
        if not header:
            raise _Refused(401, "missing_signature", f"The {SIGNATURE_HEADER} header is missing.")
        if not signature_ok(secret, header, body):
            raise _Refused(401, "bad_signature", "The signature does not match the body.")
        event = _parse(body)
        now = self.clock()
        if abs(now - event.sent_at) > TOLERANCE:
            raise _Refused(401, "stale_timestamp", "sent_at is more than 5 minutes from our clock.")
        conversation = _consent_conversation(tenant, event)
        try:
            verdicts = await asyncio.to_thread(
                self.store.accept_event, tenant, event, self.settings[tenant], now, conversation
            )
        except Replayed as exc:
            raise _Refused(
                409, "replayed_event", f"Event {event.event_id} was already received; nothing done."
            ) from exc
        except OperationalError:
            logger.exception("proactive: the store cannot be reached")
            return error_response(503, "store_unavailable", "Try again shortly.")
        answer: dict[str, Any] = {"event_id": event.event_id}
        if event.type is EventType.consent_updated:
            answer["consent"] = "recorded"
        else:
            answer["messages"] = [_verdict(v) for v in verdicts]
            self.queued()
        return web.json_response(answer, status=202)


def add_routes(app: web.Application, webhook: EventWebhook) -> None:
    """Mount ``POST /proactive/{tenant}/events`` on an existing app."""
    app.router.add_post("/proactive/{tenant}/events", webhook.handle)


def create_app(
    store: ProactiveStore,
    settings: Mapping[str, ProactiveSettings],
    clock: Clock | None = None,
) -> web.Application:
    """An app serving only the webhook, with the JSON error contract for everything else."""
    app = web.Application(middlewares=[error_middleware], client_max_size=MAX_BODY_BYTES)
    add_routes(
        app, EventWebhook(store, settings, clock) if clock else EventWebhook(store, settings)
    )
    return app
