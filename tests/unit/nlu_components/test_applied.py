"""Incremental applied events equal Rasa's, at every event, whatever the conversation does."""

from __future__ import annotations

import pytest
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from nlu_components.applied import applied_events
from tests.unit.nlu_components.test_history import conversation, domain, story_events


def rasa_applied(tracker: DialogueStateTracker) -> list[Event]:
    """Rasa's own method (this test process does not install the incremental one)."""
    return DialogueStateTracker.applied_events(tracker)


def same(got: list[Event], expected: list[Event]) -> bool:
    """The very same event objects in the same order."""
    return len(got) == len(expected) and all(a is b for a, b in zip(got, expected, strict=True))


def test_applied_events_equal_rasa_after_every_event_of_every_story() -> None:
    for n, events in enumerate(story_events()):
        tracker = DialogueStateTracker(f"story-{n}", domain().slots)
        for event in events:
            tracker.update(event)
            assert same(applied_events(tracker), rasa_applied(tracker))


@pytest.mark.parametrize(
    "change",
    [
        [UserUtteranceReverted()],
        [ActionExecuted("utter_greet"), ActionReverted()],
        [Restarted(), ActionExecuted("action_listen")],
        [SessionStarted(), ActionExecuted("action_listen")],
        [ActionExecuted("order_lookup_form"), SlotSet("order_id", "A1001")],
        [ActionExecuted("order_lookup_form"), ActionExecuted("order_lookup_form")],
        [ActiveLoop(None), ActionExecuted("order_lookup_form"), ActiveLoop("order_lookup_form")],
    ],
    ids=["rewind", "revert", "restart", "session", "form-step", "form-again", "form-anew"],
)
def test_applied_events_equal_rasa_after_a_rewind_restart_or_form_undo(
    change: list[Event],
) -> None:
    tracker = conversation("undo")
    applied_events(tracker)
    for event in change:
        tracker.update(event)
        assert same(applied_events(tracker), rasa_applied(tracker))


def test_a_form_first_activated_late_changes_how_its_earlier_runs_count() -> None:
    """Rasa judges every run of a form's action by all the forms ever activated."""
    tracker = DialogueStateTracker("late-form", domain().slots)
    for event in [
        ActionExecuted("action_listen"),
        UserUttered("cancel my order", {"name": "cancel_order", "confidence": 0.9}),
        ActionExecuted("cancel_form"),
        ActionExecuted("action_listen"),
        UserUttered("A1001", {"name": "inform", "confidence": 0.9}),
        ActionExecuted("cancel_form"),
    ]:
        tracker.update(event)
        applied_events(tracker)
    tracker.update(ActiveLoop("cancel_form"))

    assert same(applied_events(tracker), rasa_applied(tracker))
    assert len(rasa_applied(tracker)) < len(tracker.events)  # the late activation undid a run


def test_a_tracker_whose_events_are_replaced_is_worked_out_afresh() -> None:
    tracker = conversation("replaced")
    applied_events(tracker)
    tracker.events = tracker._create_events(list(tracker.events)[:3])

    assert same(applied_events(tracker), rasa_applied(tracker))


def test_the_caller_may_change_the_list_it_gets() -> None:
    tracker = conversation("mutate")
    applied_events(tracker).clear()

    assert same(applied_events(tracker), rasa_applied(tracker))


def test_a_tracker_that_forgets_its_oldest_events_is_worked_out_afresh() -> None:
    """With ``max_event_history`` the oldest events drop out as new ones come in."""
    tracker = DialogueStateTracker("short", domain().slots, max_event_history=4)
    for text in ["hi", "thanks", "bye", "hi again"]:
        tracker.update(ActionExecuted("action_listen"))
        tracker.update(UserUttered(text, {"name": "greet", "confidence": 0.9}))
        assert same(applied_events(tracker), rasa_applied(tracker))
