"""The stream's three sources, each feeding :func:`analytics.ingest.ingest`.

- the ``file`` broker's log (Rasa's ``FileEventBroker``: one JSON event per line), read from
  the byte offset the last batch committed, complete lines only, so it can be tailed while
  Rasa writes it; a file that shrank or was replaced is read again from its start;
- the ``sql`` broker's ``events`` table (``id``, ``sender_id``, ``data``), read by id from the
  last id committed;
- a RabbitMQ queue (production: the outbox relay publishes each event with the outbox row's
  id as ``message_id``), acknowledged only once the batch is committed: a consumer that dies
  mid-batch gets the batch again and :func:`ingest` drops what it already has.

Offsets live in the analytics database (``analytics_offsets``) and are written in the same
transaction as the rows, so a batch is never half-counted.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aio_pika
import sqlalchemy as sa
from aio_pika.abc import AbstractIncomingMessage
from sqlalchemy.engine import Engine

from analytics.facts import StreamMessage
from analytics.ingest import Checkpoint, CheckpointMoved, IngestReport, ingest, load_checkpoint

logger = logging.getLogger(__name__)

BATCH = 500  # events per transaction
RABBIT_BATCH = 100  # unacknowledged messages at a time (RabbitMQ's prefetch)
LINGER_S = 0.5  # how long a partial RabbitMQ batch waits for more
RETRY_S = (0.5, 1.0, 2.0, 5.0)  # pauses after a failed commit, growing to the last


def _total(reports: list[IngestReport]) -> IngestReport:
    return IngestReport(
        received=sum(r.received for r in reports),
        stored=sum(r.stored for r in reports),
        duplicates=sum(r.duplicates for r in reports),
        rejected=sum(r.rejected for r in reports),
        senders_rebuilt=sum(r.senders_rebuilt for r in reports),
    )


def _body(raw: bytes | str) -> dict[str, Any]:
    """A message's JSON object; {} (which ingest rejects) for anything else."""
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


class FileSource:
    """The file broker's log, read from where the last committed batch ended.

    Args:
        engine: The analytics database (holds the offset).
        path: The log file (``EVENT_BROKER_URL`` with ``EVENT_BROKER=file``).
        batch: Lines per transaction.
    """

    def __init__(self, engine: Engine, path: str | Path, batch: int = BATCH) -> None:
        self.engine = engine
        self.path = Path(path)
        self.batch = batch
        self.source = f"file:{self.path.resolve()}"

    def _start(self) -> tuple[int, str, Checkpoint | None]:
        """The offset to read from, the identity of the file now at the path, and the stored
        checkpoint."""
        stat = os.stat(self.path)
        identity = f"{stat.st_dev}:{stat.st_ino}"
        saved = load_checkpoint(self.engine, self.source)
        if saved is None or saved.marker != identity or saved.position > stat.st_size:
            return 0, identity, saved  # new, replaced (rotated) or truncated: from the start
        return saved.position, identity, saved

    def read(self) -> IngestReport:
        """Ingest every complete line written since the last call; what it did."""
        offset, identity, saved = self._start()
        reports = []
        with self.path.open("rb") as log:
            log.seek(offset)
            while True:
                messages: list[StreamMessage] = []
                offset_after = offset
                while len(messages) < self.batch:
                    line = log.readline()
                    if not line.endswith(b"\n"):
                        break  # end of file, or a line Rasa is still writing
                    if line.strip():
                        messages.append(StreamMessage(_body(line), seq=offset_after))
                    offset_after += len(line)
                if offset_after == offset:
                    break
                done = Checkpoint(self.source, offset_after, identity)
                try:
                    reports.append(ingest(self.engine, messages, done, saved))
                except CheckpointMoved:  # an erasure rewrote the log: read it again next time
                    break
                offset, saved = offset_after, done
                log.seek(offset)
        return _total(reports)

    def follow(self, poll_s: float = 1.0, stop: Callable[[], bool] = lambda: False) -> None:
        """Keep reading what Rasa appends until ``stop()`` says so."""
        while not stop():
            if self.path.exists():
                report = self.read()
                if report.received:
                    logger.info("ingested %s", report)
            time.sleep(poll_s)


