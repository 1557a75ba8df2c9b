"""A conversation's applied events, worked out once per event instead of once per call.

``DialogueStateTracker.applied_events`` (the events that still count: without those a rewind,
a restart or a form's undo took back) walks the whole conversation at every call. The Rasa
server calls it about ten times a turn: for every policy's states, for every action it
predicts. On a conversation of 240 turns that was some 3 ms a call, a third of a late turn's
time in the Rasa process (docs/performance.md, fifth profile), and it grows with every turn.

:func:`install_incremental_applied_events` makes each tracker remember how far it has folded
its events and the result, and fold only the events appended since. The fold is Rasa's own
loop, step for step. Rasa decides how a form's action counts by the names of every form the
conversation ever activated; when a new event activates a form not seen before, the result
is worked out afresh from the first event, exactly as Rasa would. A tracker whose events were
replaced or shortened is worked out afresh too. A new turn's tracker (rebuilt from the store)
starts without memory.

Only the Rasa server installs it (``guardrails.launch``): training and ``rasa test`` keep
Rasa's own method.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from nlu_components.event_kinds import EventKinds
from nlu_components.patching import installs

_MEMORY = "_aftercare_applied"


@dataclass
class Folded:
    """How far one tracker's events were folded, and what came of them."""

    events_id: int  # the tracker's event deque when folded (a replaced deque starts afresh)
    seen: int = 0
    last: Event | None = None  # the last event folded, which must still be at ``seen - 1``
    loop_names: frozenset[str] = frozenset()
    applied: list[Event] = field(default_factory=list)


def applied_events(tracker: DialogueStateTracker) -> list[Event]:
    """Equal to Rasa's ``tracker.applied_events()``; a new list the caller may change."""
    return list(_folded(tracker).applied)


def _folded(tracker: DialogueStateTracker) -> Folded:
    """The tracker's fold, brought up to its last event and remembered on it."""
    events = tracker.events
    memory: Folded | None = getattr(tracker, _MEMORY, None)
    if memory is None or not still_prefix(tracker, memory.events_id, memory.seen, memory.last):
        memory = _afresh(tracker)
    elif len(events) > memory.seen:
        new = [events[i] for i in range(memory.seen, len(events))]
        if _activates_new_loop(new, memory.loop_names):
            memory = _afresh(tracker)
        else:
            _fold(tracker, memory, new)
    setattr(tracker, _MEMORY, memory)
    return memory


def carry_fold(source: DialogueStateTracker, clone: DialogueStateTracker) -> None:
    """Give ``clone``, whose deque of its own holds ``source``'s events, ``source``'s fold.

    ``source`` is folded first (only what it appended since its last fold), so ``clone``
    folds only the events appended to it after. A tracker rebuilt at each load from a replay
    kept between turns (``nlu_components.copies.resume``) would otherwise fold the whole
    conversation again.
    """
    memory = _folded(source)
    carried = Folded(
        id(clone.events), memory.seen, memory.last, memory.loop_names, list(memory.applied)
    )
    setattr(clone, _MEMORY, carried)


def still_prefix(
    tracker: DialogueStateTracker, events_id: int, seen: int, last: Event | None
) -> bool:
    """Whether the ``seen`` events worked through (the last being ``last``) still begin
    the tracker's events, in the same deque: what changes other than an append fails."""
    events = tracker.events
    if id(events) != events_id or len(events) < seen:
        return False
    return seen == 0 or events[seen - 1] is last


def _activates_new_loop(new: list[Event], loop_names: frozenset[str]) -> bool:
    return any(isinstance(e, ActiveLoop) and e.name and e.name not in loop_names for e in new)


def _afresh(tracker: DialogueStateTracker) -> Folded:
    """Fold every event of the tracker, with the names of every loop it ever activated."""
    events = list(tracker.events)
    loops = [cast(ActiveLoop, e) for e in events if _KINDS[type(e)] == _LOOP]
    memory = Folded(
        events_id=id(tracker.events), loop_names=frozenset(e.name for e in loops if e.name)
    )
    _fold(tracker, memory, events)
    return memory


# The fold's branches, Rasa's tests in Rasa's order; the kinds that are simply kept come last.
_RESET, _REVERT_ACTION, _REVERT_UTTERANCE, _ACTION, _LOOP, _OTHER = range(6)
_KINDS = EventKinds(
    [
        (Restarted | SessionStarted, _RESET),
        (ActionReverted, _REVERT_ACTION),
        (UserUtteranceReverted, _REVERT_UTTERANCE),
        (ActionExecuted, _ACTION),
        (ActiveLoop, _LOOP),
    ],
    other=_OTHER,
)


def _fold(tracker: DialogueStateTracker, memory: Folded, events: list[Event]) -> None:
    """One step of Rasa's ``applied_events`` loop per event, on ``memory.applied``."""
    applied = memory.applied
    for event in events:
        kind = _KINDS[type(event)]
        if kind >= _LOOP:
            applied.append(event)
        elif kind == _RESET:
            applied.clear()
        elif kind == _REVERT_ACTION:
            tracker._undo_till_previous(ActionExecuted, applied)
        elif kind == _REVERT_UTTERANCE:
            tracker._undo_till_previous(UserUttered, applied)
            tracker._undo_till_previous(ActionExecuted, applied)
        else:
            _fold_action(tracker, memory, cast(ActionExecuted, event))
    memory.seen += len(events)
    if events:
        memory.last = events[-1]


def _fold_action(tracker: DialogueStateTracker, memory: Folded, event: ActionExecuted) -> None:
    """Rasa's step for an action: a loop's rerun undoes the loop's previous turn."""
    applied = memory.applied
    if event.action_name in memory.loop_names and not (
        tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)
    ):
        tracker._undo_till_previous_loop_execution(event.action_name, applied)
    else:
        applied.append(event)


def installed() -> bool:
    """Whether this process folds applied events incrementally (the Rasa server)."""
    return install_incremental_applied_events.installed()


@installs("rasa.shared.core.trackers:DialogueStateTracker.applied_events")
def install_incremental_applied_events() -> None:
    """Make ``DialogueStateTracker.applied_events`` incremental in this process (idempotent)."""

    def incremental(self: DialogueStateTracker) -> list[Event]:
        return applied_events(self)

    DialogueStateTracker.applied_events = incremental
