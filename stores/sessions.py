"""The latest session of each recent conversation, kept in memory between turns.

Rasa's SQL store loads the whole latest session at every message: every row, parsed from JSON,
decrypted, and turned back into events by a lookup that walks every ``Event`` subclass for
each event. On a long conversation that was 40 % of the Rasa process's time, growing with
every turn (docs/performance.md). :class:`SessionCache` keeps each conversation's revealed
events with the ids of the rows they came from, so a turn reads only the rows stored since
(normally the previous turn's) and the events are rebuilt through a table of event types.

Several Rasa instances share one store (production mode), so the cache never answers alone:

- every load asks the database for the rows after the last one cached, so events another
  instance stored are read;
- the same query asks for the first cached row; when it is gone (the conversation was erased
  or purged) the cache entry is dropped and the session is loaded in full;
- a new ``session_started`` row starts the cached session afresh, as Rasa's own query would.

The per-conversation lock (in-memory or Redis) orders the turns of one conversation across
instances, and a save commits before the lock is released, so for one conversation the row
ids only grow in the order the rows were stored.
"""

from __future__ import annotations

import functools
import pickle
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.utils.common import all_subclasses

# About 2 KB per event: 500 conversations of 40 events is some 40 MB per Rasa instance.
DEFAULT_CONVERSATIONS = 500


@dataclass(frozen=True)
class Row:
    """One stored event row: its id, its type and its revealed event."""

    id: int
    type_name: str | None
    event: dict[str, Any]


@dataclass
class CachedSession:
    """The revealed events of one conversation's latest session and their row ids.

    Each event is kept pickled: every load gets dicts of its own, which a turn may change
    (an ``EntitiesAdded`` appends to its user message's entity list) without touching the
    cache. Unpickling costs half of parsing the JSON again.
    """

    first_id: int
    last_id: int
    pickled: list[bytes] = field(default_factory=list)

    def add(self, row: Row) -> None:
        """Append a row stored after the ones cached."""
        self.pickled.append(pickle.dumps(row.event, pickle.HIGHEST_PROTOCOL))
        self.last_id = row.id

    def events(self) -> list[dict[str, Any]]:
        """Fresh copies of the session's events, in stored order."""
        return [pickle.loads(event) for event in self.pickled]


class SessionCache:
    """The latest sessions of the conversations used last, at most ``size`` of them."""

    def __init__(self, size: int = DEFAULT_CONVERSATIONS) -> None:
        self.size = size
        self._sessions: OrderedDict[str, CachedSession] = OrderedDict()

    def get(self, sender_id: str) -> CachedSession | None:
        """The cached session of ``sender_id``, now the most recently used."""
        cached = self._sessions.get(sender_id)
        if cached is not None:
            self._sessions.move_to_end(sender_id)
        return cached

    def drop(self, sender_id: str) -> None:
        """Forget ``sender_id`` (its rows were deleted, or it is loaded in full again)."""
        self._sessions.pop(sender_id, None)

    def load(self, sender_id: str, rows: list[Row]) -> list[dict[str, Any]]:
        """Cache a session loaded in full (its rows in id order); its events."""
        if not rows:
            self.drop(sender_id)
            return []
        cached = CachedSession(rows[0].id, rows[0].id)
        for row in rows:
            cached.add(row)
        self._remember(sender_id, cached)
        return [row.event for row in rows]

    def extend(
        self, sender_id: str, cached: CachedSession, rows: list[Row]
    ) -> list[dict[str, Any]]:
        """The cached session with the rows stored since (ids above ``cached.last_id``).

        A ``session_started`` among them begins the session anew from that row, which is
        what Rasa's query for the latest session returns.
        """
        for row in rows:
            if row.type_name == SessionStarted.type_name:
                cached = CachedSession(row.id, row.id)
            cached.add(row)
        self._remember(sender_id, cached)
        return cached.events()

    def _remember(self, sender_id: str, cached: CachedSession) -> None:
        self._sessions[sender_id] = cached
        self._sessions.move_to_end(sender_id)
        while len(self._sessions) > self.size:
            self._sessions.popitem(last=False)


@functools.cache
def _event_types() -> dict[str, type[Event]]:
    """Every concrete event class by its type name, as ``Event.resolve_by_type`` finds them.

    Built on first use, once Rasa and the project have imported their event classes.
    Rasa's lookup walks the subclass tree for every event it deserialises.
    """
    types: dict[str, type[Event]] = {}
    for cls in all_subclasses(Event):
        types.setdefault(cls.type_name, cls)
    return types


def deserialise(events: Iterable[dict[str, Any]]) -> list[Event]:
    """Events from their dicts, as ``rasa.shared.core.events.deserialise_events`` makes them.

    An event type this table does not know (a class imported after it was built) goes through
    Rasa's own lookup, so nothing deserialises differently.
    """
    types = _event_types()
    built: list[Event] = []
    for parameters in events:
        name = parameters.get("event")
        if name is None:
            continue
        cls = types.get(name)
        event = cls._from_parameters(parameters) if cls else Event.from_parameters(parameters)
        if event is not None:
            built.append(event)
    return built
