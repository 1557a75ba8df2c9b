"""Chatwoot's Agent Bot webhook: agent messages to the shopper, "resolved" back to the bot."""

from __future__ import annotations

import json
import logging

from aiohttp import web

from desk.connectors.chatwoot import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    agent_message,
    now,
    resolved_conversation,
    signature_ok,
)
from desk.conversations import ConversationUnavailable
from desk.handoffs import finish, send_reply
from desk.keys import CONFIG_KEY, SERVICE_KEY
from desk.models import OPEN_STATES
from webkit.errors import error_response

logger = logging.getLogger(__name__)


async def chatwoot_webhook(request: web.Request) -> web.Response:
    """Verify the signature, then act on the two events that matter; ignore the rest (200).

    A conversation the desk does not know, or a ticket already closed, is acknowledged and
    ignored: Chatwoot retries failed deliveries, and a retry must not act twice.
    """
    config = request.app[CONFIG_KEY]
    body = await request.read()
    if not signature_ok(
        config.chatwoot_webhook_secret,
        request.headers.get(SIGNATURE_HEADER),
        request.headers.get(TIMESTAMP_HEADER),
        body,
        now(),
    ):
        return error_response(401, "bad_signature", "Missing, stale or wrong signature.")
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return error_response(400, "bad_request", "The body must be JSON.")
    if not isinstance(payload, dict):
        return error_response(400, "bad_request", "The body must be a JSON object.")
    service = request.app[SERVICE_KEY]
    message = agent_message(payload)
    ref = message.conversation_id if message else resolved_conversation(payload)
    ticket = await service.by_external_ref(ref) if ref else None
    if ticket is None or ticket.status not in OPEN_STATES:
        return web.json_response({"handled": False})
    try:
        if message is not None:
            await send_reply(
                request.app, ticket.id, ticket.sender_id, message.text, message.agent_name
            )
        else:
            await finish(request.app, ticket.id, ticket.sender_id, resolved=True, agent=None)
    except ConversationUnavailable:
        # 503 makes Chatwoot deliver the event again later.
        return error_response(503, "conversation_unavailable", "The assistant cannot be reached.")
    return web.json_response({"handled": True})
