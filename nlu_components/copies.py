"""The copy of a conversation that each action runs on, kept up to date instead of replayed.

Rasa runs every action on a copy of the tracker (``MessageProcessor._run_action``), so that
the events a policy attached can be dropped if the action rejects. Rasa's ``tracker.copy()``
replays every event of the conversation into a new tracker, for every action of every turn:
1.6 ms more on a late turn than an early one at 1,100 events (docs/performance.md, fifth
profile), and growing with each turn.

:func:`install_incremental_copies` makes each tracker keep that replay: the first copy of a
turn replays only the events appended since the tracker was loaded, later copies only the
events appended since the previous copy, and each action gets a clone of the replay (its own
events deque, slots, active loop and latest action, the very same event objects, as Rasa's
copy has). A tracker built from stored events (``DialogueStateTracker.from_events``, the
tracker store's load) is that replay already, so it is remembered as it is built.

A copy equals Rasa's attribute for attribute, including what Rasa's replay restores and the
processor had changed without an event (it clears a follow-up action in place). Anything
that is not a plain replay falls back to Rasa's own copy or starts the replay afresh: events
replaced or shortened, a tracker subclass (training's trackers), an event whose timestamp
Rasa's copy would stop at, or slots Rasa's copy would rebuild differently.

Only the Rasa server installs it (``guardrails.launch``).
"""

from __future__ import annotations

import copy
import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

from nlu_components import applied
from nlu_components.applied import still_prefix
from nlu_components.patching import installs

_MEMORY = "_aftercare_replay"


@dataclass
class Replay:
    """A tracker's events replayed into a tracker of its own, as Rasa's copy replays them."""

    events_id: int  # the tracker's event deque when replayed (a replaced deque starts afresh)
    seen: int
    last: Event | None  # the last event replayed, which must still be at ``seen - 1``
    tracker: DialogueStateTracker


def copy_of(tracker: DialogueStateTracker) -> DialogueStateTracker:
    """Equal to Rasa's ``tracker.copy()``; a tracker of its own the caller may change."""
    if type(tracker) is not DialogueStateTracker:
        return tracker.travel_back_in_time(math.inf)
    events = tracker.events
    memory: Replay | None = getattr(tracker, _MEMORY, None)
    if memory is None or not still_prefix(tracker, memory.events_id, memory.seen, memory.last):
        memory = Replay(id(events), 0, None, tracker.init_copy())
    new = [events[i] for i in range(memory.seen, len(events))]
    if not all(event.timestamp <= math.inf for event in new):  # NaN: Rasa's copy stops there
        return tracker.travel_back_in_time(math.inf)
    for event in new:
        memory.tracker.update(event)
    if new:
        memory.seen, memory.last = len(events), new[-1]
    setattr(tracker, _MEMORY, memory)
    return clone(memory.tracker)


def remember_replay(tracker: DialogueStateTracker, timestamps_checked: bool = False) -> None:
    """Remember a tracker just built by replaying its events as its own copy's replay.

    It holds what ``init_copy`` and a replay would give, as long as its slots are a plain
    dict and its sender id is set (Rasa's copy would otherwise make different ones) and it
    has no sender source (a copy has none), and every event's timestamp compares (Rasa's copy
    stops at one that does not): ``timestamps_checked`` when the caller knows they do.
    """
    if (
        type(tracker) is not DialogueStateTracker
        or type(tracker.slots) is not dict
        or not tracker.sender_id
        or tracker.sender_source is not None
        or not (timestamps_checked or all(event.timestamp <= math.inf for event in tracker.events))
    ):
        return
    events = tracker.events
    last = events[-1] if events else None
    setattr(tracker, _MEMORY, Replay(id(events), len(events), last, clone(tracker)))


def resume(replay: DialogueStateTracker, events: Iterable[Event]) -> DialogueStateTracker:
    """Rasa's ``from_events`` of the events ``replay`` holds followed by ``events``.

    ``replay`` is a tracker built by replaying its events and nothing else (no processor
    changed it); every timestamp of its events and of ``events`` compares (none is NaN). It
    is left as it is: the tracker returned is a clone of it with ``events`` replayed, so a
    caller that keeps a conversation's replay up to a point (``stores/sessions.py``) replays
    each load from that point only. Its applied events and its copies' replay are carried
    over too, as a tracker from ``from_events`` gets them here.
    """
    tracker = clone(replay)
    if applied.installed():
        applied.carry_fold(replay, tracker)
    for event in events:
        tracker.update(event)
    if installed():
        remember_replay(tracker, timestamps_checked=True)
    return tracker


def clone(tracker: DialogueStateTracker) -> DialogueStateTracker:
    """A new tracker in the state of ``tracker``, nothing mutable shared but the events.

    Rasa's copy shares the event objects too (the latest message is one of them); its slots,
    active loop, latest action and event deque are its own, and so are the clone's.
    """
    new: DialogueStateTracker = DialogueStateTracker.__new__(DialogueStateTracker)
    state: dict[str, Any] = {k: v for k, v in vars(tracker).items() if k != _MEMORY}
    new.__dict__.update(state)
    new.events = deque(tracker.events, tracker.events.maxlen)
    new.slots = {name: copy.copy(slot) for name, slot in tracker.slots.items()}
    if tracker.active_loop is not None:
        new.active_loop = copy.copy(tracker.active_loop)
    if tracker.latest_action is not None:
        new.latest_action = dict(tracker.latest_action)
    return new


def installed() -> bool:
    """Whether this process copies trackers incrementally (the Rasa server)."""
    return install_incremental_copies.installed()


@installs("rasa.shared.core.trackers:DialogueStateTracker.copy")
def install_incremental_copies() -> None:
    """Make ``DialogueStateTracker.copy`` incremental in this process (idempotent)."""
    rasa_from_events = DialogueStateTracker.from_events.__func__

    def incremental(self: DialogueStateTracker) -> DialogueStateTracker:
        return copy_of(self)

    def from_events(cls: type[DialogueStateTracker], *args: Any, **kwargs: Any) -> Any:
        tracker = rasa_from_events(cls, *args, **kwargs)
        remember_replay(tracker)
        return tracker

    DialogueStateTracker.copy = incremental
    DialogueStateTracker.from_events = classmethod(from_events)
