"""The event stream's outbox: what the tracker store commits is what RabbitMQ receives.

Rasa publishes a conversation's new events straight from the Rasa process, each as a task of
its own that nothing waits for, and only after it has loaded the whole conversation a second
time to work out which events are new. Under load those tasks pile up; a RabbitMQ restart
turns the pile into hung turns; a Rasa instance killed with events still queued in memory
loses them for good. ``make bench-failover`` measured 9,870 of 25,518 stored events missing
from the stream.

Here the tracker store writes each new event twice in the same database transaction: once as
Rasa's row in ``events`` and once, in the form the stream may carry (scrubbed, no
ciphertext), as a row of ``event_outbox``. Both are committed or neither is. A relay in every
Rasa process then moves the outbox to the broker: it takes the oldest rows, publishes them
and waits for the broker to confirm each, and only then deletes them. A broker that is down,
slow or restarting delays the stream, never a turn; a Rasa instance that dies leaves its rows
for the other instance's relay.

Delivery is at least once: a relay that dies after the broker confirmed a batch but before it
deleted it publishes the batch again. Every message carries the outbox row's id as its
``message_id``, so a consumer that needs exactly once drops what it has seen.

On PostgreSQL the relays of all instances take turns through a transaction-scoped advisory
lock, so one batch is in flight at a time and a conversation's events reach the stream in the
order they were stored (the lock store already serialises one conversation's saves).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from webkit.background import BackgroundLoop

logger = logging.getLogger(__name__)

# Outbox rows published per broker round trip.
BATCH = 200
# How often an idle relay looks for rows another instance left behind (seconds).
IDLE_POLL_S = 1.0
# Pauses after a failed delivery, growing to the last (seconds).
BACKOFF_S = (0.5, 1.0, 2.0, 5.0)
# pg_try_advisory_xact_lock key: one relay at a time across instances ("aftercare_outbox").
ADVISORY_KEY = 0x616674657263

metadata = sa.MetaData()
OUTBOX = sa.Table(
    "event_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)

Message = tuple[str, dict[str, Any]]  # message id, event body
Deliver = Callable[[Sequence[Message]], Awaitable[None]]


def create_outbox(engine: Engine) -> None:
    """Create ``event_outbox`` beside Rasa's ``events`` table if it is missing."""
    metadata.create_all(engine, tables=[OUTBOX])


def outbox_rows(sender_id: str, bodies: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """Rows for ``OUTBOX.insert()``: each body as the stream will carry it."""
    return [{"sender_id": sender_id, "body": json.dumps(body)} for body in bodies]


class OutboxRelay(BackgroundLoop):
    """Moves committed outbox rows to the broker, oldest first, deleting what was confirmed.

    Args:
        engine: The tracker store's database (where ``event_outbox`` lives).
        deliver: Publishes a batch and returns once the broker has confirmed every message;
            raises when it cannot, and then the rows stay for the next attempt.
    """

    task_name = "outbox"

    def __init__(self, engine: Engine, deliver: Deliver, batch: int = BATCH) -> None:
        self.engine = engine
        self.deliver = deliver
        self.batch = batch
        self._postgres = engine.dialect.name == "postgresql"

    async def run(self) -> None:
        """Drain the outbox whenever woken, and at least every ``IDLE_POLL_S``."""
        failures = 0
        while True:
            await self.idle(IDLE_POLL_S)
            try:
                while await self.drain_once() == self.batch:
                    pass
                failures = 0
            except Exception as exc:  # the broker or the database is down: retry later
                pause = BACKOFF_S[min(failures, len(BACKOFF_S) - 1)]
                failures += 1
                logger.warning("event stream delayed (%s); retrying in %.1f s", exc, pause)
                await asyncio.sleep(pause)
                self.wake()

    async def drain_once(self) -> int:
        """Publish and delete one batch; the number of rows published (0: nothing to do)."""
        with self.engine.connect() as connection, connection.begin():
            if not self._take_turn(connection):
                return 0
            rows = connection.execute(
                sa.select(OUTBOX.c.id, OUTBOX.c.body).order_by(OUTBOX.c.id).limit(self.batch)
            ).all()
            if not rows:
                return 0
            await self.deliver([(str(row.id), json.loads(row.body)) for row in rows])
            connection.execute(OUTBOX.delete().where(OUTBOX.c.id.in_([row.id for row in rows])))
        return len(rows)

    def _take_turn(self, connection: Connection) -> bool:
        """On PostgreSQL, whether this relay may publish now (no other relay is mid-batch)."""
        if not self._postgres:
            return True
        taken = connection.execute(
            sa.text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": ADVISORY_KEY}
        ).scalar()
        return bool(taken)


def backlog(engine: Engine) -> int:
    """Rows waiting in the outbox (operations: how far the stream is behind)."""
    with engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(OUTBOX)).scalar() or 0)
