"""Application factory: routes, middlewares and the database's lifetime."""

from __future__ import annotations

import datetime as dt
import hmac
import logging
from collections.abc import AsyncIterator, Callable

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from commerce.api import OPENAPI_KEY, REPOSITORY_KEY, domain_error_response
from commerce.config import CommerceConfig
from commerce.db import Database
from commerce.errors import CommerceError
from commerce.notify import notifier_ctx
from commerce.openapi import build_openapi
from commerce.recommendations import (
    SERVICE_KEY,
    RecommendationService,
    load_merchant_policies,
    load_recommendation_policy,
)
from commerce.repository import CommerceRepository, utc_now
from commerce.requests import BadRequest
from commerce.routes import API_PREFIX, setup_routes
from recommender.config import RecommendationPolicy
from webkit.errors import error_middleware, error_response

logger = logging.getLogger(__name__)

CONFIG_KEY = web.AppKey("config", CommerceConfig)
DATABASE_KEY = web.AppKey("database", Database)
CLOCK_KEY: web.AppKey[Callable[[], dt.datetime]] = web.AppKey("clock")
POLICY_KEY = web.AppKey("recommendation_policy", RecommendationPolicy)
MERCHANT_POLICIES_KEY: web.AppKey[dict[str, RecommendationPolicy]] = web.AppKey(
    "merchant_recommendation_policies"
)


class SchemaMissing(RuntimeError):
    """The database has no commerce tables; the store was never seeded."""


@web.middleware
async def domain_error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Domain errors and bad requests become the status and code of `ERROR_ANSWERS`.

    Handlers raise; they never build error answers. It runs inside the shared
    `webkit.errors.error_middleware`, which answers everything else.
    """
    try:
        return await handler(request)
    except (BadRequest, CommerceError) as error:
        return domain_error_response(error)


def auth_middleware(token: str) -> Middleware:
    """Require `Authorization: Bearer <token>` on every `/api/v1` route.

    The comparison is constant-time so response timing does not leak the token.
    """
    expected = token.encode("utf-8")

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
            scheme, _, supplied = request.headers.get("Authorization", "").partition(" ")
            valid = scheme.lower() == "bearer" and hmac.compare_digest(
                supplied.strip().encode("utf-8"), expected
            )
            if not valid:
                return error_response(
                    401,
                    "unauthorized",
                    "A valid bearer token is required.",
                    {"WWW-Authenticate": 'Bearer realm="commerce"'},
                )
        return await handler(request)

    return middleware


async def _database_ctx(app: web.Application) -> AsyncIterator[None]:
    """Open the database for the app's lifetime and refuse to start on an unseeded one."""
    config = app[CONFIG_KEY]
    database = Database(config.db_url)
    try:
        if not database.has_schema():
            raise SchemaMissing(
                f"{config.db_url} has no commerce tables, or tables of an older version; "
                "run `python -m commerce.seed` first."
            )
        app[DATABASE_KEY] = database
        app[REPOSITORY_KEY] = CommerceRepository(database, clock=app[CLOCK_KEY])
        app[SERVICE_KEY] = RecommendationService(
            database,
            app[POLICY_KEY],
            config.cache_path,
            clock=app[CLOCK_KEY],
            merchant_policies=app[MERCHANT_POLICIES_KEY],
        )
        yield
    finally:
        database.close()


def create_app(
    config: CommerceConfig, *, clock: Callable[[], dt.datetime] = utc_now
) -> web.Application:
    """Build the service; the database opens on startup and closes on cleanup.

    Args:
        config: Validated settings (see `CommerceConfig.from_env`).
        clock: The time stamped on new returns, claims, payments and refunds (naive UTC);
            tests pin it to the seeded store's day.
    """
    app = web.Application(
        middlewares=[error_middleware, domain_error_middleware, auth_middleware(config.api_token)],
        client_max_size=config.max_body_bytes,
    )
    app[CONFIG_KEY] = config
    app[CLOCK_KEY] = clock
    # Read at build time, so a broken policy file stops the start instead of a request.
    app[POLICY_KEY] = load_recommendation_policy(config.merchant_policy)
    app[MERCHANT_POLICIES_KEY] = load_merchant_policies(config.merchant_policies)
    setup_routes(app)
    app[OPENAPI_KEY] = build_openapi(server_url=config.base_url)
    app.cleanup_ctx.append(_database_ctx)
    # Order news for proactive messages, when AFTERCARE_PROACTIVE_URL is set (commerce/notify.py)
    app.cleanup_ctx.append(notifier_ctx(config.db_url))
    return app
