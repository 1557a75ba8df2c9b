"""Every aiohttp server times its requests by route pattern and guards its /metrics page."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from prometheus_client import REGISTRY

from webkit.metrics import TOKEN_ENV, instrument_aiohttp

TOKEN = "a-metrics-token"


async def order(request: web.Request) -> web.Response:
    return web.json_response({"order": request.match_info["order_id"]})


async def broken(request: web.Request) -> web.Response:
    raise RuntimeError("the handler fails")


@pytest.fixture
async def server(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[TestServer]:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    app = web.Application()
    app.router.add_get("/orders/{order_id}", order)
    app.router.add_get("/broken", broken)
    instrument_aiohttp(app, "unit-test")
    async with TestServer(app) as running:
        yield running


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def get(server: TestServer, path: str, token: str | None = None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        aiohttp.ClientSession() as session,
        session.get(server.make_url(path), headers=headers) as response,
    ):
        return response.status, await response.text()


async def test_requests_are_counted_by_route_pattern_never_by_the_id(server: TestServer) -> None:
    labels = {
        "server": "unit-test",
        "route": "/orders/{order_id}",
        "method": "GET",
        "status": "200",
    }
    before = sample("aftercare_http_request_duration_seconds_count", **labels)
    assert (await get(server, "/orders/A-1001"))[0] == 200
    assert (await get(server, "/orders/A-1002"))[0] == 200
    assert sample("aftercare_http_request_duration_seconds_count", **labels) == before + 2
    status, page = await get(server, "/metrics", TOKEN)
    assert status == 200
    assert 'route="/orders/{order_id}"' in page
    assert "A-1001" not in page


async def test_a_failing_handler_counts_as_an_error(server: TestServer) -> None:
    before = sample("aftercare_http_request_errors_total", server="unit-test", route="/broken")
    assert (await get(server, "/broken"))[0] == 500
    assert sample("aftercare_http_request_errors_total", server="unit-test", route="/broken") == (
        before + 1
    )


async def test_an_unknown_path_is_counted_as_unmatched(server: TestServer) -> None:
    labels = {"server": "unit-test", "route": "unmatched", "method": "GET", "status": "404"}
    before = sample("aftercare_http_request_duration_seconds_count", **labels)
    assert (await get(server, "/no/such/page/with-an-id-123"))[0] == 404
    assert sample("aftercare_http_request_duration_seconds_count", **labels) == before + 1


async def test_the_page_refuses_a_missing_or_wrong_token(server: TestServer) -> None:
    assert (await get(server, "/metrics"))[0] == 401
    assert (await get(server, "/metrics", "not-the-token"))[0] == 401


async def test_without_a_configured_token_the_page_does_not_exist(
    server: TestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(TOKEN_ENV)
    status, body = await get(server, "/metrics", TOKEN)
    assert status == 404
    assert "METRICS_TOKEN" in body
