"""Dialogue states built once per event instead of once per prediction.

Every policy that predicts the next action asks Rasa for the states of the whole conversation
(``DialogueStateTracker.past_states``). Rasa builds them by replaying every event of the
session from the start, and it does so for each policy, for each action it predicts, at every
turn: TED, memoization and rules each several times a turn. On a long conversation that was
46 % of the Rasa server's time and the main reason a turn grew slower with every turn
(docs/performance.md), even though TED and memoization then keep the last five states only.

:func:`install_incremental_states` makes ``past_states`` remember, per conversation and per
set of options, the states it has built and the replayed tracker they came from. The next call
checks that the events already replayed are still the first events of the conversation (each
marked by its type, timestamp and name, which a stored event keeps through the tracker store)
and replays only the events after them. Anything else (a rewind, a restart, a form undoing its
previous turn, another conversation, a different domain) falls back to a replay from the start,
exactly Rasa's. The states are Rasa's: the same steps (``Domain.get_active_state`` and the rule
handling of ``Domain.states_for_tracker_history``) on the same replayed trackers, and each call
gets copies it may change. A tracker featurizer (``TrackerFeaturizer._create_states``, how every
policy asks) gets copies of the last states only: see
:meth:`IncrementalStates.featurizer_states`.

Only the Rasa server installs it (``guardrails.launch``): training and ``rasa test`` keep Rasa's
own method.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field, replace
from itertools import compress
from operator import attrgetter, ne
from typing import Any

from rasa.core.featurizers.tracker_featurizers import (
    TrackerFeaturizer,
    _is_prev_action_unlikely_intent_in_state,
)
from rasa.shared.core.constants import USER
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT, TEXT

from nlu_components.patching import installs

# Conversations × option sets remembered by one Rasa process (each holds its replayed tracker).
DEFAULT_ENTRIES = 1500
_MARKS = "_aftercare_marks"  # a tracker's attribute: the marks of its applied events
# The last states a featurizer gets as copies (see IncrementalStates.featurizer_states): it
# changes the last one, and the policies slice at most their max_history (5 here) from the end.
FEATURIZER_TAIL = 10
_ENTITIES = attrgetter("entities")  # a user message's list (Rasa makes one when given none)

Mark = tuple[Any, ...]


def mark(event: Event) -> Mark:
    """What tells one event of a conversation from another, cheaply.

    Stored events keep their timestamp to the bit, so an event read back from the store marks
    the same as the one that was saved. The entity count catches the change to an event after
    the fact that a later state can read (``EntitiesAdded`` appends to its user message's
    entities); Rasa's other one, ``DefinePrevUserUtteredFeaturization``, comes before the
    message's first state is taken.
    """
    return (
        type(event),
        event.timestamp,
        getattr(event, "action_name", None) or getattr(event, "key", None),
        getattr(event, "text", None),
        len(getattr(event, "entities", None) or ()),
    )


class FeaturizerStates(list[State]):
    """States for a tracker featurizer, with what is known of their first ones.

    The first ``stripped_prefix`` are shared, with no user text beside an intent
    (:meth:`IncrementalStates.featurizer_states`), so the featurizer's pass that strips the
    text (:func:`remove_user_text_if_intent`) starts after them. None of the first
    ``likely_prefix`` follows an ``action_unlikely_intent``, so the pass that drops such states
    (:func:`remove_action_unlikely_intent_from_states`) starts after them too. A slice or a copy
    is a plain list, which both passes walk whole, as Rasa's.
    """

    stripped_prefix: int = 0
    likely_prefix: int = 0


@dataclass
class Progress:
    """States built so far for one conversation and one set of options."""

    replay: DialogueStateTracker
    events: list[Event] = field(default_factory=list)  # the tracker's, as last checked
    ids: list[int] = field(default_factory=list)  # theirs
    marks: list[Mark] = field(default_factory=list)
    users: list[int] = field(default_factory=list)  # where the user messages are in ``ids``
    entities: list[int] = field(default_factory=list)  # how many entities each of them held
    states: list[State] = field(default_factory=list)
    stripped: list[State] = field(default_factory=list)  # as the featurizers leave them
    last_ml_action: Any = None
    turn_was_hidden: bool = False
    first_unlikely: int | None = None  # the first state after an action_unlikely_intent


@dataclass(frozen=True)
class Options:
    """The arguments of ``past_states`` that change the states."""

    omit_unset_slots: bool
    ignore_rule_only_turns: bool
    rule_only_data: dict[str, Any] | None


class IncrementalStates:
    """``past_states`` that replays only the events it has not replayed yet."""

    def __init__(self, size: int = DEFAULT_ENTRIES) -> None:
        self.size = size
        self._progress: OrderedDict[Hashable, Progress] = OrderedDict()

    def past_states(
        self, tracker: DialogueStateTracker, domain: Domain, options: Options
    ) -> list[State]:
        """The states of ``tracker``'s history, equal to Rasa's ``past_states``."""
        progress = self._advance(tracker, domain, options)
        states = [_copy(state) for state in progress.states]
        return _with_final(states, domain, progress, options)

    def featurizer_states(
        self, tracker: DialogueStateTracker, domain: Domain, options: Options
    ) -> list[State]:
        """The states a tracker featurizer asks for, without a copy of every one of them.

        Every tracker featurizer of Rasa 3.6 strips the user text from each state that also
        has an intent (``_remove_user_text_if_intent``), after it changed the last state
        (``_choose_last_user_input``), and changes nothing else in a state; the policies only
        read what it returns. So the states before the last :data:`FEATURIZER_TAIL` are handed
        over already stripped and shared, which the featurizer then leaves as they are, and
        only the last ones are copies it may change. Equal to Rasa's once the featurizer is
        done; copying every state at every call was the largest part of a late turn's growth
        (docs/performance.md, sixth step).
        """
        progress = self._advance(tracker, domain, options)
        cut = max(len(progress.states) - FEATURIZER_TAIL, 0)
        states = FeaturizerStates(progress.stripped[:cut])
        states.extend(_copy(state) for state in progress.states[cut:])
        states.stripped_prefix = cut
        first = progress.first_unlikely
        states.likely_prefix = cut if first is None else min(cut, first)
        return _with_final(states, domain, progress, options)

    def _advance(self, tracker: DialogueStateTracker, domain: Domain, options: Options) -> Progress:
        """The conversation's progress for ``options``, with the events since replayed."""
        applied = tracker.applied_events()
        ids = list(map(id, applied))
        key = (
            tracker.sender_id,
            id(domain),
            options.omit_unset_slots,
            options.ignore_rule_only_turns,
            repr(options.rule_only_data),
        )
        progress = self._progress.pop(key, None)
        if progress is None or not _continues(progress, tracker, applied, ids):
            progress = Progress(tracker.init_copy())
        for event in applied[len(progress.ids) :]:
            if isinstance(event, ActionExecuted):
                state = _next_state(domain, progress, event.hide_rule_turn, options)
                if state is not None:
                    if progress.first_unlikely is None and (
                        _is_prev_action_unlikely_intent_in_state(state)
                    ):
                        progress.first_unlikely = len(progress.states)
                    progress.states.append(state)
                    progress.stripped.append(_stripped(state))
            progress.replay.update(event)
            marked = mark(event)
            if isinstance(event, UserUttered):
                progress.users.append(len(progress.marks))
                progress.entities.append(marked[-1])
            progress.marks.append(marked)
        progress.events, progress.ids = applied, ids
        self._remember(key, progress)
        return progress

    def _remember(self, key: Hashable, progress: Progress) -> None:
        self._progress[key] = progress
        while len(self._progress) > self.size:
            self._progress.popitem(last=False)


