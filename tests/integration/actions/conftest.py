"""Fixtures: the real commerce backend, over real HTTP, on a seeded temporary SQLite store.

The demo store is seeded once per test session (seeding takes a few seconds); each test
module gets its own copy of it, only read by its tests, and every test gets its own server on
a free port in front of it, so no test shares a connection, a session or an event loop with
another. A test that changes orders asks for ``writable_backend``: a copy of the store of its
own, so the change cannot leak into another test.

The actions reach the backend the way the action server does: through ``client_from_env()``
and the ``COMMERCE_API_*`` environment variables, which ``live_backend``, ``writable_backend``
and ``backend_down`` set.
"""

from __future__ import annotations

import shutil
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
import yaml
from aiohttp import web
from aiohttp.test_utils import TestServer

from actions.services import commerce
from commerce.app import create_app
from commerce.config import CommerceConfig
from tests.conftest import ROOT, seed_store

TOKEN = "actions-integration-token"
SQLITE = "sqlite:///"


@dataclass(frozen=True)
class Store:
    """A seeded store and the sample orders the seeder printed for it (several per status)."""

    db_url: str
    samples: list[dict[str, str]]

    def sample(self, status: str, index: int = 0) -> dict[str, str]:
        """The ``index``-th most recent sample order in ``status``."""
        return [s for s in self.samples if s["status"] == status][index]

    def copy_to(self, folder: Path) -> Store:
        """The same store in a file of its own under ``folder`` (copying beats seeding again)."""
        source = Path(self.db_url.removeprefix(SQLITE))
        for path in source.parent.glob(source.name + "*"):  # the database and any journal
            shutil.copy(path, folder / path.name)
        return Store(f"{SQLITE}{folder / source.name}", self.samples)


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

    async def post_json(self, path: str, body: dict[str, Any], key: str) -> dict[str, Any]:
        """A change made directly, to build a case the seeded store does not have."""
        headers = {"Authorization": f"Bearer {self.token}", "Idempotency-Key": key}
        async with (
            aiohttp.ClientSession(headers=headers) as session,
            session.post(self.url + path, json=body) as response,
        ):
            assert response.status in (200, 201), await response.text()
            answer: dict[str, Any] = await response.json()
            return answer


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The demo store, seeded once; never served itself, only copied."""
    db_url = f"{SQLITE}{tmp_path_factory.mktemp('actions-seed') / 'commerce.db'}"
    return Store(db_url, seed_store(db_url))


@pytest.fixture(scope="module")
def store(seeded: Store, tmp_path_factory: pytest.TempPathFactory) -> Store:
    return seeded.copy_to(tmp_path_factory.mktemp("actions-store"))


@asynccontextmanager
async def serving(store: Store) -> AsyncIterator[Backend]:
    """The real commerce app on ``store``, on a free local port."""
    config = CommerceConfig(db_url=store.db_url, api_token=TOKEN)
    server = TestServer(create_app(config), host="127.0.0.1")
    await server.start_server()
    try:
        yield Backend(f"http://127.0.0.1:{server.port}", TOKEN)
    finally:
        await server.close()


@pytest_asyncio.fixture
async def backend(store: Store) -> AsyncIterator[Backend]:
    async with serving(store) as running:
        yield running


@pytest.fixture(scope="module")
def domain() -> dict[str, Any]:
    with (ROOT / "domain.yml").open(encoding="utf-8") as handle:
        parsed: dict[str, Any] = yaml.safe_load(handle)
    return parsed


@pytest_asyncio.fixture
async def fresh_commerce_client(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[None]:
    """Each test builds its own process-wide client (its session belongs to the test's loop)."""
    monkeypatch.setattr(commerce, "_client", None)
    for name in ("COMMERCE_TIMEOUT_S", "COMMERCE_RETRIES", "AFTERCARE_IDENTITY_SECRET"):
        monkeypatch.delenv(name, raising=False)
    yield
    client = commerce._client
    if isinstance(client, commerce.HttpCommerceClient):
        await client.close()
    monkeypatch.setattr(commerce, "_client", None)


def use_backend(monkeypatch: pytest.MonkeyPatch, backend: Backend) -> Backend:
    """Points the actions' client at ``backend``."""
    monkeypatch.setenv("COMMERCE_API_URL", backend.url)
    monkeypatch.setenv("COMMERCE_API_TOKEN", backend.token)
    return backend


@pytest.fixture
def live_backend(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> Backend:
    """The module's backend, only read by the test."""
    return use_backend(monkeypatch, backend)


@pytest_asyncio.fixture
async def writable_backend(
    seeded: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Backend]:
    """A backend on a store of the test's own, for a test that changes orders."""
    async with serving(seeded.copy_to(tmp_path)) as running:
        yield use_backend(monkeypatch, running)


@pytest.fixture
def backend_down(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMERCE_API_URL", closed_port_url())
    monkeypatch.setenv("COMMERCE_API_TOKEN", "whatever")


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
