"""The three sources: the file broker's log, the sql broker's table, a RabbitMQ queue.

Each must end with the same tables as ingesting the stream at once, resume where it stopped,
and count a repeated message once. RabbitMQ: 127.0.0.1:5672, guest/guest, a queue of its own.
"""

from __future__ import annotations

import asyncio
import io
import json
import uuid
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import aio_pika
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

import analytics.consumer
from analytics.__main__ import main
from analytics.consumer import FileSource, RabbitConsumer, SqlBrokerSource
from analytics.ingest import IngestReport, ingest
from tests.integration.analytics.conftest import tables
from tests.unit.analytics.chats import DAY, a_day_at_the_store, stream

pytestmark = pytest.mark.timeout(120)

RABBIT = "amqp://guest:guest@127.0.0.1:5672/"


def lines() -> list[bytes]:
    """The day as the file broker writes it: one JSON event per line."""
    return [(json.dumps(m.body) + "\n").encode() for m in stream(a_day_at_the_store())]


@pytest.fixture
def expected(tmp_path: Path) -> dict[str, Any]:
    """The tables from ingesting the whole day in one call."""
    reference = sa.create_engine(f"sqlite:///{tmp_path / 'reference.db'}")
    ingest(reference, stream(a_day_at_the_store()))
    found = tables(reference)
    reference.dispose()
    return found


def test_the_log_is_tailed_from_its_offset_and_a_half_written_line_waits(
    engine: Engine, tmp_path: Path, expected: dict[str, Any]
) -> None:
    log, every = tmp_path / "events.log", lines()
    half = len(every) // 2
    log.write_bytes(b"".join(every[:half]) + every[half][:25])  # Rasa is mid-line
    source = FileSource(engine, log, batch=20)
    assert source.read().received == half
    with log.open("ab") as out:
        out.write(every[half][25:] + b"".join(every[half + 1 :]))
    assert source.read().received == len(every) - half
    assert source.read().received == 0  # resumes at the end: nothing read twice
    assert FileSource(engine, log).read().received == 0  # a new process resumes too
    assert tables(engine) == expected


def test_a_replaced_log_is_read_from_its_start(engine: Engine, tmp_path: Path) -> None:
    log, every = tmp_path / "events.log", lines()
    log.write_bytes(b"".join(every[:30]))
    FileSource(engine, log).read()
    rotated = tmp_path / "events.log.new"
    rotated.write_bytes(b"".join(every[:40]))
    rotated.replace(log)  # logrotate: a new file at the same path
    report = FileSource(engine, log).read()
    assert (report.received, report.duplicates, report.stored) == (40, 30, 10)


def test_a_line_that_is_not_an_event_is_skipped_and_counted(engine: Engine, tmp_path: Path) -> None:
    log = tmp_path / "events.log"
    log.write_bytes(b"not json\n" + b"".join(lines()[:5]) + b'{"event": "user"}\n')
    report = FileSource(engine, log).read()
    assert (report.received, report.stored, report.rejected) == (7, 5, 2)


async def test_the_sql_brokers_table_is_read_by_id(
    engine: Engine, tmp_path: Path, expected: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from rasa.core.brokers.sql import SQLEventBroker

    broker = SQLEventBroker(db=str(tmp_path / "events.db"))
    messages = stream(a_day_at_the_store())
    for message in messages[:50]:
        broker.publish(message.body)
    source = SqlBrokerSource(engine, f"sqlite:///{tmp_path / 'events.db'}", batch=16)
    assert source.read().received == 50
    for message in messages[50:]:
        broker.publish(message.body)
    assert source.read().received == len(messages) - 50
    assert source.read().received == 0
    source.close()
    broker.engine.dispose()
    assert tables(engine) == expected


@pytest.fixture
async def queue() -> Any:
    """A fresh durable queue on the local RabbitMQ, deleted afterwards."""
    name = f"aftercare_analytics_{uuid.uuid4().hex[:10]}"
    try:
        connection = await asyncio.wait_for(aio_pika.connect(RABBIT), timeout=5)
    except Exception as exc:
        pytest.fail(f"RabbitMQ at 127.0.0.1:5672 (guest) is needed: {exc!r}", pytrace=False)
    channel = await connection.channel()
    await channel.declare_queue(name, durable=True)
    yield name, channel
    await channel.queue_delete(name)
    await connection.close()


async def publish(channel: Any, name: str, repeat: int = 0) -> int:
    """The day, as the outbox relay publishes it (row id as message_id); the first ``repeat``
    messages again, as after a relay that died before deleting its confirmed batch."""
    messages = stream(a_day_at_the_store())
    sent = [(str(n + 1), m.body) for n, m in enumerate(messages)]
    for message_id, body in [*sent, *sent[:repeat]]:
        await channel.default_exchange.publish(
            aio_pika.Message(json.dumps(body).encode(), message_id=message_id), routing_key=name
        )
    return len(sent) + repeat


async def test_rabbitmq_messages_are_stored_once_and_acknowledged(
    engine: Engine, queue: Any, expected: dict[str, Any]
) -> None:
    name, channel = queue
    sent = await publish(channel, name, repeat=25)
    report = await RabbitConsumer(engine, RABBIT, name, batch=40).run(idle_exit_s=1.5)
    assert (report.received, report.duplicates) == (sent, 25)
    assert tables(engine) == expected
    left = await channel.declare_queue(name, durable=True, passive=True)
    assert left.declaration_result.message_count == 0


async def test_a_batch_that_was_not_committed_comes_back_from_rabbitmq(
    engine: Engine, queue: Any, expected: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    name, channel = queue
    await publish(channel, name)
    calls: list[int] = []
    real = analytics.consumer.ingest

    def failing_once(*args: Any, **kwargs: Any) -> IngestReport:
        calls.append(len(args[1]))
        if len(calls) == 1:
            raise sa.exc.OperationalError("insert", {}, Exception("database is locked"))
        return real(*args, **kwargs)

    monkeypatch.setattr(analytics.consumer, "ingest", failing_once)
    monkeypatch.setattr(analytics.consumer, "RETRY_S", (0.05,))
    await RabbitConsumer(engine, RABBIT, name, batch=30).run(idle_exit_s=1.5)
    assert len(calls) >= 2 and tables(engine) == expected


def test_the_command_line_ingests_a_log_and_prints_the_figures(tmp_path: Path) -> None:
    log, db = tmp_path / "events.log", f"sqlite:///{tmp_path / 'cli.db'}"
    log.write_bytes(b"".join(lines()))
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["ingest", "--file", str(log), "--db", db]) == 0
    assert json.loads(out.getvalue())["stored"] == len(lines())
    out = io.StringIO()
    day = DAY.isoformat()
    with redirect_stdout(out):
        main(["figures", "--tenant", "demo", "--from", day, "--to", day, "--db", db])
    assert json.loads(out.getvalue())["conversations"]["contained"] == 1
    out = io.StringIO()
    with redirect_stdout(out):
        main(["figures", "--tenant", "outdoor", "--from", day, "--to", day, "--db", db, "--csv"])
    header, row = out.getvalue().splitlines()
    assert header.startswith("tenant,day,flow,conversations")
    assert row.startswith(f"outdoor,{day},cancellations,1,0,0,0.0")
