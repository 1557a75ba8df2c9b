"""Rasa's SQL tracker store, with nothing personal written to it in the clear.

``endpoints.yml`` names this class as the tracker store type. Before an event reaches the
database, :class:`~guardrails.pii.events.EventProtector` scrubs every string in it (texts,
entities, parse data, metadata, every slot's value) except the few a rule proves harmless, and
encrypts the slots the dialogue still needs next turn (``tracker.encrypt_slots`` in
``guardrails/pii.yml``). Rasa reloads the conversation from the store every turn; those slots
are decrypted on the way out, so the live conversation keeps working. Everything else keeps
Rasa's behaviour: any SQLAlchemy URL (SQLite, PostgreSQL), the same ``events`` table and
queries.

With RabbitMQ as the event broker, the store also writes each new event, in the form the
stream may carry, to an outbox in the same transaction, and a relay publishes it from there
(``stores/outbox.py``): an event is on the stream if and only if it is in the store. The
other brokers get the new events published once they are stored. Either way the new events
are found once, where Rasa's own save loads the conversation a second time to find them.

The store fails closed: without a valid PII config, spaCy model or keys the Rasa server does
not start (Rasa would otherwise fall back to an in-memory store only on import errors).
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import rasa.shared.utils.cli
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, ensure_schema_exists
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from guardrails.logs import install_log_scrubbing
from guardrails.pii import get_scrubber
from guardrails.pii.events import EventProtector, fernet_from_env
from stores.brokers import ConfirmingPikaEventBroker, protector_of
from stores.metrics import count_events
from stores.outbox import OUTBOX, OutboxRelay, create_outbox, outbox_rows
from stores.sessions import CachedSession, Row, SessionCache, deserialise
from webkit.db import chunks

if TYPE_CHECKING:
    from sqlalchemy.orm import Session
    from sqlalchemy.sql import Select

# Conversations whose new user events one query asks for: two bound values each, well under
# SQLite's oldest limit (999) and PostgreSQL's (65535).
CONVERSATIONS_PER_QUERY = 200


class ScrubbingTrackerStore(SQLTrackerStore):
    """An :class:`SQLTrackerStore` that stores protected events and reveals them on load."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        scrubber = get_scrubber()  # built now: a broken config stops the server at start
        rules = scrubber.config.tracker
        self.protector = EventProtector(scrubber, rules, fernet_from_env(rules))
        # Rasa has configured its log handlers (console and --log-file) by the time the
        # tracker store is built; from here on no record leaves the server unscrubbed.
        install_log_scrubbing()
        super().__init__(*args, **kwargs)
        self._insert = self.SQLEvent.__table__.insert()
        self._after = rows_after(self.SQLEvent, with_data=False)
        self._after_with_data = rows_after(self.SQLEvent, with_data=True)
        self._share_domain()
        self.sessions = SessionCache()
        self.relay: OutboxRelay | None = None
        if isinstance(self.event_broker, ConfirmingPikaEventBroker):
            create_outbox(self.engine)
            self.relay = OutboxRelay(self.engine, self.event_broker.publish_confirmed)
            with contextlib.suppress(RuntimeError):  # no loop yet: the first save starts it
                self.relay.start()  # now, for rows an instance that died left behind

    @property
    def domain(self) -> Domain:
        """The domain Rasa gave the store (the model's, once a model is loaded)."""
        return self._domain

    @domain.setter
    def domain(self, domain: Domain | None) -> None:
        self._domain = domain or Domain.empty()
        self._share_domain()

    def _share_domain(self) -> None:
        """Let this store's and the broker's protector check slot names and values."""
        slots = slot_values(self._domain)
        self.protector.use_domain(slots)
        published = protector_of(getattr(self, "event_broker", None))
        if published is not None:
            published.use_domain(slots)

    @contextlib.contextmanager
    def session_scope(self) -> Iterator[Session]:
        """Rasa's session scope, except that only a missing PostgreSQL schema stops the server.

        Rasa's own treats every ``ValueError`` raised while the session is open as that case
        and exits the process. A conversation id holding a lone surrogate (``"\\ud800"`` is
        valid JSON but no UTF-8) makes the database driver raise ``UnicodeEncodeError``, a
        ``ValueError``: one such request stopped the whole Rasa server. It now fails that
        request only.
        """
        session = self.sessionmaker()
        try:
            try:
                ensure_schema_exists(session)
            except ValueError as exc:
                rasa.shared.utils.cli.print_error_and_exit(
                    f"Requested PostgreSQL schema '{exc}' was not found in the database."
                )
            yield session
        finally:
            session.close()

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the events not stored yet, protected, then stream them.

        With an outbox, their stream form is written in the same transaction and the relay
        publishes it; any other broker gets them once they are stored (scrubbed by the broker,
        ``stores/brokers.py``). Rasa's own save loads the conversation a second time to find
        the events to publish; here they are the ones just stored.

        A save that fails drops the conversation from the session cache, whose events the
        tracker shares: after a fallback took the last message back, an ``EntitiesAdded`` that
        Rasa's HTTP API applies changes an earlier, shared message, and the event is not stored.
        """
        try:
            new = self._store(tracker)
        except BaseException:
            self.sessions.drop(tracker.sender_id)
            raise
        count_events(tracker.current_slot_values(), new, self.domain.intents)
        if self.relay is not None:
            self.relay.start()
            self.relay.wake()
        elif self.event_broker is not None:
            for event in new:
                self.event_broker.publish({"sender_id": tracker.sender_id, **event})

    def _store(self, tracker: DialogueStateTracker) -> list[dict[str, Any]]:
        """Write the tracker's unsaved events, protected, in one transaction; those events."""
        with self.session_scope() as session:
            new = self._unsaved(session, tracker)
            stored = [
                Event.from_parameters(event).as_dict()
                for event in self.protector.batch_for_store(new)
            ]
            if stored:
                session.execute(self._insert, self._rows(tracker.sender_id, stored))
                if self.relay is not None:
                    outbox = self._outbox_rows(tracker.sender_id, new, stored)
                    session.execute(OUTBOX.insert(), outbox)
            session.commit()
        return new

    def _unsaved(self, session: Session, tracker: DialogueStateTracker) -> list[dict[str, Any]]:
        """The tracker's events after those of its latest session already in the store."""
        stored = self._stored_count(session, tracker.sender_id)
        return [e.as_dict() for e in itertools.islice(tracker.events, stored, len(tracker.events))]

    def _stored_count(self, session: Session, sender_id: str) -> int:
        """How many events of the conversation's latest session the store holds.

        Rasa counts every row of the session at each save, which grows with the conversation.
        With the session cached, the rows stored after it (normally none: the turn that saves
        is the turn that loaded it) are added to the cached count, as a load would add them;
        a ``session_started`` among them begins the count anew. Counted in full when nothing is
        cached or the cached session's first row is gone (erased or purged meanwhile).
        """
        cached = self.sessions.get(sender_id)
        if cached is not None:
            after = self._rows_after(session, sender_id, cached, with_data=False)
            if after is not None:
                count = cached.rows
                for row in after:
                    count = 1 if row.type_name == SessionStarted.type_name else count + 1
                return count
        query = self._event_query(session, sender_id, fetch_events_from_all_sessions=False)
        return int(query.count())

    def _rows(self, sender_id: str, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Rasa's ``events`` rows for protected events (the columns Rasa's own save fills)."""
        return [
            {
                "sender_id": sender_id,
                "type_name": event.get("event"),
                "timestamp": event.get("timestamp"),
                "intent_name": intent_of(event),
                "action_name": event.get("name"),
                "data": json.dumps(event),
            }
            for event in events
        ]

    def _outbox_rows(
        self, sender_id: str, new: list[dict[str, Any]], stored: list[dict[str, Any]]
    ) -> list[dict[str, str]]:
        """The stream's form of the new events, built from their stored form."""
        sender = self.protector.for_stream({"sender_id": sender_id})["sender_id"]
        bodies = [
            {"sender_id": sender, **self.protector.stream_from_stored(event, protected)}
            for event, protected in zip(new, stored, strict=True)
        ]
        return outbox_rows(sender, bodies)

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        """The conversation as Rasa's store loads it, encrypted slots decrypted.

        The latest session, which Rasa loads at every message, comes through the session
        cache (``stores/sessions.py``): only the rows stored since the last load are read, and
        only the events from the last user message on are replayed.
        """
        if not self.domain:
            return None
        if fetch_events_from_all_sessions:
            with self.session_scope() as session:
                rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=True)
                events = deserialise(self._row(row).event for row in rows)
            return (
                DialogueStateTracker.from_events(sender_id, events, self.domain.slots)
                if events
                else None
            )
        with self.session_scope() as session:
            cached = self._latest_session(session, sender_id)
        return cached.tracker(sender_id, self.domain.slots) if cached is not None else None

    def _latest_session(self, session: Session, sender_id: str) -> CachedSession | None:
        """The latest session, cached, with the rows stored after it read; None when empty."""
        cached = self.sessions.get(sender_id)
        if cached is not None:
            after = self._rows_after(session, sender_id, cached, with_data=True)
            if after is not None:
                return self.sessions.extend(sender_id, cached, [self._row(r) for r in after])
            self.sessions.drop(sender_id)  # erased or purged meanwhile: load it afresh
        rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=False)
        return self.sessions.load(sender_id, [self._row(row) for row in rows])

    def _rows_after(
        self, session: Session, sender_id: str, cached: CachedSession, with_data: bool
    ) -> list[Any] | None:
        """The rows stored after the cached session, or None when its first row is gone.

        One query (:func:`rows_after`) asks for both: the cached session's first row (erased
        or purged meanwhile when missing) and the rows after its last one.
        """
        query = self._after_with_data if with_data else self._after
        bound = {"sender_id": sender_id, "first_id": cached.first_id, "last_id": cached.last_id}
        rows = session.execute(query, bound).all()
        if not rows or rows[0].id != cached.first_id:
            return None
        return list(rows[1:])

    async def user_events_after(
        self, afters: Mapping[str, float]
    ) -> dict[str, list[dict[str, Any]]]:
        """Each conversation's user events stored after its time, oldest first.

        ``afters`` maps conversation ids to a Rasa timestamp; every id is in the answer, an
        unknown one with no events. One query per ``CONVERSATIONS_PER_QUERY`` conversations,
        on Rasa's own columns (its index on ``sender_id``), with nothing loaded or replayed:
        the desk asks this for every open ticket every few seconds
        (``stores/shopper_messages.py``).
        """
        table = self.SQLEvent
        found: dict[str, list[dict[str, Any]]] = {sender: [] for sender in afters}
        with self.session_scope() as session:
            for chunk in chunks(list(afters.items()), CONVERSATIONS_PER_QUERY):
                later = sa.or_(
                    *(sa.and_(table.sender_id == s, table.timestamp > a) for s, a in chunk)
                )
                rows = (
                    session.query(table.id, table.sender_id, table.type_name, table.data)
                    .filter(table.type_name == UserUttered.type_name, later)
                    .order_by(table.id)
                    .all()
                )
                for row in rows:
                    found[row.sender_id].append(self._row(row).event)
        return found

    def _row(self, row: Any) -> Row:
        """A stored row with its event revealed (encrypted slots decrypted)."""
        return Row(row.id, row.type_name, self.protector.reveal(json.loads(row.data)))