def _continues(
    progress: Progress, tracker: DialogueStateTracker, applied: list[Event], ids: list[int]
) -> bool:
    """Whether the events ``progress`` replayed are still the first of ``applied``.

    Within a turn the tracker holds the very event objects replayed before (compared by
    ``id``: ``progress.events`` keeps them alive, so no other object can have their ids). A
    new turn's tracker comes from the store's session cache, which shares the events of the
    earlier turns with every load (``stores/sessions.py``): those are the very objects too.
    The others (the last turn's events, built anew from the database, and each load's copy of
    the last user message) are compared by :func:`mark`; a tracker that shares few of them,
    by the marks of all its events. Either way, what Rasa may change in an event after the
    fact is a user message's entities (``EntitiesAdded``), and a state after the message reads
    them: each user message must still hold as many as when it was replayed.
    """
    done = len(progress.ids)
    if len(applied) < done:
        return False
    marks = progress.marks
    if ids[:done] != progress.ids:
        others = list(compress(range(done), map(ne, ids, progress.ids)))
        if len(others) > done // 2:
            return _marks(tracker, applied)[:done] == marks
        if any(mark(applied[index]) != marks[index] for index in others):
            return False
    users = map(applied.__getitem__, progress.users)
    return list(map(len, map(_ENTITIES, users))) == progress.entities