class SqlBrokerSource:
    """The sql broker's ``events`` table, read by id from the last id committed.

    Args:
        engine: The analytics database (holds the last id).
        broker_url: The broker's database (``EVENT_BROKER_URL`` with ``EVENT_BROKER=sql``).
        batch: Rows per transaction.
    """

    def __init__(self, engine: Engine, broker_url: str, batch: int = BATCH) -> None:
        self.engine = engine
        self.broker = sa.create_engine(broker_url)
        self.batch = batch
        self.source = f"sql:{sa.engine.make_url(broker_url).render_as_string(hide_password=True)}"
        self.table = sa.Table(
            "events",
            sa.MetaData(),
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("sender_id", sa.String(255)),
            sa.Column("data", sa.Text),
        )

    def read(self) -> IngestReport:
        """Ingest every row stored since the last call; what it did."""
        saved = load_checkpoint(self.engine, self.source)
        last = saved.position if saved else 0
        reports: list[IngestReport] = []
        while True:
            with self.broker.connect() as connection:
                rows = connection.execute(
                    sa.select(self.table.c.id, self.table.c.data)
                    .where(self.table.c.id > last)
                    .order_by(self.table.c.id)
                    .limit(self.batch)
                ).all()
            if not rows:
                break
            messages = [StreamMessage(_body(row.data or ""), seq=int(row.id)) for row in rows]
            done = Checkpoint(self.source, int(rows[-1].id), saved.marker if saved else None)
            try:
                reports.append(ingest(self.engine, messages, done, saved))
            except CheckpointMoved:  # an erasure deleted rows read here: read them again
                break
            last, saved = done.position, done
        return _total(reports)

    def close(self) -> None:
        self.broker.dispose()


def stream_message(message: AbstractIncomingMessage) -> StreamMessage:
    """A RabbitMQ message as ingest reads it (the outbox row id orders equal timestamps)."""
    message_id = message.message_id
    seq = int(message_id) if message_id and message_id.isdigit() else None
    return StreamMessage(_body(message.body), message_id=message_id, seq=seq)


class RabbitConsumer:
    """Consumes a RabbitMQ queue in batches, acknowledging each batch after its commit.

    Args:
        engine: The analytics database.
        url: The broker, e.g. ``amqp://user:password@host:5672/``.
        queue: The queue Rasa publishes to (``EVENT_BROKER_QUEUES``); declared durable, as
            Rasa declares it.
        batch: Messages per transaction (and RabbitMQ's prefetch).
    """

    def __init__(self, engine: Engine, url: str, queue: str, batch: int = RABBIT_BATCH) -> None:
        self.engine = engine
        self.url = url
        self.queue = queue
        self.batch = batch

    async def run(self, idle_exit_s: float | None = None) -> IngestReport:
        """Consume until cancelled, or until no message came for ``idle_exit_s`` seconds."""
        reports: list[IngestReport] = []
        connection = await aio_pika.connect_robust(self.url)
        async with connection:
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=self.batch)
            queue = await channel.declare_queue(self.queue, durable=True)
            inbox: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
            tag = await queue.consume(inbox.put)
            failures = 0
            try:
                while True:
                    batch = await self._collect(inbox, idle_exit_s)
                    if not batch:
                        if idle_exit_s is not None:
                            break
                        continue
                    try:
                        reports.append(await self._commit(batch))
                        failures = 0
                    except Exception as exc:  # the database is down: RabbitMQ keeps the batch
                        pause = RETRY_S[min(failures, len(RETRY_S) - 1)]
                        failures += 1
                        logger.warning("batch not stored (%s); retrying in %.1f s", exc, pause)
                        await asyncio.sleep(pause)
            finally:
                await queue.cancel(tag)
        return _total(reports)

    async def _collect(
        self, inbox: asyncio.Queue[AbstractIncomingMessage], idle_exit_s: float | None
    ) -> list[AbstractIncomingMessage]:
        """Up to ``batch`` messages: the first waited for, the rest for ``LINGER_S``."""
        try:
            first = await asyncio.wait_for(inbox.get(), idle_exit_s or LINGER_S)
        except asyncio.TimeoutError:
            return []
        batch = [first]
        deadline = asyncio.get_running_loop().time() + LINGER_S
        while len(batch) < self.batch:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                break
            try:
                batch.append(await asyncio.wait_for(inbox.get(), remaining))
            except asyncio.TimeoutError:
                break
        return batch

    async def _commit(self, batch: list[AbstractIncomingMessage]) -> IngestReport:
        """Ingest the batch, then acknowledge it; on failure hand it back to RabbitMQ."""
        messages = [stream_message(m) for m in batch]
        try:
            report = await asyncio.to_thread(ingest, self.engine, messages)
        except Exception:
            for message in batch:
                await message.nack(requeue=True)
            raise
        for message in batch:
            await message.ack()
        return report
