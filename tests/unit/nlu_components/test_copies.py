"""The copy each action runs on equals Rasa's, at every event, whatever the conversation does."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    FollowupAction,
    LoopInterrupted,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from nlu_components.applied import install_incremental_applied_events
from nlu_components.copies import copy_of, install_incremental_copies, remember_replay, resume
from tests.unit.nlu_components.test_history import conversation, domain, story_events


def rasa_copy(tracker: DialogueStateTracker) -> DialogueStateTracker:
    """Rasa's own copy (what ``DialogueStateTracker.copy`` does before it is replaced)."""
    return tracker.travel_back_in_time(math.inf)


def state(tracker: DialogueStateTracker) -> dict[str, Any]:
    """Everything a tracker holds, events by identity and slots by their whole state."""
    held = {k: v for k, v in vars(tracker).items() if not k.startswith("_aftercare")}
    held["events"] = ([id(e) for e in tracker.events], tracker.events.maxlen)
    held["slots"] = {name: (type(s), vars(s)) for name, s in tracker.slots.items()}
    held["slot_dict"] = type(tracker.slots)
    return held


def test_copies_equal_rasa_after_every_event_of_every_story() -> None:
    for n, events in enumerate(story_events()):
        tracker = DialogueStateTracker(f"story-{n}", domain().slots)
        for event in events:
            tracker.update(event)
            assert state(copy_of(tracker)) == state(rasa_copy(tracker))


def test_a_tracker_loaded_from_its_events_copies_as_rasa_does() -> None:
    for n, events in enumerate(story_events()):
        loaded = DialogueStateTracker.from_events(f"stored-{n}", events, domain().slots)
        remember_replay(loaded)
        loaded.update(ActionExecuted("action_listen"))
        assert state(copy_of(loaded)) == state(rasa_copy(loaded))


def test_a_follow_up_cleared_in_place_comes_back_in_the_copy() -> None:
    """The processor clears a follow-up action without an event; Rasa's replay restores it."""
    tracker = conversation("followup")
    tracker.update(FollowupAction("utter_greet"))
    copy_of(tracker)
    tracker.clear_followup_action()

    copied = copy_of(tracker)

    assert copied.followup_action == "utter_greet"
    assert state(copied) == state(rasa_copy(tracker))


@pytest.mark.parametrize(
    "change",
    [
        [UserUtteranceReverted()],
        [ActionExecuted("utter_greet"), ActionReverted()],
        [Restarted(), ActionExecuted("action_listen")],
        [SessionStarted(), ActionExecuted("action_listen")],
        [ActionExecuted("order_lookup_form"), SlotSet("order_id", "A1001")],
        [ActiveLoop("order_lookup_form"), LoopInterrupted(True)],
        [ActiveLoop(None), ActionExecuted("order_lookup_form"), ActiveLoop("order_lookup_form")],
    ],
    ids=["rewind", "revert", "restart", "session", "form-step", "interrupt", "form-anew"],
)
def test_copies_equal_rasa_after_a_rewind_restart_or_form_change(change: list[Event]) -> None:
    tracker = conversation("undo")
    copy_of(tracker)
    for event in change:
        tracker.update(event)
        assert state(copy_of(tracker)) == state(rasa_copy(tracker))


def test_an_action_changing_its_copy_leaves_the_conversation_and_the_next_copy_alone() -> None:
    tracker = conversation("isolated")
    tracker.update(ActiveLoop("order_lookup_form"))
    before = state(rasa_copy(tracker))

    copied = copy_of(tracker)
    assert copied.latest_action is not None
    copied.latest_action["action_name"] = "utter_greet"
    copied.update_with_events(
        [SlotSet("order_id", "B2002"), ActionExecuted("utter_greet"), LoopInterrupted(True)],
        domain(),
    )
    copied.slots["order_id"].value = "C3003"

    assert state(rasa_copy(tracker)) == before
    assert state(copy_of(tracker)) == before


def test_a_tracker_whose_events_are_replaced_is_replayed_afresh() -> None:
    tracker = conversation("replaced")
    copy_of(tracker)
    tracker.events = tracker._create_events(list(tracker.events)[:3])

    assert state(copy_of(tracker)) == state(rasa_copy(tracker))


def test_a_tracker_that_forgets_its_oldest_events_is_replayed_afresh() -> None:
    """With ``max_event_history`` the oldest events drop out as new ones come in."""
    tracker = DialogueStateTracker("short", domain().slots, max_event_history=4)
    for text in ["hi", "thanks", "bye", "hi again"]:
        tracker.update(ActionExecuted("action_listen"))
        tracker.update(UserUttered(text, {"name": "greet", "confidence": 0.9}))
        assert state(copy_of(tracker)) == state(rasa_copy(tracker))


def test_an_event_without_a_comparable_timestamp_stops_the_copy_where_rasa_stops() -> None:
    tracker = conversation("nan")
    copy_of(tracker)
    tracker.update(ActionExecuted("utter_greet", timestamp=math.nan))
    tracker.update(ActionExecuted("action_listen"))

    copied = copy_of(tracker)

    assert state(copied) == state(rasa_copy(tracker))
    assert len(copied.events) == len(tracker.events) - 2


@pytest.fixture
def served() -> Iterator[Callable[[DialogueStateTracker], list[Event]]]:
    """The Rasa server's incremental copies and applied events installed; Rasa's applied."""
    saved = {
        name: DialogueStateTracker.__dict__[name]
        for name in ("copy", "from_events", "applied_events")
    }
    install_incremental_copies()
    install_incremental_applied_events()
    yield saved["applied_events"]
    for name, method in saved.items():
        setattr(DialogueStateTracker, name, method)


def test_a_tracker_resumed_from_a_kept_replay_is_the_tracker_rasa_replays(
    served: Callable[[DialogueStateTracker], list[Event]],
) -> None:
    """As the session cache loads it: a replay up to a user message, the rest replayed on."""
    for n, events in enumerate(story_events()):
        rasa = DialogueStateTracker(f"kept-{n}", domain().slots)
        for event in events:
            rasa.update(event)
        rasas = state(rasa), list(map(id, served(rasa))), state(rasa_copy(rasa))
        for cut in (i for i, event in enumerate(events) if isinstance(event, UserUttered)):
            replay = DialogueStateTracker(f"kept-{n}", domain().slots)
            for event in events[:cut]:
                replay.update(event)
            kept = state(replay)

            resumed = resume(replay, events[cut:])

            ours = state(resumed), list(map(id, resumed.applied_events())), state(copy_of(resumed))
            assert ours == rasas
            assert state(replay) == kept  # the kept replay is left as it was