def _marks(tracker: DialogueStateTracker, applied: list[Event]) -> list[Mark]:
    """The marks of ``applied`` (the tracker's applied events), made once per tracker state.

    A new turn's tracker is checked once for every set of options the policies ask with,
    each time against all its events; the marks are made once for all of them and kept
    until the tracker's events change (docs/performance.md, twenty-fifth step).
    """
    state = (id(tracker.events), len(tracker.events))
    kept: tuple[tuple[int, int], list[Mark]] | None = getattr(tracker, _MARKS, None)
    if kept is None or kept[0] != state:
        kept = (state, [mark(e) for e in applied])
        setattr(tracker, _MARKS, kept)
    return kept[1]


def _with_final(
    states: list[State], domain: Domain, progress: Progress, options: Options
) -> list[State]:
    """``states`` and the state after the last event, unless the rule handling hides it.

    The final state is copied too: the rule handling may have given it the user sub-state of
    the last state kept (``_substitute_rule_only_user_input``), which a featurizer would
    otherwise change in the states kept.
    """
    final = _next_state(domain, _scratch(progress), False, options)
    if final is not None:
        states.append(_copy(final))
    return states


def _scratch(progress: Progress) -> Progress:
    """``progress`` for one more step that must not change it (the state after the events)."""
    return replace(progress)  # the same lists; a step changes only its own flags


def _next_state(
    domain: Domain, progress: Progress, hide_rule_turn: bool, options: Options
) -> State | None:
    """The state of ``progress.replay``: one step of ``Domain.states_for_tracker_history``.

    None when the rule handling hides the turn. Updates ``progress``'s rule bookkeeping as
    Rasa's loop updates its local variables.
    """
    tracker = progress.replay
    if options.ignore_rule_only_turns:
        if not progress.turn_was_hidden:
            progress.last_ml_action = domain._get_prev_action_sub_state(tracker)
        if not tracker.followup_action and tracker.latest_action_name != tracker.active_loop_name:
            progress.turn_was_hidden = hide_rule_turn
        if progress.turn_was_hidden:
            return None
    state = domain.get_active_state(tracker, omit_unset_slots=options.omit_unset_slots)
    if options.ignore_rule_only_turns:
        domain._remove_rule_only_features(state, options.rule_only_data)
        if progress.states:
            domain._substitute_rule_only_user_input(state, progress.states[-1])
        if progress.last_ml_action:
            state["prev_action"] = progress.last_ml_action
    return domain._clean_state(state)


def _copy(state: State) -> State:
    """A copy the featurizers may change.

    They delete the text or the intent of user sub-states (``_choose_last_user_input``,
    ``_remove_user_text_if_intent``) and change no other part of a state.
    """
    copied = dict(state)
    user = copied.get("user")
    if isinstance(user, dict):
        copied["user"] = dict(user)
    return copied


