"""Prometheus metrics for every server: request latency, errors, and a ``/metrics`` page.

``guardrails.launch`` instruments each server it starts, so no server repeats this:

- the aiohttp services (backend, desk, proactive messages) through :func:`instrument_aiohttp`,
  applied to the app handed to ``web.run_app``;
- the Rasa server and the action server (Sanic) through :func:`instrument_sanic`, applied to
  the app Rasa or rasa_sdk builds.

Each server counts its requests by route pattern (``/orders/{order_id}``, never the id itself),
method and status. The page serves the process's whole registry, so the business counters a
server keeps (``stores/metrics.py`` in the Rasa server) appear beside them. It answers only
with ``Authorization: Bearer $METRICS_TOKEN``, compared in constant time; without the
variable the page does not exist (404): the counters are labelled by tenant, and a server's
port may be reachable from outside.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest

TOKEN_ENV = "METRICS_TOKEN"
PATH = "/metrics"
UNMATCHED = "unmatched"

REQUEST_SECONDS = Histogram(
    "aftercare_http_request_duration_seconds",
    "Time from a request's arrival to its response, by server, route pattern, method, status.",
    ["server", "route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
REQUEST_ERRORS = Counter(
    "aftercare_http_request_errors_total",
    "Requests answered with a 5xx status or an unhandled exception, by server and route.",
    ["server", "route"],
)


def observe(server: str, route: str, method: str, status: int, seconds: float) -> None:
    """Count one answered request."""
    REQUEST_SECONDS.labels(server, route, method, str(status)).observe(seconds)
    if status >= 500:
        REQUEST_ERRORS.labels(server, route).inc()


def page(authorization: str | None) -> tuple[int, bytes, str]:
    """Status, body and content type of the metrics page for this ``Authorization`` header."""
    token = os.environ.get(TOKEN_ENV, "")
    if not token:
        return 404, b"metrics are off: set METRICS_TOKEN\n", "text/plain"
    offered = (authorization or "").removeprefix("Bearer ").encode()
    if not hmac.compare_digest(offered, token.encode()):
        return 401, b"a bearer token is required\n", "text/plain"
    return 200, generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def instrument_aiohttp(app: web.Application, server: str) -> None:
    """Add the timing middleware and ``GET /metrics`` to an aiohttp app (before it starts)."""

    @web.middleware
    async def timing(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            observe(server, _aiohttp_route(request), request.method, status, _since(started))

    async def metrics(request: web.Request) -> web.Response:
        status, body, content_type = page(request.headers.get("Authorization"))
        return web.Response(status=status, body=body, headers={"Content-Type": content_type})

    app.middlewares.insert(0, timing)
    app.router.add_get(PATH, metrics)


def _aiohttp_route(request: web.Request) -> str:
    """The pattern of the route that served ``request``."""
    route = request.match_info.route
    resource = route.resource if route is not None else None
    return resource.canonical if resource is not None else UNMATCHED


def instrument_sanic(app: Any, server: str) -> None:
    """Add timing and ``GET /metrics`` to a Sanic app (the Rasa or action server's)."""
    from sanic import response as sanic_response

    async def start(request: Any) -> None:
        request.ctx.metrics_started = time.perf_counter()

    async def finish(request: Any, response: Any) -> None:
        started = getattr(request.ctx, "metrics_started", None)
        if started is not None:
            route = request.route.path if request.route is not None else UNMATCHED
            observe(
                server, "/" + route.lstrip("/"), request.method, response.status, _since(started)
            )

    async def metrics(request: Any) -> Any:
        status, body, content_type = page(request.headers.get("Authorization"))
        return sanic_response.raw(body, status=status, content_type=content_type)

    app.register_middleware(start, "request")
    app.register_middleware(finish, "response")
    app.add_route(metrics, PATH, methods=["GET"], name="aftercare_metrics")


def _since(started: float) -> float:
    return time.perf_counter() - started
