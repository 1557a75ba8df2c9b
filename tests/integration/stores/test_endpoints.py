"""The real ``endpoints.yml`` in embedded and production mode, built by Rasa's own factories.

Every test sets the environment the way ``stack.settings.stack_env`` does (``stack/defaults.env``,
then overrides), loads ``endpoints.yml`` with Rasa's loader (which substitutes ``${VARS}``) and
builds the tracker store, lock store and event broker as ``rasa run`` does.

Production mode needs PostgreSQL, Redis and RabbitMQ (fixtures in ``conftest.py``).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

import aio_pika
import pytest
import redis
import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.brokers.file import FileEventBroker
from rasa.core.brokers.pika import PikaEventBroker
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from stores.locks import LeaseRedisLockStore
from tests.integration.stores.conftest import (
    DEFAULTS,
    QUEUES,
    RUN,
    LoadEndpoints,
    production_env,
)

pytestmark = pytest.mark.timeout(60)

# --- helpers ---------------------------------------------------------------------------------


def conversation(domain: Domain, sender_id: str, text: str) -> DialogueStateTracker:
    """A tracker as Rasa keeps it after a session start and one user message."""
    return DialogueStateTracker.from_events(
        sender_id,
        [
            ActionExecuted(ACTION_SESSION_START_NAME),
            SessionStarted(),
            ActionExecuted(ACTION_LISTEN_NAME),
            UserUttered(text, intent={"name": "order_status", "confidence": 0.97}),
        ],
        slots=domain.slots,
    )


def event_dicts(tracker: DialogueStateTracker | None) -> list[dict[str, Any]]:
    assert tracker is not None, "tracker not found in the store"
    return [event.as_dict() for event in tracker.events]


async def read_queue(
    channel: aio_pika.abc.AbstractChannel,
    name: str,
    sender_id: str,
    count: int,
    timeout: float = 10,
) -> list[dict[str, Any]]:
    """Take messages from ``name`` until ``count`` for ``sender_id`` arrived or time is up."""
    queue = await channel.declare_queue(name, durable=True, passive=True)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    found: list[dict[str, Any]] = []
    while len(found) < count and loop.time() < deadline:
        message = await queue.get(no_ack=True, fail=False)
        if message is None:
            await asyncio.sleep(0.05)
            continue
        body = json.loads(message.body)
        if body.get("sender_id") == sender_id:
            found.append(body)
    return found


# --- (a) embedded default --------------------------------------------------------------------


async def test_embedded_default_needs_no_server(
    load_endpoints: LoadEndpoints, domain: Domain, tmp_path: Path
) -> None:
    assert DEFAULTS["TRACKER_STORE_URL"].startswith("sqlite:///")
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    log = tmp_path / "events.log"
    endpoints = load_endpoints({"TRACKER_STORE_URL": url, "EVENT_BROKER_URL": str(log)})

    # the stream goes to a file the desk's analytics follow (docs/analytics.md): no server
    broker = await EventBroker.create(endpoints.event_broker)
    assert isinstance(broker, FileEventBroker)
    assert DEFAULTS["EVENT_BROKER"] == "file"
    lock_store = LockStore.create(endpoints.lock_store)
    assert isinstance(lock_store, InMemoryLockStore)
    store = TrackerStore.create(endpoints.tracker_store, domain=domain, event_broker=broker)
    assert isinstance(store, SQLTrackerStore)
    assert store.engine.url.drivername == "sqlite"
    assert store.engine.url.database == str(tmp_path / "tracker.db")

    sender_id = f"{RUN}-embedded"
    tracker = conversation(domain, sender_id, "where is my order?")
    await store.save(tracker)

    assert event_dicts(await store.retrieve_full_tracker(sender_id)) == event_dicts(tracker)
    retrieved = await store.retrieve(sender_id)  # what Rasa loads each turn: the latest session
    assert retrieved is not None and retrieved.latest_message is not None
    assert retrieved.events[0] == SessionStarted(timestamp=tracker.events[1].timestamp)
    assert retrieved.latest_message.text == "where is my order?"
    assert retrieved.latest_message.intent["name"] == "order_status"
    assert (tmp_path / "tracker.db").stat().st_size > 0
    assert len(log.read_text().splitlines()) == len(tracker.events)  # each event streamed
    store.engine.dispose()


# --- (b) production mode ---------------------------------------------------------------------


async def test_production_tracker_store_is_shared_by_instances(
    load_endpoints: LoadEndpoints, domain: Domain, postgres_url: str
) -> None:
    endpoints = load_endpoints(production_env(postgres_url))
    assert endpoints.tracker_store.url == postgres_url

    # Two Rasa instances: each builds its own store (own engine, own connections).
    first = TrackerStore.create(endpoints.tracker_store, domain=domain)
    second = TrackerStore.create(endpoints.tracker_store, domain=domain)
    try:
        assert isinstance(first, SQLTrackerStore) and isinstance(second, SQLTrackerStore)
        assert first.engine.dialect.name == "postgresql"
        assert first.engine.url.database == RUN
        assert first.engine is not second.engine

        sender_id = f"{RUN}-shared"
        tracker = conversation(domain, sender_id, "where is AC-104233?")
        await first.save(tracker)

        full = await second.retrieve_full_tracker(sender_id)
        assert event_dicts(full) == event_dicts(tracker)
        assert sender_id in await second.keys()

        # The second instance takes the next turn (loading the conversation as Rasa does);
        # the first instance then sees its answer.
        turn = await second.retrieve(sender_id)
        assert turn is not None
        turn.update(BotUttered("Order AC-104233 is in transit."))
        await second.save(turn)
        latest = await first.retrieve_full_tracker(sender_id)
        assert event_dicts(latest) == [*event_dicts(tracker), *event_dicts(turn)[-1:]]

        with first.engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": sender_id}
            ).scalar()
        assert rows == len(tracker.events) + 1
    finally:
        first.engine.dispose()
        second.engine.dispose()


async def test_production_lock_store_is_shared_by_instances(
    load_endpoints: LoadEndpoints, redis_client: redis.Redis
) -> None:
    # Only the lock store is built here, so the tracker store URL is never opened.
    endpoints = load_endpoints(production_env(DEFAULTS["TRACKER_STORE_URL"]))
    first = LockStore.create(endpoints.lock_store)
    second = LockStore.create(endpoints.lock_store)
    assert isinstance(first, LeaseRedisLockStore) and isinstance(second, LeaseRedisLockStore)
    assert isinstance(first, RedisLockStore)  # so Rasa allows several Sanic workers with it
    assert first.red is not second.red
    # LOCK_STORE_KEY_PREFIX: deployments sharing one Redis keep their locks apart
    assert first.key_prefix == f"{DEFAULTS['LOCK_STORE_KEY_PREFIX']}:lock:"

    conversation_id = f"{RUN}-locked"
    order: list[str] = []
    first_holds, release_first = asyncio.Event(), asyncio.Event()

    async def first_instance() -> None:
        async with first.lock(conversation_id, lock_lifetime=10, wait_time_in_seconds=0.05):
            order.append("first acquired")
            first_holds.set()
            await release_first.wait()
            order.append("first released")

    async def second_instance() -> None:
        await first_holds.wait()
        async with second.lock(conversation_id, lock_lifetime=10, wait_time_in_seconds=0.05):
            order.append("second acquired")

    tasks = [asyncio.create_task(first_instance()), asyncio.create_task(second_instance())]
    await first_holds.wait()
    await asyncio.sleep(0.3)

    # The second instance sees the first one's place through Redis and waits behind it.
    assert order == ["first acquired"]
    queue = first.queue_key(conversation_id)
    assert queue.startswith(first.key_prefix) and queue == second.queue_key(conversation_id)
    assert redis_client.llen(queue) == 2

    release_first.set()
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=5)
    assert order == ["first acquired", "first released", "second acquired"]
    assert not redis_client.exists(queue)


async def test_production_broker_publishes_saved_events(
    load_endpoints: LoadEndpoints,
    domain: Domain,
    postgres_url: str,
    rabbit_channel: aio_pika.abc.AbstractChannel,
) -> None:
    endpoints = load_endpoints(production_env(postgres_url))
    broker = await EventBroker.create(endpoints.event_broker)
    store = None
    try:
        assert isinstance(broker, PikaEventBroker)
        assert broker.is_ready()
        assert list(broker.queues) == list(QUEUES)
        store = TrackerStore.create(endpoints.tracker_store, domain=domain, event_broker=broker)

        sender_id = f"{RUN}-published"
        tracker = conversation(domain, sender_id, "has my parcel shipped?")
        await store.save(tracker)
        expected = sorted(event_dicts(tracker), key=json.dumps)

        for queue in QUEUES:  # comma-separated EVENT_BROKER_QUEUES: every queue gets them
            published = await read_queue(rabbit_channel, queue, sender_id, len(expected))
            for body in published:
                assert body.pop("sender_id") == sender_id
            assert sorted(published, key=json.dumps) == expected, queue

        # The next turn (loaded from the store as Rasa does) publishes only its new event.
        turn = await store.retrieve(sender_id)
        assert turn is not None
        turn.update(BotUttered("It left the warehouse today."))
        await store.save(turn)
        published = await read_queue(rabbit_channel, QUEUES[0], sender_id, 2, timeout=1.5)
        assert [(b["event"], b.get("text")) for b in published] == [
            ("bot", "It left the warehouse today.")
        ]
    finally:
        if store is not None:
            store.engine.dispose()
        if broker is not None:
            await broker.close()
    assert not broker.is_ready()


# --- (c) broker selection --------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["none", "", "off"])
async def test_no_broker(load_endpoints: LoadEndpoints, backend: str) -> None:
    endpoints = load_endpoints({"EVENT_BROKER": backend})
    assert endpoints.event_broker is not None
    assert endpoints.event_broker.type == "stores.brokers.SelectableEventBroker"
    assert await EventBroker.create(endpoints.event_broker) is None


async def test_when_backend_is_misspelt_then_the_server_refuses_to_start(
    load_endpoints: LoadEndpoints,
) -> None:
    endpoints = load_endpoints({"EVENT_BROKER": "rabbitmq"})
    with pytest.raises(ValueError, match="unknown EVENT_BROKER 'rabbitmq'"):
        await EventBroker.create(endpoints.event_broker)


async def test_when_pika_has_no_url_then_the_server_refuses_to_start(
    load_endpoints: LoadEndpoints,
) -> None:
    endpoints = load_endpoints({"EVENT_BROKER": "pika"})
    with pytest.raises(ValueError, match="EVENT_BROKER_URL"):
        await EventBroker.create(endpoints.event_broker)


async def test_sql_broker_records_events_in_its_database(
    load_endpoints: LoadEndpoints, tmp_path: Path
) -> None:
    endpoints = load_endpoints(
        {"EVENT_BROKER": "sql", "EVENT_BROKER_URL": f"sqlite:///{tmp_path / 'events.db'}"}
    )
    broker = await EventBroker.create(endpoints.event_broker)
    assert broker is not None
    broker.publish({"event": "user", "sender_id": "s1", "text": "hi", "timestamp": 1.0})
    await broker.close()
    rows = sqlite3.connect(tmp_path / "events.db").execute("select data from events").fetchall()
    assert any('"text": "hi"' in r[0] for r in rows)


async def test_file_broker_writes_to_the_configured_path(
    load_endpoints: LoadEndpoints, tmp_path: Path
) -> None:
    target = tmp_path / "events.log"
    endpoints = load_endpoints({"EVENT_BROKER": "file", "EVENT_BROKER_URL": str(target)})
    broker = await EventBroker.create(endpoints.event_broker)
    assert broker is not None
    broker.publish({"event": "user", "sender_id": "s1", "text": "hi"})
    await broker.close()
    assert '"text": "hi"' in target.read_text()