def _stripped(state: State) -> State:
    """``state`` as a featurizer leaves it: no user text beside an intent (a new dict then)."""
    user = state.get(USER)
    if isinstance(user, dict) and user.get(INTENT) and user.get(TEXT):
        return {**state, USER: {k: v for k, v in user.items() if k != TEXT}}
    return state


def remove_user_text_if_intent(trackers_as_states: list[list[State]]) -> None:
    """Rasa's ``TrackerFeaturizer._remove_user_text_if_intent``, over the states it can change.

    Rasa walks every state of the conversation at each prediction, though only the last ones
    can still have a user text beside an intent; the walk over a long conversation's states
    was a tenth of what grew in a late turn (docs/performance.md, twenty-sixth step).
    """
    for states in trackers_as_states:
        skipped = states.stripped_prefix if isinstance(states, FeaturizerStates) else 0
        _rasa_remove_user_text_if_intent([states[skipped:]] if skipped else [states])


def remove_action_unlikely_intent_from_states(states: list[State]) -> list[State]:
    """Rasa's ``TrackerFeaturizer._remove_action_unlikely_intent_from_states``, past the start.

    Memoization and TED ask for it at each prediction, and Rasa walks every state of the
    conversation for it (half a millisecond a late turn, docs/performance.md, twenty-sixth
    step); the states known not to follow an ``action_unlikely_intent`` are kept as they are.
    """
    kept = states.likely_prefix if isinstance(states, FeaturizerStates) else 0
    if not kept:
        return _rasa_remove_action_unlikely_intent_from_states(states)
    remaining = FeaturizerStates(states[:kept])
    remaining.extend(_rasa_remove_action_unlikely_intent_from_states(states[kept:]))
    remaining.stripped_prefix = remaining.likely_prefix = kept
    return remaining


_rasa_remove_user_text_if_intent = TrackerFeaturizer._remove_user_text_if_intent
_rasa_remove_action_unlikely_intent_from_states = (
    TrackerFeaturizer._remove_action_unlikely_intent_from_states
)


@installs("rasa.shared.core.trackers:DialogueStateTracker.past_states")
def install_incremental_states(size: int = DEFAULT_ENTRIES) -> None:
    """Make ``DialogueStateTracker.past_states`` incremental in this process (idempotent)."""
    states = IncrementalStates(size)
    rasa_past_states = DialogueStateTracker.past_states

    def past_states(
        self: DialogueStateTracker,
        domain: Domain,
        omit_unset_slots: bool = False,
        ignore_rule_only_turns: bool = False,
        rule_only_data: dict[str, Any] | None = None,
    ) -> list[State]:
        if self.is_rule_tracker or type(self) is not DialogueStateTracker:
            return rasa_past_states(
                self, domain, omit_unset_slots, ignore_rule_only_turns, rule_only_data
            )
        options = Options(omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        return states.past_states(self, domain, options)

    rasa_create_states = TrackerFeaturizer._create_states

    def create_states(
        self: TrackerFeaturizer,
        tracker: DialogueStateTracker,
        domain: Domain,
        omit_unset_slots: bool = False,
        ignore_rule_only_turns: bool = False,
        rule_only_data: dict[str, Any] | None = None,
    ) -> list[State]:
        if tracker.is_rule_tracker or type(tracker) is not DialogueStateTracker:
            return rasa_create_states(
                self, tracker, domain, omit_unset_slots, ignore_rule_only_turns, rule_only_data
            )
        options = Options(omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        return states.featurizer_states(tracker, domain, options)

    DialogueStateTracker.past_states = past_states
    TrackerFeaturizer._create_states = create_states
    TrackerFeaturizer._remove_user_text_if_intent = staticmethod(remove_user_text_if_intent)
    TrackerFeaturizer._remove_action_unlikely_intent_from_states = staticmethod(
        remove_action_unlikely_intent_from_states
    )