def slot_values(domain: Domain) -> dict[str, list[str] | None]:
    """Each slot of the domain, with its values when it is categorical."""
    return {slot.name: getattr(slot, "values", None) for slot in domain.slots}


def intent_of(event: dict[str, Any]) -> str | None:
    """The intent name Rasa indexes a user event by (None for other events)."""
    intent = (event.get("parse_data") or {}).get("intent") or {}
    return intent.get(INTENT_NAME_KEY)


def rows_after(table: Any, with_data: bool) -> Select:
    """The query of :meth:`ScrubbingTrackerStore._rows_after`, built once per store.

    The conversation is named in each arm of the ``OR``: with it outside, SQLite walked every
    row of the conversation in its index; with it inside, each arm is one index search
    (``MULTI-INDEX OR``). Its values are bound at each run (``sender_id``, ``first_id``,
    ``last_id``). It runs at every load and every save; built anew each time through the ORM's
    ``Query``, it took 0.54-0.61 ms of CPU against 0.14-0.17 ms built once (docs/performance.md,
    thirty-sixth step).
    """
    ours = table.sender_id == sa.bindparam("sender_id")
    first = ours & (table.id == sa.bindparam("first_id"))
    later = ours & (table.id > sa.bindparam("last_id"))
    columns = [table.id, table.type_name, *([table.data] if with_data else [])]
    return sa.select(*columns).where(first | later).order_by(table.id)
