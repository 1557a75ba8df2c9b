"""``GET /conversations/<id>/shopper_messages?after=<ts>``: what a shopper wrote since a time.

The agent desk copies a waiting shopper's messages into the ticket, for every open ticket,
every ``DESK_SYNC_INTERVAL_S`` (desk/handoffs.py). Through Rasa's
``GET /conversations/<id>/tracker?include_events=ALL`` each look loaded the whole conversation,
every session of it, replayed it into a tracker and sent all its events, to keep the few user
messages after the last look: the cost of a look grew with the conversation, and the looks with
the open tickets (docs/performance.md, twenty-first step). This route answers from the tracker
store: with the project's store (:mod:`stores.tracker`) one query for the conversation's user
events after ``after``, nothing replayed; with any other store, from the conversation it loads.

It sits beside Rasa's HTTP API and behaves as its routes do: the same authentication (token or
JWT, Rasa's own ``requires_auth``), 409 while no model is loaded, Rasa's error body; when the
project's store cannot read its database the answer is a 503, which the desk's next look tries
again (Rasa's fail-safe wrapper answers for any other store, with what its fallback holds).
An unknown conversation has written nothing: an empty list, and no conversation is created for
it (Rasa's tracker route creates and stores one). The launcher adds the route to the Rasa server
it starts (:mod:`guardrails.launch`); a desk talking to a server without it reads whole
conversations, as before (desk/conversations.py).
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
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError

logger = logging.getLogger(__name__)

ROUTE = "/conversations/<conversation_id:path>/shopper_messages"
_INSTALLED = "serves_shopper_messages"  # marks the wrapped create_app


def after_argument(request: Request) -> float:
    """The ``after`` timestamp (0 when absent); Rasa's 400 for anything but a finite number."""
    raw = request.args.get("after", "0")
    try:
        after = float(raw)
    except ValueError:
        after = math.nan
    if not math.isfinite(after):
        raise rasa.server.ErrorResponse(
            HTTPStatus.BAD_REQUEST,
            "BadRequest",
            "'after' must be a number: a Rasa event timestamp, in seconds",
            {"parameter": "after", "in": "query"},
        )
    return after


def primary_store(store: TrackerStore) -> TrackerStore:
    """The store inside Rasa's wrappers (its fail-safe store keeps it in a private attribute)."""
    while isinstance(getattr(store, "_tracker_store", None), TrackerStore):
        store = store._tracker_store
    return store


async def user_events_after(
    store: TrackerStore, conversation_id: str, after: float
) -> list[dict[str, Any]]:
    """The conversation's user events after ``after``, oldest first, as the store holds them."""
    primary = primary_store(store)
    query = getattr(primary, "user_events_after", None)
    if query is not None:
        events: list[dict[str, Any]] = await query(conversation_id, after)
        return events
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


async def read(store: TrackerStore, conversation_id: str, after: float) -> list[dict[str, Any]]:
    """The route's answer; Rasa's 503 when the database fails (not the caller's fault).

    Only the database's errors: any other is a fault of this server and stays a 500.
    """
    try:
        events = await user_events_after(store, conversation_id, after)
    except (SQLAlchemyError, OSError) as exc:  # the desk's next look tries again
        logger.warning("shopper messages unavailable: %s", type(exc).__name__)
        raise rasa.server.ErrorResponse(
            HTTPStatus.SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            "the conversation store could not be read; try again",
        ) from exc
    return shopper_messages(events)


def add_shopper_messages_route(app: Sanic, auth_token: str | None) -> None:
    """Serve the route on Rasa's app, behind Rasa's own authentication."""

    @app.get(ROUTE, name="aftercare_shopper_messages")
    @rasa.server.requires_auth(app, auth_token)
    @rasa.server.ensure_loaded_agent(app)
    async def messages(request: Request, conversation_id: str) -> HTTPResponse:
        after = after_argument(request)
        store = request.app.ctx.agent.tracker_store
        return response.json({"messages": await read(store, conversation_id, after)})


def install_shopper_messages_route() -> None:
    """Have every app ``rasa.server.create_app`` builds serve the route (once per process)."""
    create_app = rasa.server.create_app
    if getattr(create_app, _INSTALLED, False):
        return
    signature = inspect.signature(create_app)

    @functools.wraps(create_app)
    def create_app_with_route(*args: Any, **kwargs: Any) -> Sanic:
        app = create_app(*args, **kwargs)
        token = signature.bind(*args, **kwargs).arguments.get("auth_token")
        add_shopper_messages_route(app, token)
        return app

    setattr(create_app_with_route, _INSTALLED, True)
    rasa.server.create_app = create_app_with_route
