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

The events are shared by every load of the conversation (decisions record 59): each load gets
a list of its own holding the same event objects, as Rasa's ``DialogueStateTracker.copy`` does
within a turn. Rasa 3.6 changes an event after the fact in two ways, both on the tracker's
latest user message: ``DefinePrevUserUtteredFeaturization`` sets how it is featurized, and
``EntitiesAdded`` appends the entities it does not hold yet. A replay makes each change where
its event comes, the same at every replay, before any state is taken from the message; so a
shared message ends every load as one built from the database does. A turn applies them to its
latest message: the one it received, or the session's last stored one, of which each load gets
a copy of its own; or, after a fallback took a message back, an earlier one, which is why a save
that fails drops the conversation from the cache (``stores/tracker.py``).

The replay of the events before the last user message is kept too (decisions record 60): each
load gets a clone of it and replays only the rest (:meth:`CachedSession.tracker`).
"""

from __future__ import annotations

import copy
import functools
import math
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rasa.shared.core.events import Event, SessionStarted, UserUttered
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import all_subclasses

from nlu_components.copies import resume

# About 2 KB of memory per event: 500 conversations of 40 events is some 40 MB per Rasa
# instance (42 MB measured, docs/performance.md, twenty-eighth step).
DEFAULT_CONVERSATIONS = 500


@dataclass(frozen=True)
class Row:
    """One stored event row: its id, its type and its revealed event."""

    id: int
    type_name: str | None
    event: dict[str, Any]


@dataclass
class CachedSession:
    """The events of one conversation's latest session, built once, and their row ids.

    Each load used to get copies of all of them (the events kept pickled): 2 ms a load at
    1,100 events, and the 36,000 objects it made set off the collector's passes, most of what
    a late turn still grew by (docs/performance.md, twenty-eighth step).
    """

    first_id: int
    last_id: int
    rows: int = 0  # rows stored for the session (an event Rasa cannot build counts too)
    built: list[Event] = field(default_factory=list)
    last_user: int | None = None  # where the last user message is in ``built``
    timestamps_compare: bool = True  # no event's timestamp is NaN (see ``tracker``)
    replay: PrefixReplay | None = None  # of ``built[:last_user]`` (see ``tracker``)

    def add(self, rows: list[Row], events: list[Event]) -> None:
        """Append rows stored after the ones cached, with the events built from them."""
        for index, event in enumerate(events, start=len(self.built)):
            if isinstance(event, UserUttered):
                self.last_user = index
            if not event.timestamp <= math.inf:
                self.timestamps_compare = False
        self.built.extend(events)
        if rows:
            self.rows += len(rows)
            self.last_id = rows[-1].id

    def events(self, start: int = 0) -> list[Event]:
        """The session's events from ``start`` on: shared, but for the last user message."""
        loaded = self.built[start:]
        if self.last_user is not None and self.last_user >= start:
            loaded[self.last_user - start] = copy.deepcopy(loaded[self.last_user - start])
        return loaded

    def tracker(self, sender_id: str, slots: list[Slot]) -> DialogueStateTracker | None:
        """The session's tracker, equal to Rasa's ``from_events`` of :meth:`events`.

        Rasa replays every event of the session into a new tracker at each load: about 1 ms
        of a late turn's growth at 1,200 events (docs/performance.md, twenty-ninth step). The
        events before the last user message are shared, and what Rasa may change in them a
        replay repeats (see the module notes), so their replay is kept here, advanced as the
        session grows, and each load gets a clone of it with the rest replayed: the last user
        message, a copy of its own, and what came after it. The replay is never handed out, so
        no turn changes it; it holds what the cached events hold and nothing a turn received.

        Rasa's whole replay when there is no user message yet (the clone would share the
        tracker's empty placeholder message) or when an event's timestamp is NaN (the copies
        of ``nlu_components.copies`` stop there); a domain of other slots starts the kept
        replay afresh.
        """
        if not self.built:
            return None
        if self.last_user is None or not self.timestamps_compare:
            return DialogueStateTracker.from_events(sender_id, self.events(), slots)
        replay = self.replay
        if replay is None or replay.slots is not slots:
            replay = PrefixReplay(slots, 0, DialogueStateTracker(sender_id, slots))
            self.replay = replay
        # the last user message only moves on (``add``), so the replay only ever advances
        for event in self.built[replay.count : self.last_user]:
            replay.tracker.update(event)
        replay.count = self.last_user
        return resume(replay.tracker, self.events(self.last_user))


@dataclass
class PrefixReplay:
    """A tracker that replayed a cached session's first ``count`` events, with ``slots``."""

    slots: list[Slot]
    count: int
    tracker: DialogueStateTracker


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

    def load(self, sender_id: str, rows: list[Row]) -> CachedSession | None:
        """Cache a session loaded in full (its rows in id order)."""
        if not rows:
            self.drop(sender_id)
            return None
        cached = CachedSession(rows[0].id, rows[0].id)
        cached.add(rows, deserialise(row.event for row in rows))
        self._remember(sender_id, cached)
        return cached

    def extend(self, sender_id: str, cached: CachedSession, rows: list[Row]) -> CachedSession:
        """The cached session's events with the rows stored since (ids above ``last_id``).

        A ``session_started`` among them begins the session anew from that row, which is
        what Rasa's query for the latest session returns.
        """
        starts = [i for i, row in enumerate(rows) if row.type_name == SessionStarted.type_name]
        if starts:
            rows = rows[starts[-1] :]
            cached = CachedSession(rows[0].id, rows[0].id)
        cached.add(rows, deserialise(row.event for row in rows))
        self._remember(sender_id, cached)
        return cached

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
