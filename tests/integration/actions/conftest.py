"""Fixtures: the real commerce backend, over real HTTP, on a seeded temporary SQLite store.

The demo store is seeded once per test module (seeding takes about a second and a half) and
only read by these tests; every test gets its own server on a free port in front of it, so
no test shares a connection, a session or an event loop with another.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer

from commerce.app import create_app
from commerce.config import CommerceConfig
from tests.conftest import seed_store

TOKEN = "actions-integration-token"


@dataclass(frozen=True)
class Store:
    """A seeded store and the sample orders the seeder printed for it (several per status)."""

    db_url: str
    samples: list[dict[str, str]]

    def sample(self, status: str, index: int = 0) -> dict[str, str]:
        """The ``index``-th most recent sample order in ``status``."""
        return [s for s in self.samples if s["status"] == status][index]


@dataclass(frozen=True)
class Backend:
    """A running commerce backend and the means to ask it directly."""

    url: str
    token: str

    async def get_json(self, path: str) -> dict[str, Any]:
        """The backend's own answer, to compare what the assistant says with."""
        headers = {"Authorization": f"Bearer {self.token}"}
        async with (
            aiohttp.ClientSession(headers=headers) as session,
            session.get(self.url + path) as response,
        ):
            assert response.status == 200, await response.text()
            body: dict[str, Any] = await response.json()
            return body


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    db_url = f"sqlite:///{tmp_path_factory.mktemp('actions-store') / 'commerce.db'}"
    return Store(db_url, seed_store(db_url))


@pytest_asyncio.fixture
async def backend(store: Store) -> AsyncIterator[Backend]:
    config = CommerceConfig(db_url=store.db_url, api_token=TOKEN)
    server = TestServer(create_app(config), host="127.0.0.1")
    await server.start_server()
    try:
        yield Backend(f"http://127.0.0.1:{server.port}", TOKEN)
    finally:
        await server.close()


def closed_port_url() -> str:
    """The URL of a local port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@asynccontextmanager
async def stand_in(
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
) -> AsyncIterator[str]:
    """A tiny local HTTP server answering every request with ``handler``; yields its URL."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        await server.close()
