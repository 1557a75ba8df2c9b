"""Rasa's HTTP API refuses malformed bodies with a 400 and the reason, before its handlers run.

Rasa's handlers read ``request.json`` and trust its shape: a JSON array where an object belongs
fails on ``.get`` (500), and a number where text belongs fails deep inside the message
processing, where Rasa's own ``except Exception`` turns every error, its own 400s included,
into a 500. A request middleware checks the body of the endpoints that take one against what
the handler relies on; a request that passes reaches Rasa unchanged, so a 5xx still means a
fault of the server, never of the caller.

The middleware runs before Rasa's token check, so a malformed body without a token gets the
400 rather than the 401: the shapes are those of Rasa's public API documentation, nothing to
hide, and no junk ever reaches the tracker store, the NLU pipeline or the lock store.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import jsonschema
import rasa
from rasa.shared.utils.schemas.events import EVENTS_SCHEMA
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.common import registry

logger = logging.getLogger(__name__)

MAX_TEXT_CHARS = 2000  # a message to parse or add: as long as a channel accepts
MAX_NAME_CHARS = 255  # intent, action and entity names
Check = Callable[[Any], None]


class Malformed(ValueError):
    """What is wrong with a body, and where (the key), as Rasa's error details name it."""

    def __init__(self, message: str, parameter: str = "") -> None:
        super().__init__(message)
        self.parameter = parameter


def _text(body: dict[str, Any], key: str, limit: int, required: bool = True) -> None:
    value = body.get(key)
    if value is None:
        if required:
            raise Malformed(f"'{key}' is required", key)
        return
    if not isinstance(value, str):
        raise Malformed(f"'{key}' must be a string", key)
    if required and not value.strip():
        raise Malformed(f"'{key}' must not be empty", key)
    if len(value) > limit:
        raise Malformed(f"'{key}' is limited to {limit} characters", key)


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise Malformed("the body must be a JSON object")
    return body


def check_parse(body: Any) -> None:
    """``POST /model/parse``: ``{"text": str, "message_id"?: str}``."""
    body = _object(body)
    _text(body, "text", MAX_TEXT_CHARS)
    _text(body, "message_id", MAX_NAME_CHARS, required=False)


def check_message(body: Any) -> None:
    """``POST /conversations/<id>/messages``: ``{"text": str, "sender": "user", "parse_data"?}``.

    ``parse_data`` replaces the NLU result, so it must look like one: an object whose
    ``intent`` is an object with a string ``name`` and whose ``entities`` are objects.
    """
    body = _object(body)
    _text(body, "text", MAX_TEXT_CHARS)
    if body.get("sender") != "user":
        raise Malformed("'sender' must be \"user\": only user messages can be added", "sender")
    parse_data = body.get("parse_data")
    if parse_data is None:
        return
    if not isinstance(parse_data, dict):
        raise Malformed("'parse_data' must be an object", "parse_data")
    intent = parse_data.get("intent")
    if intent is not None:
        if not isinstance(intent, dict):
            raise Malformed("'parse_data.intent' must be an object", "parse_data")
        _text(intent, "name", MAX_NAME_CHARS)
        confidence = intent.get("confidence")
        if confidence is not None and not _number(confidence):
            raise Malformed("'parse_data.intent.confidence' must be a number", "parse_data")
    _entities(parse_data.get("entities"), "parse_data", allow_mapping=False)
    _text(parse_data, "text", MAX_TEXT_CHARS, required=False)


def check_trigger_intent(body: Any) -> None:
    """``POST /conversations/<id>/trigger_intent``: ``{"name": str, "entities"?}``."""
    body = _object(body)
    _text(body, "name", MAX_NAME_CHARS)
    _entities(body.get("entities"), "entities", allow_mapping=True)


def check_execute(body: Any) -> None:
    """``POST /conversations/<id>/execute``: ``{"name": str, "policy"?: str, "confidence"?}``."""
    body = _object(body)
    _text(body, "name", MAX_NAME_CHARS)
    _text(body, "policy", MAX_NAME_CHARS, required=False)
    confidence = body.get("confidence")
    if confidence is not None and not _number(confidence):
        raise Malformed("'confidence' must be a number", "confidence")


