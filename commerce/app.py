"""Application factory: routes, middlewares and the database's lifetime."""

from __future__ import annotations

import datetime as dt
import hmac
import logging
from collections.abc import AsyncIterator, Callable

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from commerce.api import (
    API_PREFIX,
    REPOSITORY_KEY,
    BadRequest,
    domain_error_response,
    error_response,
    setup_routes,
)
from commerce.config import CommerceConfig
from commerce.db import Database
from commerce.errors import CommerceError
from commerce.recommendations import (
    SERVICE_KEY,
    RecommendationService,
    load_merchant_policies,
    load_recommendation_policy,
    setup_recommendation_routes,
)
from commerce.repository import CommerceRepository, utc_now
from recommender.config import RecommendationPolicy

logger = logging.getLogger(__name__)

CONFIG_KEY = web.AppKey("config", CommerceConfig)
DATABASE_KEY = web.AppKey("database", Database)
CLOCK_KEY: web.AppKey[Callable[[], dt.datetime]] = web.AppKey("clock")
POLICY_KEY = web.AppKey("recommendation_policy", RecommendationPolicy)
MERCHANT_POLICIES_KEY: web.AppKey[dict[str, RecommendationPolicy]] = web.AppKey(
    "merchant_recommendation_policies"
)

_HTTP_ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    411: "length_required",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
}
# Headers of an aiohttp HTTPException that describe its own text body, not ours.
_BODY_HEADERS = {"content-type", "content-length"}


class SchemaMissing(RuntimeError):
    """The database has no commerce tables; the store was never seeded."""


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer every failure with the contract's JSON error body.

    Handlers raise; they never build error answers. Domain errors and bad requests become
    the status and code of `commerce.api.ERROR_ANSWERS`. aiohttp raises `HTTPException`s for
    unknown routes, wrong methods and oversized bodies; they become 4xx JSON. Anything else
    is a bug on our side: logged with its traceback and answered with a bare 500 that
    reveals nothing.
    """
    try:
        return await handler(request)
    except (BadRequest, CommerceError) as error:
        return domain_error_response(error)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _HTTP_ERROR_CODES.get(exc.status, "http_error")
        message = exc.reason if exc.status != 413 else "The request body is too large."
        headers = {k: v for k, v in exc.headers.items() if k.lower() not in _BODY_HEADERS}
        return error_response(exc.status, code, message, headers)
    except Exception:
        logger.exception("Unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", "Something went wrong on our side.")


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
        middlewares=[error_middleware, auth_middleware(config.api_token)],
        client_max_size=config.max_body_bytes,
    )
    app[CONFIG_KEY] = config
    app[CLOCK_KEY] = clock
    # Read at build time, so a broken policy file stops the start instead of a request.
    app[POLICY_KEY] = load_recommendation_policy(config.merchant_policy)
    app[MERCHANT_POLICIES_KEY] = load_merchant_policies(config.merchant_policies)
    setup_routes(app, server_url=config.base_url)
    setup_recommendation_routes(app)
    app.cleanup_ctx.append(_database_ctx)
    return app
