"""Application factory of the desk: routes, the login wall, and the transcript sync.

Four kinds of caller, four kinds of proof:
- agents (console page and ``/api/agent``): a session cookie, and on every state-changing
  request the session's CSRF token in ``X-CSRF-Token``;
- the assistant (``/api/bot``): the ``DESK_API_TOKEN`` bearer token;
- a shopper's REST client (``/api/shopper``): the ticket's own bearer token, given to the
  shopper at handoff;
- Chatwoot (``/connectors/chatwoot/webhook``): its HMAC signature.
Anything else without a login is refused (401 for the API, a redirect to the login page).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import AsyncIterator
from typing import Any

import pydantic
from aiohttp import web
from aiohttp.typedefs import Handler
from sqlalchemy.engine import make_url

from desk import dashboard, pages
from desk.accounts import AgentAccounts, AgentView
from desk.auth import CSRF_HEADER, SESSION_COOKIE, same_token
from desk.config import Connector, DeskConfig
from desk.connectors.base import ConsoleConnector, DeskConnector
from desk.connectors.chatwoot import ChatwootConnector
from desk.connectors.webhook import chatwoot_webhook
from desk.conversations import Conversations, ConversationUnavailable, RasaConversations
from desk.db import DeskDatabase
from desk.errors import Conflict, Forbidden, NotFound
from desk.handoffs import finish, mirror, send_reply, sync_forever, sync_ticket
from desk.keys import (
    ACCOUNTS_KEY,
    AGENT_KEY,
    CONFIG_KEY,
    CONNECTOR_KEY,
    CONVERSATIONS_KEY,
    CSRF_KEY,
    SERVICE_KEY,
    TASKS_KEY,
)
from desk.masking import Masker
from desk.metrics import watch_queue
from desk.service import DeskService, NewTicket
from webkit.background import LifetimeTasks
from webkit.errors import error_middleware, error_response

logger = logging.getLogger(__name__)

UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
PAGES = ("/", "/console", "/dashboard")  # what a browser opens: redirected to the login page


class TicketRequest(pydantic.BaseModel):
    """The assistant's handoff, as ``POST /api/bot/tickets`` accepts it."""

    merchant: str = pydantic.Field(regex=r"^[a-z0-9_-]{1,40}$")
    sender_id: str = pydantic.Field(min_length=1, max_length=255)
    channel: str = pydantic.Field(default="rest", max_length=40)
    reason: str = pydantic.Field(regex=r"^[a-z_]{1,40}$")
    priority: int = pydantic.Field(ge=0, le=1000)
    after_hours: bool = False
    summary: dict[str, Any]
    transcript: list[tuple[str, str]] = pydantic.Field(default_factory=list, max_items=50)
    after_ts: float = 0.0

    class Config:
        extra = pydantic.Extra.forbid


class RatingRequest(pydantic.BaseModel):
    sender_id: str = pydantic.Field(min_length=1, max_length=255)
    ticket_id: int
    score: int = pydantic.Field(ge=1, le=5)


async def read_json(request: web.Request) -> Any:
    try:
        return await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise web.HTTPBadRequest(reason="The body must be JSON.") from exc


def _bad_request(error: pydantic.ValidationError) -> web.Response:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return error_response(422, "invalid_request", f"{where}: {first['msg']}")


def current_agent(request: web.Request) -> AgentView:
    agent: AgentView = request[AGENT_KEY]
    return agent


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """No framing, no inline script, no sniffing: the console only loads its own files."""
    response = await handler(request)
    response.headers.setdefault(
        "Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'"
    )
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


