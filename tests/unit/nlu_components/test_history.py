"""Incremental dialogue states equal Rasa's, turn after turn, whatever the conversation does."""

from __future__ import annotations

import copy
import functools
import pickle
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa.core.featurizers.single_state_featurizer import SingleStateFeaturizer
from rasa.core.featurizers.tracker_featurizers import (
    FullDialogueTrackerFeaturizer,
    IntentMaxHistoryTrackerFeaturizer,
    MaxHistoryTrackerFeaturizer,
    TrackerFeaturizer,
)
from rasa.core.training import load_data
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    EntitiesAdded,
    Event,
    Restarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from nlu_components.history import (
    FEATURIZER_TAIL,
    IncrementalStates,
    Options,
    remove_action_unlikely_intent_from_states,
    remove_user_text_if_intent,
)

ROOT = Path(__file__).resolve().parents[3]
RULE_ONLY = {"slots": ["requested_slot"], "active_loops": ["order_lookup_form"]}
OPTIONS = [
    Options(False, False, None),
    Options(True, False, None),
    Options(False, True, RULE_ONLY),
    Options(False, True, None),
]


@functools.cache
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


@functools.cache
def story_events() -> list[list[Event]]:
    """The events of every test story and training story, as conversations."""
    trackers = [
        *load_data(str(ROOT / "tests" / "stories"), domain(), augmentation_factor=0),
        *load_data(str(ROOT / "data" / "stories"), domain(), augmentation_factor=0),
    ]
    return [list(t.events) for t in trackers if len(t.events) > 3]


def rasa_states(tracker: DialogueStateTracker, options: Options) -> list[Any]:
    return domain().states_for_tracker_history(
        tracker,
        omit_unset_slots=options.omit_unset_slots,
        ignore_rule_only_turns=options.ignore_rule_only_turns,
        rule_only_data=options.rule_only_data,
    )


def reload(tracker: DialogueStateTracker) -> DialogueStateTracker:
    """The tracker as the next turn gets it: rebuilt from its stored dicts."""
    return DialogueStateTracker.from_dict(
        tracker.sender_id, [e.as_dict() for e in tracker.events], domain().slots
    )


def turns(events: list[Event]) -> Iterator[int]:
    """Where a live conversation asks for states: before each action and at the end."""
    for i, event in enumerate(events):
        if isinstance(event, ActionExecuted):
            yield i
    yield len(events)


def reload_sharing(tracker: DialogueStateTracker) -> DialogueStateTracker:
    """The tracker as the store's session cache hands it over: the earlier turns' very events.

    The last turn's, from the user message before the latest on, are new objects (read from
    the database, and each load's copy of the last stored user message).
    """
    events = list(tracker.events)
    users = [i for i, event in enumerate(events) if isinstance(event, UserUttered)]
    fresh = users[-2] if len(users) > 1 else len(events)
    events[fresh:] = copy.deepcopy(events[fresh:])
    return DialogueStateTracker.from_events(tracker.sender_id, events, domain().slots)


def story_steps(
    next_turn: Callable[[DialogueStateTracker], DialogueStateTracker] = reload,
) -> Iterator[DialogueStateTracker]:
    """Every story's tracker where a live conversation asks for states, reloaded at each turn."""
    for n, events in enumerate(story_events()):
        tracker = DialogueStateTracker(f"story-{n}", domain().slots)
        done = 0
        for end in turns(events):
            for event in events[done:end]:
                tracker.update(event)
            done = end
            if isinstance(events[end - 1] if end else None, UserUttered):
                tracker = next_turn(tracker)  # a new turn: the store hands over a new tracker
            yield tracker


def test_story_corpus_is_not_empty() -> None:
    assert len(story_events()) >= 20


@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_states_equal_rasa_at_every_step_of_every_story(options: Options) -> None:
    incremental = IncrementalStates()
    for tracker in story_steps():
        assert incremental.past_states(tracker, domain(), options) == rasa_states(tracker, options)


@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_states_equal_rasa_at_every_step_when_each_turn_shares_the_earlier_events(
    options: Options,
) -> None:
    incremental = IncrementalStates()
    for tracker in story_steps(next_turn=reload_sharing):
        assert incremental.past_states(tracker, domain(), options) == rasa_states(tracker, options)


def conversation(sender: str) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, domain().slots)
    for event in [
        ActionExecuted("action_session_start"),
        ActionExecuted("action_listen"),
        UserUttered("where is my order", {"name": "order_status", "confidence": 0.9}),
        ActionExecuted("order_lookup_form"),
        ActiveLoop("order_lookup_form"),
        SlotSet("requested_slot", "order_id"),
        ActionExecuted("action_listen"),
        UserUttered("A1001", {"name": "inform", "confidence": 0.9}),
    ]:
        tracker.update(event)
    return tracker


