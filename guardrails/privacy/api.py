"""The privacy admin API: export and delete one shopper's data, run the retention job.

A small aiohttp app (``python -m guardrails.privacy serve``) for the merchant's back office.
Every request needs ``Authorization: Bearer $AFTERCARE_PRIVACY_TOKEN``; a missing or wrong
token gets 401, a malformed request 400 with the reason, an unknown shopper 404.

    GET    /privacy/v1/conversations/{sender_id}     export one conversation
    DELETE /privacy/v1/conversations/{sender_id}     delete it from every store
    GET    /privacy/v1/customers/{customer_id}       export every conversation of a customer
    DELETE /privacy/v1/customers/{customer_id}       delete them all
    POST   /privacy/v1/retention/purge               {"older_than_days": n} (default: config)
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from guardrails.pii import get_scrubber
from guardrails.privacy.service import ErasureIncomplete, PrivacyStores, UnknownShopper

STORES: web.AppKey[PrivacyStores] = web.AppKey("stores", PrivacyStores)
TOKEN: web.AppKey[str] = web.AppKey("token", str)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MAX_ID_LENGTH = 255  # the tracker store's sender_id column


def _error(status: type[web.HTTPException], reason: str) -> web.HTTPException:
    return status(text=f'{{"error": "{reason}"}}', content_type="application/json")


@web.middleware
async def require_token(request: web.Request, handler: Handler) -> web.StreamResponse:
    """401 unless the bearer token matches (compared in constant time)."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    expected = request.app[TOKEN]
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), expected.encode()):
        raise _error(web.HTTPUnauthorized, "a valid bearer token is required")
    return await handler(request)


@web.middleware
async def incomplete_erasure(request: web.Request, handler: Handler) -> web.StreamResponse:
    """503 naming the stores an erasure could not reach: asked again, it finishes."""
    try:
        return await handler(request)
    except ErasureIncomplete as exc:
        reason = f"not every store could be erased, try again: {exc}"
        raise _error(web.HTTPServiceUnavailable, reason) from exc


def _id(request: web.Request, name: str) -> str:
    value = request.match_info[name]
    if not value.strip() or len(value) > MAX_ID_LENGTH:
        raise _error(web.HTTPBadRequest, f"{name} must be 1 to {MAX_ID_LENGTH} characters")
    return value


def _senders(request: web.Request) -> list[str]:
    stores = request.app[STORES]
    if "customer_id" in request.match_info:
        senders = stores.sender_ids_for_customer(_id(request, "customer_id"))
        if not senders:
            raise _error(web.HTTPNotFound, "no conversation is stored for this customer")
        return senders
    return [_id(request, "sender_id")]


async def export(request: web.Request) -> web.Response:
    """Everything stored about the shopper, as JSON."""
    try:
        data = request.app[STORES].export(_senders(request))
    except UnknownShopper as exc:
        raise _error(web.HTTPNotFound, str(exc)) from exc
    return web.json_response({"conversations": data})


async def delete(request: web.Request) -> web.Response:
    """Delete the shopper's conversations from every store; what was removed where."""
    senders = _senders(request)
    report = request.app[STORES].delete(senders)
    if not any(report.values()):
        raise _error(web.HTTPNotFound, "nothing is stored for this shopper")
    return web.json_response({"deleted": senders, "removed": report})


async def purge(request: web.Request) -> web.Response:
    """The retention job on demand: delete conversations older than the given days."""
    body: Any = {}
    if request.can_read_body:
        try:
            body = await request.json()
        except ValueError as exc:
            raise _error(web.HTTPBadRequest, "the body must be JSON") from exc
    if not isinstance(body, dict):
        raise _error(web.HTTPBadRequest, "the body must be a JSON object")
    days = body.get("older_than_days", get_scrubber().config.retention_days)
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        raise _error(web.HTTPBadRequest, "older_than_days must be a whole number of days >= 1")
    expired, report = request.app[STORES].purge(days)
    return web.json_response({"deleted": expired, "removed": report})


def create_app(stores: PrivacyStores, token: str) -> web.Application:
    """The app; refuses to be built without a token (fails closed)."""
    if not token:
        raise ValueError("AFTERCARE_PRIVACY_TOKEN is not set: the privacy API needs a token")
    app = web.Application(middlewares=[require_token, incomplete_erasure])
    app[STORES] = stores
    app[TOKEN] = token
    app.router.add_get("/privacy/v1/conversations/{sender_id}", export)
    app.router.add_delete("/privacy/v1/conversations/{sender_id}", delete)
    app.router.add_get("/privacy/v1/customers/{customer_id}", export)
    app.router.add_delete("/privacy/v1/customers/{customer_id}", delete)
    app.router.add_post("/privacy/v1/retention/purge", purge)
    return app