def check_events(body: Any) -> None:
    """``POST|PUT /conversations/<id>/tracker/events``: events as Rasa's schema has them.

    Rasa checks the same schema, but its refusal logs the whole schema and the whole body at
    error level; the PII log filter then runs named-entity recognition over kilobytes of junk
    on the event loop, which held every other request of the server for seconds.
    """
    if not isinstance(body, dict | list):
        raise Malformed("the body must be an event object or a list of them")
    if not body:  # Rasa's 400 for "no event" is raised inside its try and becomes a 500
        raise Malformed("the body holds no event")
    try:
        _events_validator().validate(body if isinstance(body, list) else [body])
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "body"
        raise Malformed(f"not an event Rasa knows at {where[:60]}: {exc.message[:120]}") from exc


@functools.cache
def _events_validator() -> Any:
    """Rasa's event schema, compiled once (``jsonschema.validate`` compiles it per call)."""
    return jsonschema.validators.validator_for(EVENTS_SCHEMA)(EVENTS_SCHEMA)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _entities(value: Any, parameter: str, allow_mapping: bool) -> None:
    """Entities as a list of ``{"entity": str, …}``, or for a trigger ``{name: value}``."""
    if value is None:
        return
    if allow_mapping and isinstance(value, dict):
        return  # keys are strings in JSON; any value becomes the entity's value
    if not isinstance(value, list):
        raise Malformed(f"'{parameter}' entities must be a list of objects", parameter)
    for entity in value:
        if not isinstance(entity, dict) or not isinstance(entity.get("entity"), str):
            raise Malformed(f"each entity in '{parameter}' needs a string 'entity'", parameter)


CHECKS: dict[tuple[str, str], Check] = {
    ("POST", "model/parse"): check_parse,
    ("POST", "conversations/<conversation_id:path>/messages"): check_message,
    ("POST", "conversations/<conversation_id:path>/trigger_intent"): check_trigger_intent,
    ("POST", "conversations/<conversation_id:path>/execute"): check_execute,
    ("POST", "conversations/<conversation_id:path>/tracker/events"): check_events,
    ("PUT", "conversations/<conversation_id:path>/tracker/events"): check_events,
}


def _refusal(status: HTTPStatus, message: str, parameter: str = "") -> HTTPResponse:
    """Rasa's own error shape, so its API's clients read our refusals as theirs."""
    details = {"parameter": parameter, "in": "body"} if parameter else {"in": "body"}
    body = {
        "version": rasa.__version__,
        "status": "failure",
        "message": message,
        "reason": "BadRequest",
        "details": details,
        "help": None,
        "code": int(status),
    }
    return response.json(body, status=int(status))


def check_request(request: Request, max_body_bytes: int) -> HTTPResponse | None:
    """Rasa's 400 (413 for size) when this API request's body is not what it needs."""
    route = getattr(request, "route", None)
    if route is None:
        return None
    check = CHECKS.get((request.method, route.path.strip("/")))
    if check is None:
        return None
    raw = request.body or b""
    if len(raw) > max_body_bytes:
        limit = f"bodies are limited to {max_body_bytes} B"
        return _refusal(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, limit)
    try:
        body = json.loads(raw)
        json.dumps(body, ensure_ascii=False).encode("utf-8")  # no lone surrogates
    except (ValueError, UnicodeError):
        return _refusal(HTTPStatus.BAD_REQUEST, "the body must be JSON in UTF-8")
    try:
        check(body)
    except Malformed as exc:
        return _refusal(HTTPStatus.BAD_REQUEST, str(exc), exc.parameter)
    return None


def guard_http_api(app: Sanic) -> None:
    """Register the check as a request middleware of the whole Rasa server (idempotent)."""
    if getattr(app.ctx, "http_api_guarded", False):
        return
    max_body_bytes = registry().limits.max_body_bytes

    async def refuse_malformed_bodies(request: Request) -> HTTPResponse | None:
        return check_request(request, max_body_bytes)

    app.register_middleware(refuse_malformed_bodies, "request")
    app.ctx.http_api_guarded = True