@pytest.mark.parametrize(
    "change",
    [
        [UserUtteranceReverted()],
        [Restarted(), ActionExecuted("action_listen")],
        [ActionExecuted("order_lookup_form"), SlotSet("order_id", "A1001")],
        [ActionExecuted("order_lookup_form"), ActionExecuted("order_lookup_form")],
    ],
    ids=["rewind", "restart", "form-step", "form-again"],
)
def test_states_equal_rasa_after_a_rewind_restart_or_form_undo(change: list[Event]) -> None:
    incremental = IncrementalStates()
    tracker = conversation("undo")
    incremental.past_states(tracker, domain(), OPTIONS[2])
    for event in change:
        tracker.update(event)
        for options in OPTIONS:
            assert incremental.past_states(tracker, domain(), options) == rasa_states(
                tracker, options
            )


def test_a_changed_earlier_event_is_replayed_afresh() -> None:
    """Same length and same last event, but an earlier event differs: no stale states."""
    incremental = IncrementalStates()
    first = conversation("same-id")
    incremental.past_states(first, domain(), OPTIONS[0])
    events = list(first.events)
    events[2] = UserUttered("cancel it", {"name": "cancel_order", "confidence": 0.9})
    events[2].timestamp = time.time() + 1
    second = DialogueStateTracker.from_events("same-id", events, domain().slots)
    assert incremental.past_states(second, domain(), OPTIONS[0]) == rasa_states(second, OPTIONS[0])


def shares_all_but(tracker: DialogueStateTracker, fresh: int) -> DialogueStateTracker:
    """The next turn's tracker with the very events of this one but its last ``fresh``."""
    events = list(tracker.events)
    events[-fresh:] = copy.deepcopy(events[-fresh:])
    return DialogueStateTracker.from_events(tracker.sender_id, events, domain().slots)


@pytest.mark.parametrize("next_turn", [False, True], ids=["same turn", "next turn"])
def test_an_entity_added_to_an_earlier_message_reaches_the_states_after_it(
    next_turn: bool,
) -> None:
    """After a fallback took the last message back, Rasa adds entities to the one before."""
    incremental = IncrementalStates()
    tracker = conversation("entity-later")  # ... the bot listens, "A1001"
    for event in [ActionExecuted("utter_greet"), ActionExecuted("action_listen")]:
        tracker.update(event)  # a state after "A1001" is taken: before "utter_greet"
    fallback = [
        ActionExecuted("action_listen"),
        UserUttered("asdf qwer", {"name": "nlu_fallback", "confidence": 0.2}),
        ActionExecuted("action_default_fallback"),
        UserUtteranceReverted(),  # "A1001" is the latest message again, the bot listening
    ]
    for event in fallback:
        tracker.update(event)
    incremental.past_states(tracker, domain(), OPTIONS[0])
    if next_turn:
        tracker = shares_all_but(tracker, len(fallback))  # as the session cache loads it
    tracker.update(EntitiesAdded([{"entity": "order_id", "value": "A1001"}]))

    assert tracker.latest_message.entities
    assert incremental.past_states(tracker, domain(), OPTIONS[0]) == rasa_states(
        tracker, OPTIONS[0]
    )


def test_a_reloaded_conversation_asked_with_every_option_set_continues_as_rasa() -> None:
    """A new turn's tracker holds copies of the events, checked once for all option sets."""
    incremental = IncrementalStates()
    first = conversation("reloaded")
    for options in OPTIONS:
        incremental.past_states(first, domain(), options)
    copies = pickle.loads(pickle.dumps(list(first.events)))
    second = DialogueStateTracker.from_events("reloaded", copies, domain().slots)
    asked = OPTIONS[:1]  # then the others first after the tracker changed
    for change in [[], [UserUtteranceReverted(), UserUttered("A1002", {"name": "inform"})]]:
        for event in change:
            second.update(event)
        for options in asked:
            assert incremental.past_states(second, domain(), options) == rasa_states(
                second, options
            )
        asked = OPTIONS


def test_states_changed_as_featurizers_change_them_leave_the_next_answer_alone() -> None:
    """Featurizers delete the text or intent of user sub-states and drop states from lists."""
    incremental = IncrementalStates()
    tracker = conversation("mutate")
    got = incremental.past_states(tracker, domain(), OPTIONS[0])
    for state in got:
        state.get("user", {}).clear()
    del got[-1]
    assert incremental.past_states(tracker, domain(), OPTIONS[0]) == rasa_states(
        tracker, OPTIONS[0]
    )


def test_the_memory_keeps_at_most_its_size() -> None:
    incremental = IncrementalStates(size=3)
    for n in range(10):
        incremental.past_states(conversation(f"c{n}"), domain(), OPTIONS[0])
    assert len(incremental._progress) == 3


