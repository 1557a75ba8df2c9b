"""Access lines name the route, never what the caller put in the path or the query."""

from __future__ import annotations

import logging

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from aiohttp.web_urldispatcher import UrlMappingMatchInfo

from guardrails.logs import ALREADY_SCRUBBED
from webkit.access import ACCESS_LOGGER, RouteAccessLogger


async def _ok(request: web.Request) -> web.Response:
    return web.Response()


def test_an_access_line_has_the_route_template_not_the_values(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = web.Application()
    route = app.router.add_get("/api/v1/customers/{customer_id}/orders", _ok)
    request = make_mocked_request("GET", "/api/v1/customers/C-00042/orders?email=ann%40example.com")
    request._match_info = UrlMappingMatchInfo({"customer_id": "C-00042"}, route)
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        RouteAccessLogger(logging.getLogger(ACCESS_LOGGER), "").log(
            request, web.Response(status=404), 0.0031
        )
    line = caplog.records[-1].getMessage()
    assert line == "GET /api/v1/customers/{customer_id}/orders 404 3.1 ms"
    assert "C-00042" not in line and "example.com" not in line


def test_a_request_refused_before_routing_is_logged_without_a_route(
    caplog: pytest.LogCaptureFixture,
) -> None:
    request = make_mocked_request("GET", "/anything?email=ann%40example.com")
    request._match_info = None
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        RouteAccessLogger(logging.getLogger(ACCESS_LOGGER), "").log(
            request, web.Response(status=400), 0.001
        )
    assert caplog.records[-1].getMessage() == "GET (no route) 400 1.0 ms"


def test_access_lines_skip_the_pii_scrubber_because_they_hold_nothing_to_scrub() -> None:
    assert ACCESS_LOGGER in ALREADY_SCRUBBED
