"""The latest session of each recent conversation, kept in memory between turns.

Rasa's SQL store loads the whole latest session at every message: every row, parsed from JSON,
decrypted, and turned back into events by a lookup that walks every ``Event`` subclass for
each event. On a long conversation that was 40 % of the Rasa process's time, growing with
every turn (docs/performance.md). :class:`SessionCache` keeps each conversation's events, built
once from the revealed rows through a table of event types, with the ids of the rows they came
from, so a turn reads only the rows stored since (normally the previous turn's).

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

# Pickled batches a session may hold before they are pickled again as one (see CachedSession).
MAX_CHUNKS = 16


@dataclass(frozen=True)
class Row:
    """One stored event row: its id, its type and its revealed event."""

    id: int
    type_name: str | None
    event: dict[str, Any]


@dataclass
class CachedSession:
    """The events of one conversation's latest session, built once, and their row ids.

    The events are kept pickled, in chunks: every load gets event objects of its own, which a
    turn may change (an ``EntitiesAdded`` appends to its user message's entity list) without
    touching the cache. A chunk is a list of events pickled at once: a load unpickles finished
    events, not dicts to build events from again, and one pickle stores a name or a model id
    that recurs once for its whole chunk. Each load's new rows make one chunk; past
    :data:`MAX_CHUNKS` the session is pickled again as one. At 1,100 events a load took 7.1 ms
    with each event's dict pickled apart and rebuilt as an event, 3.2 ms from one chunk
    (docs/performance.md, sixth profile).
    """

    first_id: int
    last_id: int
    rows: int = 0  # rows stored for the session (an event Rasa cannot build counts too)
    chunks: list[bytes] = field(default_factory=list)

    def add(self, rows: list[Row], events: list[Event]) -> None:
        """Append rows stored after the ones cached, with the events built from them."""
        if events:
            self.chunks.append(pickle.dumps(events, pickle.HIGHEST_PROTOCOL))
        if rows:
            self.rows += len(rows)
            self.last_id = rows[-1].id

    def events(self) -> list[Event]:
        """Fresh copies of the session's events, in stored order."""
        return [event for chunk in self.chunks for event in pickle.loads(chunk)]

    def compact(self, events: list[Event]) -> None:
        """Pickle the session as one chunk again, once it holds too many (``events`` are all)."""
        if len(self.chunks) > MAX_CHUNKS:
            self.chunks = [pickle.dumps(events, pickle.HIGHEST_PROTOCOL)]


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

    def load(self, sender_id: str, rows: list[Row]) -> list[Event]:
        """Cache a session loaded in full (its rows in id order); its events."""
        if not rows:
            self.drop(sender_id)
            return []
        cached = CachedSession(rows[0].id, rows[0].id)
        events = deserialise(row.event for row in rows)
        cached.add(rows, events)
        self._remember(sender_id, cached)
        return events

    def extend(self, sender_id: str, cached: CachedSession, rows: list[Row]) -> list[Event]:
        """The cached session's events with the rows stored since (ids above ``last_id``).

        A ``session_started`` among them begins the session anew from that row, which is
        what Rasa's query for the latest session returns.
        """
        starts = [i for i, row in enumerate(rows) if row.type_name == SessionStarted.type_name]
        if starts:
            rows = rows[starts[-1] :]
            cached = CachedSession(rows[0].id, rows[0].id)
        events = cached.events()
        new = deserialise(row.event for row in rows)
        cached.add(rows, new)
        events.extend(new)
        cached.compact(events)
        self._remember(sender_id, cached)
        return events

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
