"""What every Aftercare channel shares: tenant lookup, clear 4xx answers, limits, metadata.

A channel verifies the provider, finds the tenant, maps the payload to a ``UserMessage`` and
nothing more; these helpers keep that part identical across SMS, Messenger and web chat.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from rasa.core.channels.channel import InputChannel, OutputChannel
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from merchants.identity import channel_secret, seal, sign_channel_token
from merchants.tenants import Limits, Registry, Tenant, load_registry

logger = logging.getLogger(__name__)


MAX_MESSAGE_CHARS = 2000  # a shopper's message, not a document: longer ones are answered
TOO_LONG_REPLY = (
    f"That message is too long (over {MAX_MESSAGE_CHARS} characters). Could you say it in a "
    "few words? Or ask for a person and our team will read it."
)


class Rejected(Exception):
    """A request the channel refuses, with the status and reason the caller is told."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def error_response(exc: Rejected) -> HTTPResponse:
    """The one error shape of every channel endpoint: ``{"error": {"code", "message"}}``."""
    return response.json({"error": {"code": exc.code, "message": exc.message}}, status=exc.status)


def check_body_size(request: Request, limits: Limits) -> bytes:
    """The raw body, refused with 413 above ``limits.max_body_bytes``."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.max_body_bytes:
        raise Rejected(413, "body_too_large", f"bodies are limited to {limits.max_body_bytes} B")
    body = request.body or b""
    if len(body) > limits.max_body_bytes:
        raise Rejected(413, "body_too_large", f"bodies are limited to {limits.max_body_bytes} B")
    return body


def find_tenant(registry: Registry, kind: str, path: str) -> tuple[str, Tenant]:
    """The tenant listening on this webhook path; 404 for any other path."""
    found = registry.by_path(kind, path)
    if found is None:
        raise Rejected(404, "unknown_tenant", f"no merchant has a {kind} webhook at this path")
    return found


@dataclass
class RateLimiter:
    """Token bucket per sender: ``burst`` messages at once, refilled at ``per_minute``.

    In memory per Rasa instance: a limit protects the instance and the backend from one noisy
    sender; it is not a quota, so it need not be shared between instances.
    """

    per_minute: int
    burst: int
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def allow(self, key: str, now: float | None = None) -> bool:
        """Take one token for ``key``; False when its bucket is empty."""
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.per_minute / 60.0)
        if len(self._buckets) > 100_000:  # a flood of new senders must not grow memory forever
            self._buckets.clear()
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1.0, now)
        return True


def limiter_for(limits: Limits) -> RateLimiter:
    return RateLimiter(per_minute=limits.messages_per_minute, burst=limits.burst)


def channel_metadata(tenant: str, phone: str | None = None, ttl_s: int = 600) -> dict[str, Any]:
    """Message metadata carrying what the channel verified, signed for the action server.

    The tenant, and for SMS the sealed sender number, reach ``action_session_start`` this way;
    a REST caller cannot forge them because it does not hold ``AFTERCARE_CHANNEL_SECRET``.
    """
    claims = {"tenant": tenant}
    if phone:
        claims["phone"] = seal(phone, tenant, channel_secret())
    return {"channel_token": sign_channel_token(claims, channel_secret(), ttl_s=ttl_s)}


def public_url(request: Request, base_url: str | None) -> str:
    """The URL as the provider called it: behind a proxy the configured public base URL wins.

    Providers sign the URL they called, so ``https://shop.example/webhooks/sms/demo`` must be
    rebuilt even when the request reached us as ``http://10.0.0.5:5005/webhooks/sms/demo``.
    """
    if not base_url:
        return str(request.url)
    query = f"?{request.query_string}" if request.query_string else ""
    return base_url.rstrip("/") + request.path + query


def registry() -> Registry:
    """The tenant registry, validated; channels call this at start so a typo stops Rasa."""
    return load_registry(os.environ.get("AFTERCARE_TENANTS") or None)


class TenantChannel(InputChannel):
    """A provider channel serving every tenant that configured it in ``channels/tenants.yml``.

    Construction fails when a tenant's secret is not set (fail closed: Rasa does not start
    with a channel that could not verify its provider).
    """

    kind: ClassVar[str]

    def __init__(self) -> None:
        self.registry = registry()
        for tenant in self.registry.tenants.values():
            channel = getattr(tenant, self.kind)
            if channel is not None:
                channel.require_secrets()
        self.limiter = limiter_for(self.registry.limits)

    def tenant_at(self, path: str) -> tuple[str, Any]:
        """(name, channel settings) of the tenant on this webhook path; 404 otherwise."""
        name, tenant = find_tenant(self.registry, self.kind, path)
        return name, getattr(tenant, self.kind)

    @staticmethod
    async def answer(handling: Awaitable[HTTPResponse]) -> HTTPResponse:
        """The handler's response, or the clear 4xx it refused the request with."""
        try:
            return await handling
        except Rejected as exc:
            return error_response(exc)


class PushOutput(OutputChannel):
    """Rasa's output for messages sent outside a webhook request (``output_channel=latest``).

    Rasa asks an input channel for one output channel, without a tenant or a request, whenever
    its HTTP API puts a bot message in a conversation (the desk's agent replies, the resume
    message after a hand-back). The tenant and recipient are in the conversation id, so this
    picks the tenant's own sender per message; a conversation id that is not ours sends nothing.
    """

    def output_for(self, recipient_id: str) -> OutputChannel | None:
        """The tenant's sender for this conversation id, or None if it is not one of ours."""
        raise NotImplementedError

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        output = self.output_for(recipient_id)
        if output is None:
            logger.warning("%s: no sender for conversation %s", self.name(), recipient_id)
            return
        await output.send_response(recipient_id, message)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_response(recipient_id, {"text": text, "buttons": buttons})

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        await self.send_response(recipient_id, {"custom": json_message})
