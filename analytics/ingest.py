"""Ingest: every source of the stream ends here, and a message counts once however often it comes.

:func:`ingest` turns each message into a fact (:mod:`analytics.facts`), stores the facts whose
id is new, and rebuilds the derived rows of every sender that got one, all in one
transaction, with the source's checkpoint when it has one. A crash before the commit leaves
nothing behind, so the source delivers the batch again; a crash after it finds the batch
stored, so the repeat is dropped by id. Rebuilding a sender from all its facts (not patching
its rows) is what makes the tables independent of how the stream was cut into batches and of
the order the batches came in.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from analytics.derive import derive
from analytics.facts import Fact, MalformedEvent, StreamMessage, fact_of
from analytics.records import Derived
from analytics.tables import DERIVED, EVENTS, OFFSETS, create_tables
from analytics.vocabulary import dialogue
from webkit.db import chunks

logger = logging.getLogger(__name__)

CHUNK = 500  # ids or senders per IN (...) clause


@dataclass(frozen=True)
class Checkpoint:
    """How far a source has been read: committed with the rows the reading produced."""

    source: str
    position: int
    marker: str | None = None


@dataclass(frozen=True)
class IngestReport:
    """What one call of :func:`ingest` did."""

    received: int
    stored: int
    duplicates: int
    rejected: int
    senders_rebuilt: int


class CheckpointMoved(RuntimeError):
    """The source's stored position changed while a batch was read (an erasure reset it)."""


def ingest(
    engine: Engine,
    messages: Iterable[StreamMessage],
    checkpoint: Checkpoint | None = None,
    expected: Checkpoint | None = None,
) -> IngestReport:
    """Store the facts of ``messages`` once each and rebuild the conversations they touch.

    Args:
        engine: The analytics database (its tables are created when missing).
        messages: Stream messages in the order the source holds them.
        checkpoint: Where the source will resume once this batch is committed.
        expected: With a checkpoint, the one stored when the batch was read (None: none was).

    Raises:
        CheckpointMoved: The stored checkpoint is no longer ``expected``; nothing was committed.
    """
    facts: list[Fact] = []
    rejected = 0
    for message in messages:
        try:
            facts.append(fact_of(message))
        except MalformedEvent as exc:
            rejected += 1
            logger.warning("skipped a stream message that is no Rasa event: %s", exc)
    threshold = dialogue().fallback_threshold
    create_tables(engine)
    with engine.begin() as connection:
        new = _store_new(connection, facts)
        senders = sorted({fact.sender_key for fact in new})
        rebuild(connection, senders, threshold)
        if checkpoint is not None:
            save_checkpoint(connection, checkpoint, expected)
    return IngestReport(
        received=len(facts) + rejected,
        stored=len(new),
        duplicates=len(facts) - len(new),
        rejected=rejected,
        senders_rebuilt=len(senders),
    )


def rebuild(connection: Connection, senders: Sequence[str], threshold: float) -> None:
    """Replace the derived rows of ``senders`` with those their stored facts give now."""
    for chunk in chunks(senders, CHUNK):
        for table in DERIVED:
            connection.execute(table.delete().where(table.c.sender_key.in_(chunk)))
        by_sender: dict[str, list[Fact]] = defaultdict(list)
        rows = connection.execute(sa.select(EVENTS).where(EVENTS.c.sender_key.in_(chunk)))
        for row in rows:
            by_sender[row.sender_key].append(Fact.from_row(row))
        derived = Derived()
        for sender in sorted(by_sender):
            derived.extend(derive(sender, by_sender[sender], threshold))
        for table, table_rows in derived.by_table():
            if table_rows:
                connection.execute(table.insert(), table_rows)


def rebuild_all(engine: Engine) -> int:
    """Derive every table again from the stored facts (after the rules changed); senders done."""
    create_tables(engine)
    with engine.begin() as connection:
        senders = sorted(connection.execute(sa.select(EVENTS.c.sender_key).distinct()).scalars())
        rebuild(connection, senders, dialogue().fallback_threshold)
    return len(senders)


def _store_new(connection: Connection, facts: Sequence[Fact]) -> list[Fact]:
    """Insert the facts whose id is not stored yet; returns them."""
    unique: dict[str, Fact] = {}
    for fact in facts:
        unique.setdefault(fact.event_id, fact)
    known: set[str] = set()
    for chunk in chunks(list(unique), CHUNK):
        known.update(
            connection.execute(
                sa.select(EVENTS.c.event_id).where(EVENTS.c.event_id.in_(chunk))
            ).scalars()
        )
    new = [fact for event_id, fact in unique.items() if event_id not in known]
    if new:
        connection.execute(_insert_ignoring_repeats(connection), [f.row() for f in new])
    return new


def _insert_ignoring_repeats(connection: Connection) -> Any:
    """An insert that skips an id another consumer stored in the meantime."""
    name = connection.dialect.name
    if name == "postgresql":
        return postgresql.insert(EVENTS).on_conflict_do_nothing(index_elements=["event_id"])
    if name == "sqlite":
        return sqlite.insert(EVENTS).on_conflict_do_nothing(index_elements=["event_id"])
    return EVENTS.insert()


def save_checkpoint(
    connection: Connection, checkpoint: Checkpoint, expected: Checkpoint | None
) -> None:
    """Record where ``checkpoint.source`` resumes (in the caller's transaction), if the stored
    checkpoint is still ``expected``.

    A shopper's erasure rewrites the file broker's log and deletes the analytics rows of the
    conversation; a batch read before it and committed after it would bring them back. The
    erasure changes or drops the stored checkpoints, so such a batch fails here and is read
    again from what the source holds now.

    Raises:
        CheckpointMoved: The stored checkpoint is not ``expected`` (the transaction must roll back).
    """
    source = OFFSETS.c.source == checkpoint.source
    if expected is None:
        moved = connection.execute(sa.select(OFFSETS.c.source).where(source)).first() is not None
    else:
        marker = (
            OFFSETS.c.marker.is_(None)
            if expected.marker is None
            else OFFSETS.c.marker == expected.marker
        )
        where = source & (OFFSETS.c.position == expected.position) & marker
        moved = not connection.execute(OFFSETS.delete().where(where)).rowcount
    if moved:
        raise CheckpointMoved(checkpoint.source)
    connection.execute(
        OFFSETS.insert(),
        {
            "source": checkpoint.source,
            "position": checkpoint.position,
            "marker": checkpoint.marker,
        },
    )


def load_checkpoint(engine: Engine, source: str) -> Checkpoint | None:
    """Where ``source`` was last read up to, or None to start from the beginning."""
    create_tables(engine)
    with engine.connect() as connection:
        row = connection.execute(sa.select(OFFSETS).where(OFFSETS.c.source == source)).first()
    return None if row is None else Checkpoint(row.source, int(row.position), row.marker)
