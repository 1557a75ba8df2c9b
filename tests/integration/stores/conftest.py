"""Services shared by the store tests: PostgreSQL, Redis, RabbitMQ and the real ``endpoints.yml``.

Production mode needs PostgreSQL (127.0.0.1:5432, trust auth, role root or postgres), Redis
(127.0.0.1:6379) and RabbitMQ (127.0.0.1:5672, guest/guest). A missing service fails the test
with a message naming it; nothing is skipped. Each run uses its own database, queues and Redis
keys (all named after ``RUN``) and removes them afterwards.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import aio_pika
import pytest
import redis
from rasa.core.tracker_store import TrackerStore
from rasa.core.utils import AvailableEndpoints, read_endpoints_from_path
from rasa.shared.core.domain import Domain

from stack.settings import DEFAULTS_FILE, ROOT, read_env_file, stack_env
from stores.tracker import ScrubbingTrackerStore
from tests.postgres import fresh_database

ENDPOINTS = ROOT / "endpoints.yml"
DEFAULTS = read_env_file(DEFAULTS_FILE)
RUN = f"aftercare_it_{uuid.uuid4().hex[:10]}"  # database, queue and conversation names

PG_HOST, PG_PORT, PG_ROLES = "127.0.0.1", 5432, ("root", "postgres")
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
RABBIT_HOST, RABBIT_PORT, RABBIT_USER, RABBIT_PASSWORD = "127.0.0.1", 5672, "guest", "guest"
QUEUES = (f"{RUN}_events", f"{RUN}_analytics")

LoadEndpoints = Callable[[dict[str, str]], AvailableEndpoints]


# --- environment and services ----------------------------------------------------------------


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture
def load_endpoints(monkeypatch: pytest.MonkeyPatch) -> LoadEndpoints:
    """Set the stack's environment (defaults, then ``overrides``) and read ``endpoints.yml``.

    Variables of ``defaults.env`` already set in the calling shell are cleared first, so each
    test sees exactly the defaults plus its overrides.
    """

    def load(overrides: dict[str, str]) -> AvailableEndpoints:
        for key in DEFAULTS:
            monkeypatch.delenv(key, raising=False)
        env = stack_env(overrides)
        for key in DEFAULTS.keys() | overrides.keys():
            monkeypatch.setenv(key, env[key])
        return read_endpoints_from_path(ENDPOINTS)

    return load


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this run (dropped afterwards), as a SQLAlchemy URL."""
    with fresh_database(RUN) as url:
        yield url


@pytest.fixture(scope="module")
def redis_client() -> Iterator[redis.Redis]:
    """A client on the lock store's Redis database; deletes this run's keys afterwards."""
    client = redis.Redis(
        host=REDIS_HOST,
        port=REDIS_PORT,
        db=int(DEFAULTS["LOCK_STORE_DB"]),
        socket_timeout=3,
        socket_connect_timeout=3,
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(
            f"Redis at {REDIS_HOST}:{REDIS_PORT} is needed for production mode: {exc}",
            pytrace=False,
        )
    try:
        yield client
    finally:
        for key in client.scan_iter(match=f"*{RUN}*"):
            client.delete(key)
        client.close()


@pytest.fixture
async def rabbit_channel() -> AsyncIterator[aio_pika.abc.AbstractChannel]:
    """A channel on RabbitMQ for reading this run's queues; deletes them afterwards."""
    try:
        connection = await asyncio.wait_for(
            aio_pika.connect(
                host=RABBIT_HOST, port=RABBIT_PORT, login=RABBIT_USER, password=RABBIT_PASSWORD
            ),
            timeout=5,
        )
    except Exception as exc:
        pytest.fail(
            f"RabbitMQ at {RABBIT_HOST}:{RABBIT_PORT} ({RABBIT_USER}) is needed for production "
            f"mode: {exc!r}",
            pytrace=False,
        )
    try:
        channel = await connection.channel()
        yield channel
        for queue in QUEUES:
            await channel.queue_delete(queue)
    finally:
        await connection.close()


def production_env(postgres_url: str) -> dict[str, str]:
    """The overrides that switch ``endpoints.yml`` to PostgreSQL, Redis and RabbitMQ."""
    return {
        "TRACKER_STORE_URL": postgres_url,
        "LOCK_STORE_TYPE": "redis",
        "LOCK_STORE_URL": REDIS_HOST,
        "LOCK_STORE_PORT": str(REDIS_PORT),
        "EVENT_BROKER": "pika",
        "EVENT_BROKER_URL": RABBIT_HOST,
        "EVENT_BROKER_USERNAME": RABBIT_USER,
        "EVENT_BROKER_PASSWORD": RABBIT_PASSWORD,
        "EVENT_BROKER_QUEUES": ",".join(QUEUES),
    }


# --- the tracker store ---------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def store(
    request: pytest.FixtureRequest,
    domain: Domain,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[ScrubbingTrackerStore]:
    """The project's tracker store from the real ``endpoints.yml``, on SQLite and PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'tracker.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    for key, value in stack_env({"TRACKER_STORE_URL": url, "EVENT_BROKER": "none"}).items():
        monkeypatch.setenv(key, value)
    built = TrackerStore.create(read_endpoints_from_path(ENDPOINTS).tracker_store, domain=domain)
    assert isinstance(built, ScrubbingTrackerStore)
    yield built
    built.engine.dispose()
