"""The desk client turns every way the desk can fail into DeskUnavailable (the apology path)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer

from actions.services.desk import DeskUnavailable, Handoff, HttpDeskClient
from stack.isolated import free_port

HANDOFF = Handoff(
    merchant="demo",
    sender_id="shopper",
    channel="rest",
    reason="asked_for_person",
    priority=30,
    after_hours=False,
    summary={},
)


@pytest_asyncio.fixture
async def slow_desk() -> AsyncIterator[str]:
    """A desk that takes far longer than the client waits."""

    async def never_in_time(request: web.Request) -> web.Response:
        await asyncio.sleep(10)
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/api/bot/tickets", never_in_time)
    server = TestServer(app)
    await server.start_server()
    yield str(server.make_url(""))
    await server.close()


async def test_when_the_desk_is_slow_then_the_handoff_fails_fast(slow_desk: str) -> None:
    client = HttpDeskClient(slow_desk, "token", timeout_s=0.3)
    started = time.monotonic()
    with pytest.raises(DeskUnavailable):
        await client.open_ticket(HANDOFF)
    assert time.monotonic() - started < 5  # its 0.3 s, not the 5 s default nor the desk's 10 s
    await client.close()


async def test_when_the_desk_is_down_then_the_handoff_fails_fast() -> None:
    client = HttpDeskClient(f"http://127.0.0.1:{free_port()}", "token", timeout_s=0.3)
    with pytest.raises(DeskUnavailable):
        await client.open_ticket(HANDOFF)
    await client.close()
