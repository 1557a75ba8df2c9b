"""Rasa's SQL tracker store, with nothing personal written to it in the clear.

``endpoints.yml`` names this class as the tracker store type. Before an event reaches the
database, :class:`~guardrails.pii.events.EventProtector` scrubs every string in it (texts,
entities, parse data, metadata, every slot's value) except the few a rule proves harmless, and
encrypts the slots the dialogue still needs next turn (``tracker.encrypt_slots`` in
``guardrails/pii.yml``). Rasa reloads the conversation from the store every turn; those slots
are decrypted on the way out, so the live conversation keeps working. Everything else keeps
Rasa's behaviour: any SQLAlchemy URL (SQLite, PostgreSQL), the same ``events`` table and
queries.

The store fails closed: without a valid PII config, spaCy model or keys the Rasa server does
not start (Rasa would otherwise fall back to an in-memory store only on import errors).
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import rasa.shared.utils.cli
from rasa.core.tracker_store import SQLTrackerStore, ensure_schema_exists
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

from guardrails.logs import install_log_scrubbing
from guardrails.pii import get_scrubber
from guardrails.pii.events import EventProtector, fernet_from_env
from stores.brokers import protector_of

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


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
        self._share_domain()

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

    def _additional_events(self, session: Session, tracker: DialogueStateTracker) -> Iterator:
        """The events not stored yet, protected (``SQLTrackerStore.save`` writes these)."""
        stored = self._event_query(
            session, tracker.sender_id, fetch_events_from_all_sessions=False
        ).count()
        new = [e.as_dict() for e in itertools.islice(tracker.events, stored, len(tracker.events))]
        for event in self.protector.batch_for_store(new):
            yield Event.from_parameters(event)

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        """The conversation as Rasa's store loads it, encrypted slots decrypted."""
        with self.session_scope() as session:
            rows = self._event_query(
                session, sender_id, fetch_events_from_all_sessions=fetch_events_from_all_sessions
            ).all()
            events = [self.protector.reveal(json.loads(row.data)) for row in rows]
        if not self.domain or not events:
            return None
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)


def slot_values(domain: Domain) -> dict[str, list[str] | None]:
    """Each slot of the domain, with its values when it is categorical."""
    return {slot.name: getattr(slot, "values", None) for slot in domain.slots}
