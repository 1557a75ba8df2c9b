"""What waiting shoppers wrote since a time, read from the tracker store for the agent desk.

The agent desk copies a waiting shopper's messages into the ticket, for every open ticket,
every ``DESK_SYNC_INTERVAL_S`` (desk/handoffs.py). Through Rasa's
``GET /conversations/<id>/tracker?include_events=ALL`` each look loaded the whole conversation,
every session of it, replayed it into a tracker and sent all its events, to keep the few user
messages after the last look: the cost of a look grew with the conversation, and the looks with
the open tickets (docs/performance.md, twenty-first and twenty-second steps). Two routes answer
from the tracker store instead:

- ``POST /shopper_messages`` with ``{"conversations": {<id>: <after>, ...}}``: every open
  ticket's conversation in one request, answered ``{"conversations": {<id>: [messages]}}``
  with every asked id present. The desk's sync round is this one request; with the project's
  store (:mod:`stores.tracker`) it is one query per 200 conversations, nothing replayed. Ids
  travel in the body, so one that a URL would need to quote is read as it is.
- ``GET /conversations/<id>/shopper_messages?after=<ts>``: one conversation, for the console
  opening a ticket.

Both behave as Rasa's routes do: the same authentication (token or JWT, Rasa's own
``requires_auth``), 409 while no model is loaded, Rasa's error body, a 400 that says what is
wrong with a request. When the project's store cannot read its database the answer is a 503,
which the desk's next look tries again (Rasa's fail-safe wrapper answers for any other store,
with what its fallback holds). An unknown conversation has written nothing: an empty list, and
no conversation is created for it (Rasa's tracker route creates and stores one). The launcher
adds the routes to the Rasa server it starts (:mod:`guardrails.launch`); a desk talking to a
server without them reads whole conversations, as before (desk/conversations.py).
"""

from __future__ import annotations

import functools
import inspect
import logging
import math
from http import HTTPStatus
from typing import Any

import rasa.server
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.constants import IS_EXTERNAL
from rasa.shared.core.events import UserUttered
from sanic import Sanic, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError

from nlu_components.patching import installs

logger = logging.getLogger(__name__)

ROUTE = "/conversations/<conversation_id:path>/shopper_messages"
BATCH_ROUTE = "/shopper_messages"
# Conversations one batch request may name: a desk with more open tickets sends several.
MAX_CONVERSATIONS = 1000
_BATCH_SHAPE = (
    'the body must be {"conversations": {<conversation id>: <after>, ...}}, '
    f"at most {MAX_CONVERSATIONS} conversations, each 'after' a Rasa event timestamp in seconds"
)


def bad_request(message: str, details: dict[str, Any]) -> rasa.server.ErrorResponse:
    """Rasa's 400, with what is wrong in ``message``."""
    return rasa.server.ErrorResponse(HTTPStatus.BAD_REQUEST, "BadRequest", message, details)


def after_argument(request: Request) -> float:
    """The ``after`` timestamp (0 when absent); Rasa's 400 for anything but a finite number."""
    raw = request.args.get("after", "0")
    try:
        after = float(raw)
    except ValueError:
        after = math.nan
    if not math.isfinite(after):
        raise bad_request(
            "'after' must be a number: a Rasa event timestamp, in seconds",
            {"parameter": "after", "in": "query"},
        )
    return after


def batch_argument(request: Request) -> dict[str, float]:
    """The body's ``{id: after}``; Rasa's 400, saying what is wrong, for any other shape.

    The ids are not quoted back: a channel's sender id can be a phone number.
    """
    try:
        body = request.json
    except InvalidUsage:  # Sanic's answer to a body that is not JSON
        body = None
    conversations = body.get("conversations") if isinstance(body, dict) else None
    if not isinstance(conversations, dict) or len(conversations) > MAX_CONVERSATIONS:
        raise bad_request(_BATCH_SHAPE, {"parameter": "conversations", "in": "body"})
    afters: dict[str, float] = {}
    for conversation_id, after in conversations.items():
        value = _finite(after)
        if value is None or not _storable(conversation_id):
            raise bad_request(_BATCH_SHAPE, {"parameter": "conversations", "in": "body"})
        afters[conversation_id] = value
    return afters


