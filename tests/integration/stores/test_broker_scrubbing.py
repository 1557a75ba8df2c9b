"""The event stream carries no personal value: every broker endpoints.yml can select.

The ``sql`` broker on SQLite and the ``pika`` broker on RabbitMQ (127.0.0.1:5672,
guest/guest; a queue of its own, deleted afterwards) get a conversation full of planted values.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import uuid
from pathlib import Path

import aio_pika
import pytest
from rasa.core.brokers.broker import EventBroker
from rasa.core.utils import read_endpoints_from_path
from rasa.shared.core.domain import Domain

from stack.settings import ROOT, stack_env
from tests.integration.stores.test_tracker import PLANTED, TRACKING, shopper_turns

pytestmark = pytest.mark.timeout(60)


async def broker_from_endpoints(monkeypatch: pytest.MonkeyPatch, **env: str) -> EventBroker:
    for key, value in stack_env(env).items():
        monkeypatch.setenv(key, value)
    endpoints = read_endpoints_from_path(ROOT / "endpoints.yml")
    broker = await EventBroker.create(endpoints.event_broker)
    assert broker is not None
    return broker


def published(broker: EventBroker, sender: str) -> None:
    domain = Domain.load(str(ROOT / "domain.yml"))
    for event in shopper_turns(domain, sender).events:
        broker.publish({"sender_id": sender, **event.as_dict()})


async def test_sql_broker_rows_hold_no_personal_value(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'events.db'}"
    broker = await broker_from_endpoints(monkeypatch, EVENT_BROKER="sql", EVENT_BROKER_URL=url)
    published(broker, "s-sql")
    await broker.close()
    rows = [
        r[0] for r in sqlite3.connect(tmp_path / "events.db").execute("select data from events")
    ]
    assert len(rows) == 11
    stream = "\n".join(rows)
    for value in PLANTED:
        assert value not in stream, value
    assert "AC-104233" in stream and TRACKING in stream
    assert "fernet:" not in stream  # encrypted slots are scrubbed, not passed on as ciphertext
    slots = {e["name"]: e["value"] for e in map(json.loads, rows) if e["event"] == "slot"}
    assert slots["new_address"] == "<STREET_ADDRESS>"
    assert slots["order_verified"].startswith("<EMAIL_ADDRESS_")


async def test_rabbitmq_messages_hold_no_personal_value(monkeypatch: pytest.MonkeyPatch) -> None:
    queue = f"aftercare_pii_{uuid.uuid4().hex[:10]}"
    broker = await broker_from_endpoints(
        monkeypatch,
        EVENT_BROKER="pika",
        EVENT_BROKER_URL="127.0.0.1",
        EVENT_BROKER_USERNAME="guest",
        EVENT_BROKER_PASSWORD="guest",
        EVENT_BROKER_QUEUES=queue,
    )
    connection = await aio_pika.connect(host="127.0.0.1", login="guest", password="guest")
    try:
        published(broker, "s-pika")
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, durable=True, passive=True)
        bodies: list[str] = []
        for _ in range(200):
            message = await declared.get(no_ack=True, fail=False)
            if message is None:
                if len(bodies) >= 11:
                    break
                await asyncio.sleep(0.05)
                continue
            bodies.append(message.body.decode())
        assert len(bodies) == 11
        stream = "\n".join(bodies)
        for value in PLANTED:
            assert value not in stream, value
        assert "AC-104233" in stream
        await channel.queue_delete(queue)
    finally:
        await broker.close()
        await connection.close()