FEATURIZERS = [
    ("max-history-5", lambda: MaxHistoryTrackerFeaturizer(SingleStateFeaturizer(), 5), True),
    ("whole-history", lambda: MaxHistoryTrackerFeaturizer(SingleStateFeaturizer(), None), True),
    ("intent-max-5", lambda: IntentMaxHistoryTrackerFeaturizer(SingleStateFeaturizer(), 5), True),
    ("full-dialogue", lambda: FullDialogueTrackerFeaturizer(SingleStateFeaturizer()), False),
]


def incremental_featurizer(
    featurizer: TrackerFeaturizer, incremental: IncrementalStates
) -> TrackerFeaturizer:
    """``featurizer`` asking ``incremental`` for states as the Rasa server does, with both of
    the featurizer's passes over them installed."""

    def create_states(
        tracker: DialogueStateTracker,
        domain: Domain,
        omit_unset_slots: bool = False,
        ignore_rule_only_turns: bool = False,
        rule_only_data: dict[str, Any] | None = None,
    ) -> list[Any]:
        options = Options(omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        return incremental.featurizer_states(tracker, domain, options)

    featurizer._create_states = create_states
    featurizer._remove_user_text_if_intent = remove_user_text_if_intent
    featurizer._remove_action_unlikely_intent_from_states = (
        remove_action_unlikely_intent_from_states
    )
    return featurizer


@pytest.mark.parametrize(
    ("make", "unlikely"), [f[1:] for f in FEATURIZERS], ids=[f[0] for f in FEATURIZERS]
)
@pytest.mark.parametrize("options", [OPTIONS[0], OPTIONS[2]], ids=str)
def test_what_every_featurizer_predicts_from_equals_rasa_at_every_step_of_every_story(
    make: Any, unlikely: bool, options: Options
) -> None:
    """Text and intent alternately, so a featurizer's change to one call shows in the next."""
    incremental = IncrementalStates()
    ours, rasas = incremental_featurizer(make(), incremental), make()
    for tracker in story_steps():
        for use_text in (True, False, True):
            arguments: dict[str, Any] = {
                "use_text_for_last_user_input": use_text,
                "ignore_rule_only_turns": options.ignore_rule_only_turns,
                "rule_only_data": options.rule_only_data,
                **({"ignore_action_unlikely_intent": True} if unlikely else {}),
            }
            assert ours.prediction_states([tracker], domain(), **arguments) == (
                rasas.prediction_states([tracker], domain(), **arguments)
            )
        assert incremental.past_states(tracker, domain(), options) == rasa_states(tracker, options)


def test_a_long_conversation_gives_the_featurizer_copies_of_its_last_states_only() -> None:
    incremental = IncrementalStates()
    tracker = conversation("long")
    for n in range(3 * FEATURIZER_TAIL):
        tracker.update(ActionExecuted("action_listen"))
        tracker.update(UserUttered(f"question {n}", {"name": "order_status", "confidence": 0.9}))
        tracker.update(ActionExecuted("utter_greet"))

    first = incremental.featurizer_states(tracker, domain(), OPTIONS[0])
    again = incremental.featurizer_states(tracker, domain(), OPTIONS[0])

    assert first == again
    assert len(first) == len(rasa_states(tracker, OPTIONS[0]))
    shared = sum(a is b for a, b in zip(first, again, strict=True))
    assert shared == len(first) - FEATURIZER_TAIL - 1


@pytest.mark.parametrize("unlikely_at", [(), (2,), (2, 3 * FEATURIZER_TAIL - 2)], ids=str)
@pytest.mark.parametrize("ignore_unlikely", [True, False])
@pytest.mark.parametrize("use_text", [True, False])
def test_a_long_conversation_reaches_the_featurizer_as_by_rasa(
    use_text: bool, ignore_unlikely: bool, unlikely_at: tuple[int, ...]
) -> None:
    """Every message has text and intent; some turns have an ``action_unlikely_intent``, early
    (among the states shared) or late (among the copies), which the featurizer may drop."""
    ours = incremental_featurizer(MaxHistoryTrackerFeaturizer(), IncrementalStates())
    rasas = MaxHistoryTrackerFeaturizer()
    tracker = conversation("long")
    for n in range(3 * FEATURIZER_TAIL):
        tracker.update(ActionExecuted("action_listen"))
        tracker.update(UserUttered(f"question {n}", {"name": "order_status", "confidence": 0.9}))
        if n in unlikely_at:
            tracker.update(ActionExecuted("action_unlikely_intent"))
        tracker.update(ActionExecuted("utter_greet"))
        for _ in range(2):  # the second call gets the states the first one left
            arguments = {
                "use_text_for_last_user_input": use_text,
                "rule_only_data": None,
                "ignore_action_unlikely_intent": ignore_unlikely,
            }
            assert ours.prediction_states([tracker], domain(), **arguments) == (
                rasas.prediction_states([tracker], domain(), **arguments)
            )