def _finite(after: Any) -> float | None:
    """``after`` as a finite float; None for a bool, a string, or a number beyond a float."""
    if isinstance(after, bool) or not isinstance(after, int | float):
        return None
    try:
        value = float(after)
    except OverflowError:  # an integer of hundreds of digits
        return None
    return value if math.isfinite(value) else None


def _storable(conversation_id: str) -> bool:
    """A non-empty id the database can take (JSON can carry a lone surrogate; UTF-8 cannot)."""
    try:
        conversation_id.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return bool(conversation_id)


def primary_store(store: TrackerStore) -> TrackerStore:
    """The store inside Rasa's wrappers (its fail-safe store keeps it in a private attribute)."""
    while isinstance(getattr(store, "_tracker_store", None), TrackerStore):
        store = store._tracker_store
    return store


async def user_events_after(
    store: TrackerStore, afters: dict[str, float]
) -> dict[str, list[dict[str, Any]]]:
    """Each conversation's user events after its time, oldest first, as the store holds them."""
    query = getattr(primary_store(store), "user_events_after", None)
    if query is not None:
        found: dict[str, list[dict[str, Any]]] = await query(afters)
        return found
    return {
        conversation_id: await _loaded_user_events(store, conversation_id, after)
        for conversation_id, after in afters.items()
    }


async def _loaded_user_events(
    store: TrackerStore, conversation_id: str, after: float
) -> list[dict[str, Any]]:
    """From the conversation a store without the project's query loads."""
    tracker = await store.retrieve_full_tracker(conversation_id)
    if tracker is None:
        return []
    return [
        event.as_dict()
        for event in tracker.events
        if isinstance(event, UserUttered) and (event.timestamp or 0) > after
    ]


def shopper_messages(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each event's timestamp and text: what the desk shows of a message.

    Not the user events that ``trigger_intent`` adds (a proactive update, ``EXTERNAL: ...``):
    the shopper never wrote them.
    """
    return [
        {"timestamp": float(event.get("timestamp") or 0), "text": str(event.get("text") or "")}
        for event in events
        if not (event.get("metadata") or {}).get(IS_EXTERNAL)
    ]


async def read(store: TrackerStore, afters: dict[str, float]) -> dict[str, list[dict[str, Any]]]:
    """The routes' answer; Rasa's 503 when the database fails (not the caller's fault).

    Only the database's errors: any other is a fault of this server and stays a 500.
    """
    try:
        found = await user_events_after(store, afters)
    except (SQLAlchemyError, OSError) as exc:  # the desk's next look tries again
        logger.warning("shopper messages unavailable: %s", type(exc).__name__)
        raise rasa.server.ErrorResponse(
            HTTPStatus.SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            "the conversation store could not be read; try again",
        ) from exc
    return {conversation_id: shopper_messages(events) for conversation_id, events in found.items()}


def add_shopper_messages_routes(app: Sanic, auth_token: str | None) -> None:
    """Serve the routes on Rasa's app, behind Rasa's own authentication."""

    @app.get(ROUTE, name="aftercare_shopper_messages")
    @rasa.server.requires_auth(app, auth_token)
    @rasa.server.ensure_loaded_agent(app)
    async def messages(request: Request, conversation_id: str) -> HTTPResponse:
        after = after_argument(request)
        store = request.app.ctx.agent.tracker_store
        found = await read(store, {conversation_id: after})
        return response.json({"messages": found[conversation_id]})

    @app.post(BATCH_ROUTE, name="aftercare_shopper_messages_batch")
    @rasa.server.requires_auth(app, auth_token)
    @rasa.server.ensure_loaded_agent(app)
    async def batch(request: Request) -> HTTPResponse:
        afters = batch_argument(request)
        store = request.app.ctx.agent.tracker_store
        return response.json({"conversations": await read(store, afters)})


@installs("rasa.server:create_app")
def install_shopper_messages_route() -> None:
    """Have every app ``rasa.server.create_app`` builds serve the routes (once per process)."""
    create_app = rasa.server.create_app
    signature = inspect.signature(create_app)

    @functools.wraps(create_app)
    def create_app_with_route(*args: Any, **kwargs: Any) -> Sanic:
        app = create_app(*args, **kwargs)
        token = signature.bind(*args, **kwargs).arguments.get("auth_token")
        add_shopper_messages_routes(app, token)
        return app

    rasa.server.create_app = create_app_with_route
