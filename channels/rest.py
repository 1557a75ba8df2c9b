"""The REST channel: Rasa's ``POST /webhooks/rest/webhook``, with its body checked first.

Rasa's stock ``RestInput`` trusts the body: a JSON array fails with a 500, and in streaming mode
a missing ``sender`` or a number for ``message`` fails inside a task the response waits on, so
the request never completes and holds its connection. This channel keeps the same name (so the
URL, the conversations' ``input_channel`` and the desk's routing stay ``rest``) and the same
answers (a JSON list of bot messages; one JSON message per line with ``?stream=true``), and
refuses anything else with the error shape of every channel, before a message exists.
"""

from __future__ import annotations

import asyncio
import copy
import inspect
import json
import logging
from asyncio import CancelledError, Queue
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import rasa.utils.endpoints
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.rest import QueueOutputChannel
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from channels.common import (
    MAX_MESSAGE_CHARS,
    TOO_LONG_REPLY,
    Rejected,
    check_body_size,
    error_response,
    registry,
)
from channels.http_api import guard_http_api

logger = logging.getLogger(__name__)

MAX_SENDER_CHARS = 255  # the tracker store's sender_id column
_DONE = object()  # the end of a streamed answer, whatever happened while handling the message


@dataclass(frozen=True)
class RestMessage:
    """A REST body that passed the checks: what a ``UserMessage`` is built from."""

    sender: str
    text: str
    metadata: dict[str, Any] | None


def _string(body: dict[str, Any], key: str, max_chars: int, allow_empty: bool) -> str:
    value = body.get(key)
    if value is None:
        raise Rejected(400, "missing_fields", f"'{key}' is required")
    if not isinstance(value, str):
        raise Rejected(400, "malformed_body", f"'{key}' must be a string")
    if not allow_empty and not value.strip():
        raise Rejected(400, "malformed_body", f"'{key}' must not be empty")
    if len(value) > max_chars:
        raise Rejected(400, "too_long", f"'{key}' is limited to {max_chars} characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate, e.g. "\ud800" in the JSON
        raise Rejected(400, "malformed_body", f"'{key}' is not valid Unicode text") from exc
    return value


def parse_rest_body(raw: bytes) -> RestMessage:
    """The message in a REST body, or the 400 that says what is wrong with it.

    A JSON object with a string ``sender`` (1 to 255 characters), a string ``message`` (at most
    2000 characters, may be empty) and optionally an object (or null) ``metadata``. Other keys
    are ignored; among them ``input_channel``, which Rasa's own channel would let a caller set:
    the desk picks how to reach a shopper by that name, so a REST caller must not choose it.
    """
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Rejected(400, "malformed_body", "the body must be JSON") from exc
    if not isinstance(body, dict):
        raise Rejected(400, "malformed_body", "the body must be a JSON object")
    sender = _string(body, "sender", MAX_SENDER_CHARS, allow_empty=False)
    # Any length the body limit lets through: an over-long message is the shopper's, and gets
    # an answer (RestInput), not a refusal of the request.
    text = _string(body, "message", len(raw), allow_empty=True)
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise Rejected(400, "malformed_body", "'metadata' must be a JSON object")
    return RestMessage(sender=sender, text=text, metadata=metadata)


class RestInput(InputChannel):
    """Rasa's REST channel under the same name and URL, refusing malformed bodies with a 4xx.

    Registered in ``credentials.yml`` by module path instead of the built-in ``rest:``; its
    blueprint also installs the guard of Rasa's HTTP API (:mod:`channels.http_api`), which
    needs a place in the Rasa server's own code to be registered from.
    """

    @classmethod
    def name(cls) -> str:
        return "rest"

    def __init__(self) -> None:
        self.limits = registry().limits

    def read(self, request: Request) -> RestMessage:
        """The checked message of this request (413 or 400 otherwise)."""
        return parse_rest_body(check_body_size(request, self.limits))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        module = inspect.getmodule(self)
        webhook = Blueprint("aftercare_rest", module.__name__ if module else None)

        @webhook.listener("before_server_start")
        async def guard_api(app: Sanic, _loop: Any) -> None:
            guard_http_api(app)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/ready", methods=["GET"])
        async def ready(request: Request) -> HTTPResponse:
            return await readiness(request.app)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse | ResponseStream:
            try:
                message = self.read(request)
            except Rejected as exc:
                return error_response(exc)
            streaming = rasa.utils.endpoints.bool_arg(request, "stream", default=False)
            if len(message.text) > MAX_MESSAGE_CHARS:
                # As the web chat: the shopper hears why, and nothing reaches the dialogue.
                said = {"recipient_id": message.sender, "text": TOO_LONG_REPLY}
                if streaming:
                    return response.text(json.dumps(said) + "\n", content_type="text/event-stream")
                return response.json([said])
            if streaming:
                return response.stream(
                    self._streamed(on_new_message, message), content_type="text/event-stream"
                )
            collector = CollectingOutputChannel()
            try:
                await on_new_message(self._user_message(message, collector))
            except CancelledError:
                logger.error("rest: handling the message timed out")
            except Exception:
                # As Rasa's channel: the shopper gets what the bot said before the failure.
                logger.exception("rest: handling the message failed")
            return response.json(collector.messages)

        return webhook

    def _user_message(self, message: RestMessage, output: CollectingOutputChannel) -> UserMessage:
        return UserMessage(
            message.text,
            output,
            message.sender,
            input_channel=self.name(),
            metadata=copy.deepcopy(message.metadata),
        )

    def _streamed(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]], message: RestMessage
    ) -> Callable[[Any], Coroutine[Any, Any, None]]:
        """Each bot message as one JSON line while the turn runs; always ends the stream."""

        async def handle(queue: Queue[Any]) -> None:
            try:
                await on_new_message(self._user_message(message, QueueOutputChannel(queue)))
            except Exception:
                logger.exception("rest: handling the streamed message failed")
            finally:
                await queue.put(_DONE)

        async def stream(resp: Any) -> None:
            queue: Queue[Any] = Queue()
            task = asyncio.ensure_future(handle(queue))
            try:
                while (item := await queue.get()) is not _DONE:
                    await resp.write(json.dumps(item) + "\n")
            finally:
                await task

        return stream


WARM_UP_TEXT = "where is my order?"
_WARM = "aftercare_warm"


async def readiness(app: Sanic) -> HTTPResponse:
    """200 once this instance can answer a shopper at full speed; 503 until then.

    Rasa opens its port once the model is loaded, but some parts of the pipeline load on the
    first message they see: the first shopper a restarted instance serves would wait for
    them. The load balancer checks this route instead of ``/``, and the first check parses
    one message (the NLU pipeline only: nothing is stored and no action runs).
    """
    agent = getattr(app.ctx, "agent", None)
    if agent is None or not agent.is_ready():
        return response.json({"status": "loading"}, status=503)
    if not getattr(app.ctx, _WARM, False):
        await agent.parse_message(WARM_UP_TEXT)
        setattr(app.ctx, _WARM, True)
    return response.json({"status": "ready"})
