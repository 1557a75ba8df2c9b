"""Web chat: the page and widget the stack serves, and a socket.io channel with limits.

``GET /webhooks/webchat/<tenant path>/`` serves a page embedding the ``rasa-webchat`` widget
(installed by ``make webchat`` from package-lock.json, served from node_modules: no CDN at run
time). The widget talks to Rasa's socket.io channel on the same server; its session id is kept
in the browser's local storage, so a reload continues the conversation. The page passes a
signed ``channel_token`` naming the tenant, and the shop's signed ``customer_token`` when it
has one, as the widget's ``customData`` (the socket.io channel's message metadata).
"""

from __future__ import annotations

import html
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.common import (
    MAX_MESSAGE_CHARS,
    TOO_LONG_REPLY,
    Rejected,
    channel_metadata,
    error_response,
    find_tenant,
    limiter_for,
    registry,
)
from merchants.tenants import WebChatChannel

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
WIDGET_JS = ROOT / "node_modules" / "rasa-webchat" / "lib" / "index.js"
PAGE_TOKEN_TTL_S = 12 * 3600  # a page may stay open all day; the token only names the tenant
# Everything the page needs comes from this server. The widget's stylesheet @imports a web
# font from a CDN; the policy stops that request too (the system font is used instead).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self' ws: wss:; "
    "frame-ancestors 'self'"
)

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
  body {{ margin: 0; font-family: system-ui, sans-serif; background: #f4f4f6; }}
  header {{ padding: 12px 16px; background: #1f3a5f; color: #fff; font-size: 18px; }}
  #webchat {{ height: calc(100vh - 48px); }}
  #webchat .rw-conversation-container {{ height: 100%; max-height: none; }}
</style>
</head>
<body>
<header>{title}</header>
<div id="webchat"></div>
<script src="{widget_src}"></script>
<script>
  window.WebChat.default({{
    selector: "#webchat",
    socketUrl: window.location.origin,
    socketPath: "/socket.io/",
    customData: {custom_data},
    initPayload: "/greet",
    title: {title_js},
    embedded: true,
    showFullScreenButton: false,
    customMessageDelay: (message) =>
      Math.min({max_ms}, Math.max({min_ms}, {per_char_ms} * message.length)),
    params: {{ storage: "local" }}
  }}, null);
</script>
</body>
</html>
"""


def _js(value: Any) -> str:
    """JSON safe inside a <script> element (no ``</script>`` breakout)."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_page(
    tenant: str, settings: WebChatChannel, widget_src: str, customer_token: str | None
) -> str:
    """The chat page for one tenant; the shopper's token, if any, travels as metadata."""
    custom: dict[str, str] = dict(channel_metadata(tenant, ttl_s=PAGE_TOKEN_TTL_S))
    if customer_token:
        custom["customer_token"] = customer_token
    delay = settings.typing_delay
    return PAGE.format(
        title=html.escape(settings.title),
        title_js=_js(settings.title),
        widget_src=html.escape(widget_src),
        custom_data=_js(custom),
        # whole numbers whatever reached the model: nothing else is written into the script
        per_char_ms=int(delay.per_char_ms),
        min_ms=int(delay.min_ms),
        max_ms=int(delay.max_ms),
    )


class WebChatInput(InputChannel):
    """Serves each tenant's chat page and the widget's script; messages go over socket.io."""

    @classmethod
    def name(cls) -> str:
        return "webchat"

    def __init__(self) -> None:
        self.registry = registry()
        if not WIDGET_JS.is_file():
            logger.warning("web chat widget missing at %s: run `make webchat`", WIDGET_JS)

    def page(self, request: Request, path: str) -> HTTPResponse:
        name, tenant = find_tenant(self.registry, "webchat", path)
        assert tenant.webchat is not None
        token = request.args.get("customer_token")
        if token is not None and (len(token) > 4096 or not token.isascii()):
            raise Rejected(400, "bad_customer_token", "customer_token is not a token")
        widget = request.app.url_for("aftercare_webchat.widget")
        body = render_page(name, tenant.webchat, widget, token)
        headers = {"Cache-Control": "no-store", "Content-Security-Policy": CONTENT_SECURITY_POLICY}
        return response.html(body, headers=headers)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webchat = Blueprint("aftercare_webchat", __name__)

        @webchat.route("/assets/rasa-webchat.js", methods=["GET"], name="widget")
        async def widget(_: Request) -> HTTPResponse:
            if not WIDGET_JS.is_file():
                return error_response(
                    Rejected(503, "widget_not_installed", "run `make webchat` on the server")
                )
            return await response.file(
                WIDGET_JS,
                mime_type="application/javascript",
                headers={"Cache-Control": "max-age=3600"},
            )

        @webchat.route("/<path:str>", methods=["GET"], strict_slashes=False)
        async def page(request: Request, path: str) -> HTTPResponse:
            try:
                return self.page(request, path)
            except Rejected as exc:
                return error_response(exc)

        return webchat


class LimitedSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel with a per-session rate limit and a message size limit.

    Over the limit, the message is dropped and the widget is told why, instead of reaching
    the bot; everything else (events, session persistence) is Rasa's own.
    """

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        limiter = limiter_for(registry().limits)

        async def limited(message: UserMessage) -> Any:
            text = message.text or ""
            too_long = len(text) > MAX_MESSAGE_CHARS
            if too_long or not limiter.allow(f"socketio:{message.sender_id}"):
                reason = (
                    TOO_LONG_REPLY
                    if too_long
                    else "You're sending messages very quickly. Please wait a moment."
                )
                await message.output_channel.send_text_message(message.sender_id, reason)
                return None
            return await on_new_message(message)

        blueprint = super().blueprint(limited)
        self._join_session_rooms()
        return blueprint

    def _join_session_rooms(self) -> None:
        """Replace Rasa's ``session_request`` handler with one that really joins the room.

        Rasa 3.6 calls ``sio.enter_room`` without awaiting it, and with the pinned
        python-socketio (5.x, where it is a coroutine) the socket never joins its session's
        room: replies to a persisted session are lost. Same protocol, awaited.
        """
        sio = self.sio
        assert sio is not None  # set by SocketIOInput.blueprint

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: dict[str, Any] | None) -> None:
            data = data if isinstance(data, dict) else {}
            session_id = data.get("session_id")
            if not isinstance(session_id, str) or not session_id:
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)