@web.middleware
async def access_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The login wall and CSRF check (see the module notes for who proves what)."""
    path = request.path
    config = request.app[CONFIG_KEY]
    if path in ("/health", "/login", "/metrics") or path.startswith("/static/"):
        # the login form checks its own CSRF cookie; /metrics its bearer token (webkit/metrics)
        return await handler(request)
    if path.startswith("/api/bot/"):
        scheme, _, supplied = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not same_token(supplied.strip(), config.api_token):
            return error_response(401, "unauthorized", "A valid bearer token is required.")
        return await handler(request)
    if path.startswith("/api/shopper/") or path.startswith("/connectors/"):
        return await handler(request)  # each handler checks its own proof
    token = request.cookies.get(SESSION_COOKIE)
    found = await request.app[ACCOUNTS_KEY].session_agent(token) if token else None
    if found is None:
        if path in PAGES and request.method == "GET":
            raise web.HTTPFound("/login")
        # Everything else (the API, a browser's /favicon.ico) is refused without a redirect:
        # following one would fetch the login page again and replace its CSRF cookie.
        return error_response(401, "unauthorized", "Log in first.")
    agent, csrf = found
    if request.method in UNSAFE_METHODS and not same_token(request.headers.get(CSRF_HEADER), csrf):
        return error_response(403, "csrf_failed", "Missing or wrong CSRF token.")
    request[AGENT_KEY] = agent
    request[CSRF_KEY] = csrf
    return await handler(request)


# ---- the assistant -----------------------------------------------------------------------
async def create_ticket(request: web.Request) -> web.Response:
    try:
        body = TicketRequest.parse_obj(await read_json(request))
    except pydantic.ValidationError as error:
        return _bad_request(error)
    service = request.app[SERVICE_KEY]
    opened = await service.open_ticket(
        NewTicket(
            merchant=body.merchant,
            sender_id=body.sender_id,
            channel=body.channel,
            reason=body.reason,
            priority=body.priority,
            after_hours=body.after_hours,
            summary=body.summary,
            transcript=[(a, t) for a, t in body.transcript],
            after_ts=body.after_ts,
        )
    )
    await mirror(request.app, opened.ticket_id)
    config = request.app[CONFIG_KEY]
    return web.json_response(
        {
            "ticket_id": opened.ticket_id,
            "queue_position": opened.queue_position,
            "shopper_token": opened.shopper_token,
            "poll_url": f"{config.public_url.rstrip('/')}/api/shopper/messages",
        },
        status=201,
    )


async def store_rating(request: web.Request) -> web.Response:
    try:
        body = RatingRequest.parse_obj(await read_json(request))
    except pydantic.ValidationError as error:
        return _bad_request(error)
    try:
        await request.app[SERVICE_KEY].rate(body.sender_id, body.ticket_id, body.score)
    except NotFound as exc:
        return error_response(404, "not_found", str(exc))
    return web.json_response({"ticket_id": body.ticket_id, "score": body.score}, status=201)


# ---- the shopper's REST client -----------------------------------------------------------
async def shopper_messages(request: web.Request) -> web.Response:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return error_response(401, "unauthorized", "The ticket's bearer token is required.")
    try:
        after = int(request.query.get("after", "0"))
    except ValueError:
        after = -1
    if not 0 <= after <= MAX_ID:
        return error_response(422, "invalid_request", "after must be a message id")
    try:
        messages = await request.app[SERVICE_KEY].shopper_outbox(token.strip(), after)
    except NotFound:
        return error_response(401, "unauthorized", "Unknown or expired token.")
    return web.json_response({"messages": messages})


# ---- agents ------------------------------------------------------------------------------
MAX_ID = 2**63 - 1  # what the database's integer holds; bigger ids cannot exist


def _ticket_id(request: web.Request) -> int:
    try:
        ticket_id = int(request.match_info["ticket_id"])
    except ValueError as exc:
        raise web.HTTPNotFound(reason="No such ticket.") from exc
    if not 0 < ticket_id <= MAX_ID:
        raise web.HTTPNotFound(reason="No such ticket.")
    return ticket_id


def _domain_error(exc: Exception) -> web.Response:
    if isinstance(exc, NotFound):
        return error_response(404, "not_found", str(exc))
    if isinstance(exc, Forbidden):
        return error_response(403, "forbidden", str(exc))
    if isinstance(exc, Conflict):
        return error_response(409, "conflict", str(exc))
    if isinstance(exc, ConversationUnavailable):
        return error_response(503, "conversation_unavailable", "The assistant cannot be reached.")
    raise exc


async def me(request: web.Request) -> web.Response:
    agent = current_agent(request)
    return web.json_response(
        {
            "username": agent.username,
            "name": agent.name,
            "merchant": agent.merchant,
            "role": agent.role,
        }
    )


async def colleagues(request: web.Request) -> web.Response:
    agents = await request.app[ACCOUNTS_KEY].colleagues(current_agent(request))
    return web.json_response({"agents": agents})


async def queue(request: web.Request) -> web.Response:
    tickets = await request.app[SERVICE_KEY].queue(current_agent(request))
    return web.json_response({"tickets": tickets})


async def ticket_detail(request: web.Request) -> web.Response:
    agent, ticket_id = current_agent(request), _ticket_id(request)
    try:
        ticket = await request.app[SERVICE_KEY].ticket(agent, ticket_id)
        await sync_ticket(request.app, ticket.id, ticket.sender_id, ticket.synced_until)
        body = await request.app[SERVICE_KEY].transcript(agent, ticket_id)
    except (NotFound, Forbidden) as exc:
        return _domain_error(exc)
    return web.json_response(body)


async def reveal(request: web.Request) -> web.Response:
    try:
        body = await request.app[SERVICE_KEY].transcript(
            current_agent(request), _ticket_id(request), reveal=True
        )
    except (NotFound, Forbidden) as exc:
        return _domain_error(exc)
    return web.json_response(body)


async def audit(request: web.Request) -> web.Response:
    try:
        entries = await request.app[SERVICE_KEY].audit_log(current_agent(request))
    except Forbidden as exc:
        return _domain_error(exc)
    return web.json_response({"entries": entries})


async def claim(request: web.Request) -> web.Response:
    agent = current_agent(request)
    try:
        ticket = await request.app[SERVICE_KEY].assign(agent, _ticket_id(request), agent)
    except (NotFound, Conflict) as exc:
        return _domain_error(exc)
    return web.json_response(
        {"ticket_id": ticket.id, "status": ticket.status, "assignee": agent.username}
    )


async def assign(request: web.Request) -> web.Response:
    agent, service = current_agent(request), request.app[SERVICE_KEY]
    body = await read_json(request)
    username = body.get("agent") if isinstance(body, dict) else None
    if not isinstance(username, str) or not username:
        return error_response(422, "invalid_request", "agent: the username to assign to")
    try:
        other = await request.app[ACCOUNTS_KEY].colleague(agent, username)
        ticket = await service.assign(agent, _ticket_id(request), other)
    except (NotFound, Conflict) as exc:
        return _domain_error(exc)
    return web.json_response(
        {"ticket_id": ticket.id, "status": ticket.status, "assignee": other.username}
    )


async def reply(request: web.Request) -> web.Response:
    agent, service = current_agent(request), request.app[SERVICE_KEY]
    body = await read_json(request)
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip() or len(text) > 2000:
        return error_response(422, "invalid_request", "text: 1 to 2000 characters")
    try:
        ticket = await service.require_open(agent, _ticket_id(request), owned=True)
        message_id = await send_reply(
            request.app, ticket.id, ticket.sender_id, text.strip(), agent.name
        )
    except (NotFound, Conflict, ConversationUnavailable) as exc:
        return _domain_error(exc)
    return web.json_response({"message_id": message_id}, status=201)


async def _close(request: web.Request, *, resolved: bool) -> web.Response:
    agent, service = current_agent(request), request.app[SERVICE_KEY]
    try:
        ticket = await service.require_open(agent, _ticket_id(request), owned=True)
        await finish(request.app, ticket.id, ticket.sender_id, resolved=resolved, agent=agent)
    except (NotFound, Conflict, ConversationUnavailable) as exc:
        return _domain_error(exc)
    return web.json_response(
        {"ticket_id": ticket.id, "status": "resolved" if resolved else "handed_back"}
    )


async def handback(request: web.Request) -> web.Response:
    return await _close(request, resolved=False)


async def resolve(request: web.Request) -> web.Response:
    return await _close(request, resolved=True)


async def canned(request: web.Request) -> web.Response:
    answers = [a.dict() for a in request.app[CONFIG_KEY].canned]
    return web.json_response({"answers": answers})


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


# ---- lifetime ----------------------------------------------------------------------------
async def _resources_ctx(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG_KEY]
    database = DeskDatabase(config.db_url)
    database.create_schema()
    masker = Masker(config.transcript_key)
    await masker.warm()  # before /health answers: the stack starts sending tickets then
    accounts = AgentAccounts(database, session_hours=config.session_hours)
    skipped = await accounts.seed_agents(config.agents, dict(os.environ))
    if skipped:
        logger.warning("agents without a password (cannot log in): %s", ", ".join(skipped))
    app[ACCOUNTS_KEY] = accounts
    app[SERVICE_KEY] = DeskService(database, masker)
    watch_queue(database, app[SERVICE_KEY].clock)
    if CONVERSATIONS_KEY not in app:
        app[CONVERSATIONS_KEY] = RasaConversations(config.rasa_url, config.rasa_token)
    if CONNECTOR_KEY not in app:
        app[CONNECTOR_KEY] = (
            ChatwootConnector(
                config.chatwoot_url,
                config.chatwoot_token,
                config.chatwoot_account_id,
                config.chatwoot_inbox_id,
            )
            if config.connector == Connector.chatwoot
            else ConsoleConnector()
        )
    app[TASKS_KEY].start(sync_forever(app, config.sync_interval_s), "desk-sync")
    try:
        yield
    finally:
        await app[CONNECTOR_KEY].close()
        conversations = app[CONVERSATIONS_KEY]
        if isinstance(conversations, RasaConversations):
            await conversations.close()
        database.close()


def create_app(
    config: DeskConfig,
    *,
    conversations: Conversations | None = None,
    connector: DeskConnector | None = None,
) -> web.Application:
    """Build the desk; tests may pass their own conversation bridge or connector."""
    app = web.Application(
        middlewares=[security_headers, error_middleware, access_middleware],
        client_max_size=config.max_body_bytes,
    )
    app[CONFIG_KEY] = config
    app[TASKS_KEY] = LifetimeTasks(app)  # before the cleanup contexts that start them
    if conversations is not None:
        app[CONVERSATIONS_KEY] = conversations
    if connector is not None:
        app[CONNECTOR_KEY] = connector
    make_url(config.db_url)  # a malformed URL fails here, at start
    app.router.add_get("/health", health)
    pages.setup(app)
    dashboard.setup(app)
    app.router.add_post("/api/bot/tickets", create_ticket)
    app.router.add_post("/api/bot/ratings", store_rating)
    app.router.add_get("/api/shopper/messages", shopper_messages)
    app.router.add_get("/api/agent/me", me)
    app.router.add_get("/api/agent/tickets", queue)
    app.router.add_get("/api/agent/canned", canned)
    app.router.add_get("/api/agent/colleagues", colleagues)
    app.router.add_get("/api/agent/audit", audit)
    app.router.add_get("/api/agent/tickets/{ticket_id}", ticket_detail)
    app.router.add_post("/api/agent/tickets/{ticket_id}/reveal", reveal)
    app.router.add_post("/api/agent/tickets/{ticket_id}/claim", claim)
    app.router.add_post("/api/agent/tickets/{ticket_id}/assign", assign)
    app.router.add_post("/api/agent/tickets/{ticket_id}/reply", reply)
    app.router.add_post("/api/agent/tickets/{ticket_id}/handback", handback)
    app.router.add_post("/api/agent/tickets/{ticket_id}/resolve", resolve)
    app.router.add_post("/connectors/chatwoot/webhook", chatwoot_webhook)
    app.cleanup_ctx.append(_resources_ctx)
    return app
