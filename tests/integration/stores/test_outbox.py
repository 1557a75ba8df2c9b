"""The event stream through the outbox: what PostgreSQL stores is what RabbitMQ receives.

Real PostgreSQL, RabbitMQ and the real ``endpoints.yml`` (fixtures in ``conftest.py``): a
database and queues of this run's own, removed afterwards.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import pytest
import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from sqlalchemy.engine import Engine

from stores.brokers import ConfirmingPikaEventBroker
from stores.outbox import OUTBOX, OutboxRelay, backlog, create_outbox, outbox_rows
from stores.tracker import ScrubbingTrackerStore
from tests.integration.stores.conftest import QUEUES, RUN, LoadEndpoints, production_env
from tests.integration.stores.test_tracker import PLANTED, shopper_turns

pytestmark = pytest.mark.timeout(60)


async def production_store(
    load_endpoints: LoadEndpoints, domain: Domain, postgres_url: str
) -> ScrubbingTrackerStore:
    """A tracker store and broker as one production Rasa instance builds them."""
    endpoints = load_endpoints(production_env(postgres_url))
    broker = await EventBroker.create(endpoints.event_broker)
    assert isinstance(broker, ConfirmingPikaEventBroker)
    store = TrackerStore.create(endpoints.tracker_store, domain=domain, event_broker=broker)
    assert isinstance(store, ScrubbingTrackerStore) and store.relay is not None
    return store


async def shut(store: ScrubbingTrackerStore) -> None:
    assert store.relay is not None
    await store.relay.stop()
    assert store.event_broker is not None
    await store.event_broker.close()
    store.engine.dispose()


@pytest.fixture
async def stores() -> AsyncIterator[list[ScrubbingTrackerStore]]:
    """Stores a test builds; their relays, brokers and engines are closed afterwards."""
    built: list[ScrubbingTrackerStore] = []
    yield built
    for store in built:
        await shut(store)


async def drain_queue(
    channel: aio_pika.abc.AbstractChannel, name: str, sender_id: str, count: int
) -> list[aio_pika.abc.AbstractIncomingMessage]:
    """Messages of ``sender_id`` from queue ``name`` until ``count`` arrived (10 s at most)."""
    queue = await channel.declare_queue(name, durable=True, passive=True)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    found: list[aio_pika.abc.AbstractIncomingMessage] = []
    while len(found) < count and loop.time() < deadline:
        message = await queue.get(no_ack=True, fail=False)
        if message is None:
            await asyncio.sleep(0.05)
        elif json.loads(message.body).get("sender_id") == sender_id:
            found.append(message)
    return found


def stored_order(store: ScrubbingTrackerStore, sender_id: str) -> list[tuple[str, float]]:
    with store.engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT type_name, timestamp FROM events WHERE sender_id = :s ORDER BY id"),
            {"s": sender_id},
        ).all()
    return [(str(kind), float(stamp)) for kind, stamp in rows]


async def test_a_saved_conversation_reaches_the_stream_scrubbed_in_order_once(
    load_endpoints: LoadEndpoints,
    domain: Domain,
    postgres_url: str,
    rabbit_channel: aio_pika.abc.AbstractChannel,
    stores: list[ScrubbingTrackerStore],
) -> None:
    store = await production_store(load_endpoints, domain, postgres_url)
    stores.append(store)
    sender_id = f"{RUN}-outbox"
    await store.save(shopper_turns(domain, sender_id))

    for queue in QUEUES:
        messages = await drain_queue(rabbit_channel, queue, sender_id, 11)
        bodies = [json.loads(m.body) for m in messages]
        assert [(b["event"], b["timestamp"]) for b in bodies] == stored_order(store, sender_id)
        stream = "\n".join(m.body.decode() for m in messages)
        for value in PLANTED:
            assert value not in stream, value
        assert "fernet:" not in stream  # the store encrypts these slots; the stream scrubs them
        slots = {b["name"]: b["value"] for b in bodies if b["event"] == "slot"}
        assert slots["new_address"] == "<STREET_ADDRESS>"
        assert slots["order_id"] == "AC-104233"
        ids = [m.message_id for m in messages]
        assert len(set(ids)) == 11 and all(i and i.isdigit() for i in ids)
    assert backlog(store.engine) == 0


async def test_when_rabbitmq_is_down_the_turn_is_stored_and_another_instance_streams_it(
    load_endpoints: LoadEndpoints,
    domain: Domain,
    postgres_url: str,
    rabbit_channel: aio_pika.abc.AbstractChannel,
    stores: list[ScrubbingTrackerStore],
) -> None:
    first = await production_store(load_endpoints, domain, postgres_url)
    stores.append(first)
    assert first.event_broker is not None
    await first.event_broker.close()  # this instance has lost RabbitMQ
    sender_id = f"{RUN}-broker-down"
    await first.save(shopper_turns(domain, sender_id))

    assert len(stored_order(first, sender_id)) == 11  # the conversation is stored regardless
    await asyncio.sleep(1.5)  # the relay has tried and failed at least once
    assert backlog(first.engine) == 11

    second = await production_store(load_endpoints, domain, postgres_url)
    stores.append(second)  # its relay finds the rows the first one could not publish
    messages = await drain_queue(rabbit_channel, QUEUES[0], sender_id, 11)
    assert [(json.loads(m.body)["event"], json.loads(m.body)["timestamp"]) for m in messages] == (
        stored_order(first, sender_id)
    )
    assert backlog(second.engine) == 0


def outbox_holding(postgres_url: str, rows: int) -> Engine:
    """The database with an outbox of exactly ``rows`` bot events numbered from 0."""
    engine = sa.create_engine(postgres_url)
    create_outbox(engine)
    with engine.begin() as connection:
        connection.execute(OUTBOX.delete())
        events = [{"event": "bot", "n": n} for n in range(rows)]
        connection.execute(OUTBOX.insert(), outbox_rows("s", events))
    return engine


async def test_on_postgresql_one_relay_publishes_at_a_time(postgres_url: str) -> None:
    engine = outbox_holding(postgres_url, 5)
    in_flight, release = asyncio.Event(), asyncio.Event()
    delivered: list[list[str]] = []

    async def slow(messages: Any) -> None:
        in_flight.set()
        await release.wait()
        delivered.append([body["n"] for _, body in messages])

    async def fast(messages: Any) -> None:
        delivered.append([body["n"] for _, body in messages])

    first = asyncio.create_task(OutboxRelay(engine, slow).drain_once())
    await in_flight.wait()
    try:
        assert await OutboxRelay(engine, fast).drain_once() == 0  # waits for its turn
    finally:
        release.set()
    assert await first == 5
    assert delivered == [[0, 1, 2, 3, 4]]
    assert backlog(engine) == 0
    engine.dispose()


async def test_a_batch_the_broker_did_not_confirm_stays_for_the_next_attempt(
    postgres_url: str,
) -> None:
    engine = outbox_holding(postgres_url, 3)
    attempts: list[list[str]] = []

    async def unconfirmed(messages: Any) -> None:
        attempts.append([message_id for message_id, _ in messages])
        raise TimeoutError("no confirmation")

    relay = OutboxRelay(engine, unconfirmed)
    with pytest.raises(TimeoutError):
        await relay.drain_once()
    assert backlog(engine) == 3

    async def confirmed(messages: Any) -> None:
        attempts.append([message_id for message_id, _ in messages])

    assert await OutboxRelay(engine, confirmed).drain_once() == 3
    assert attempts[0] == attempts[1]  # the same messages, with the same ids, once confirmed
    assert backlog(engine) == 0
    engine.dispose()
