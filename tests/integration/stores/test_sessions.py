"""The session cache under the tracker store: loads that share a conversation's events.

Each load gets the cached events themselves, not copies (decisions record 59): what Rasa changes
in an event after the fact must reach no later load that the database would not give.
"""

from __future__ import annotations

import copy
import uuid

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    EntitiesAdded,
    Event,
    FollowupAction,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from stores.tracker import ScrubbingTrackerStore
from tests.integration.stores.test_tracker import RUN, a_turn, another_instance, shopper_turns

pytestmark = pytest.mark.timeout(60)


def dialogue(tracker: DialogueStateTracker | None) -> list[dict[str, object]]:
    """The tracker's events as dicts of their own (``as_dict`` shares an event's lists)."""
    assert tracker is not None
    return copy.deepcopy([event.as_dict() for event in tracker.events])


async def conversation(store: ScrubbingTrackerStore, domain: Domain) -> str:
    """A stored conversation of the shopper's turns (``shopper_turns``); its id."""
    sender_id = f"{RUN}-{uuid.uuid4().hex[:6]}"
    await store.save(shopper_turns(domain, sender_id))
    return sender_id


async def turn(store: ScrubbingTrackerStore, sender_id: str, *events: Event) -> None:
    """One more turn: the conversation loaded, ``events`` applied, saved.

    The events are made by the caller just before: they keep the time they were made, and
    Rasa's store reads a session's events by time, from its ``session_started`` on.
    """
    tracker = await store.retrieve(sender_id)
    assert tracker is not None
    for event in events:
        tracker.update(event)
    await store.save(tracker)


async def from_database(domain: Domain, sender_id: str) -> DialogueStateTracker:
    """The conversation as another instance, with nothing cached, loads it."""
    fresh = another_instance(domain)
    tracker = await fresh.retrieve(sender_id)
    fresh.engine.dispose()
    assert tracker is not None
    return tracker


TURNS = 20  # a conversation long enough that each load extends a cached session many times
ADDED = {"entity": "order_id", "value": "AC-204477"}


def waiting() -> list[Event]:
    """The shopper's question with the bot listening: an event may still join the message."""
    return [
        ActionExecuted("action_listen"),
        UserUttered("where is my other order", intent={"name": "order_status"}),
    ]


async def test_a_long_conversation_loads_from_the_cache_as_from_the_database(
    store: ScrubbingTrackerStore, domain: Domain
) -> None:
    sender_id = await conversation(store, domain)
    for n in range(TURNS):
        tracker = await store.retrieve(sender_id)
        assert tracker is not None
        await store.save(a_turn(tracker, f"and one more question, number {n}"))

        assert dialogue(await store.retrieve(sender_id)) == dialogue(
            await from_database(domain, sender_id)
        )
    latest_session = 10  # shopper_turns' events from its session_started on
    assert len(dialogue(await store.retrieve(sender_id))) == latest_session + 3 * TURNS


def held(tracker: DialogueStateTracker | None) -> dict[str, object]:
    """What a turn reads of a tracker besides its events: what the replay of them left."""
    assert tracker is not None
    return {
        "events": dialogue(tracker),
        "applied": [event.as_dict() for event in tracker.applied_events()],
        "slots": tracker.current_slot_values(),
        "active_loop": tracker.active_loop,
        "latest_action": tracker.latest_action,
        "latest_message": tracker.latest_message.as_dict() if tracker.latest_message else None,
        "latest_bot": tracker.latest_bot_utterance.as_dict()
        if tracker.latest_bot_utterance
        else None,
        "followup": tracker.followup_action,
        "paused": tracker.is_paused(),
    }


def order_status_turns() -> list[list[Event]]:
    """Turns that set slots, run a form, take a message back, pause and resume."""
    return [
        [
            ActionExecuted("action_listen"),
            UserUttered("where is my order", intent={"name": "order_status"}),
            ActionExecuted("order_status_form"),
            ActiveLoop("order_status_form"),
            SlotSet("requested_slot", "order_id"),
        ],
        [
            ActionExecuted("action_listen"),
            UserUttered("AC-104233", intent={"name": "inform"}),
            SlotSet("order_id", "AC-104233"),
            ActionExecuted("order_status_form"),
            SlotSet("requested_slot", "order_verified"),
        ],
        [
            ActionExecuted("action_listen"),
            UserUttered("asdf qwer", intent={"name": "nlu_fallback"}),
            ActionExecuted("action_default_fallback"),
            UserUtteranceReverted(),
        ],
        [
            ActionExecuted("action_listen"),
            UserUttered("a person please", intent={"name": "request_human"}),
            ActionExecuted("order_status_form"),
            ActiveLoop(None),
            SlotSet("requested_slot", None),
            ConversationPaused(),
            FollowupAction("utter_greet"),
        ],
        [ConversationResumed(), ActionExecuted("utter_greet"), BotUttered("Hi again!")],
    ]


async def test_each_load_holds_what_a_load_from_the_database_holds_turn_after_turn(
    store: ScrubbingTrackerStore, domain: Domain
) -> None:
    """Each load resumes the cached session's replay: slots, form, latest message and all."""
    sender_id = await conversation(store, domain)
    for events in order_status_turns() * 3:
        await turn(store, sender_id, *copy.deepcopy(events))

        assert held(await store.retrieve(sender_id)) == held(await from_database(domain, sender_id))


async def test_a_turn_that_changes_its_tracker_and_is_not_saved_leaves_the_next_load_alone(
    store: ScrubbingTrackerStore, domain: Domain
) -> None:
    sender_id = await conversation(store, domain)
    for events in order_status_turns()[:2]:
        await turn(store, sender_id, *copy.deepcopy(events))
    expected = held(await store.retrieve(sender_id))
    changed = await store.retrieve(sender_id)
    assert changed is not None
    changed.slots["order_id"].value = "AC-999999"
    assert changed.active_loop is not None
    changed.active_loop.is_interrupted = True
    assert changed.latest_action is not None
    changed.latest_action["action_name"] = "utter_greet"
    changed.update(ConversationPaused())

    assert held(await store.retrieve(sender_id)) == expected


async def test_an_entity_added_to_a_stored_message_is_in_every_load_once_as_from_the_database(
    store: ScrubbingTrackerStore, domain: Domain
) -> None:
    """Rasa changes a stored message after the fact: every load replays it on the shared one."""
    sender_id = await conversation(store, domain)
    await turn(store, sender_id, *waiting())
    await turn(store, sender_id, EntitiesAdded([ADDED]))
    expected = dialogue(await from_database(domain, sender_id))

    for _ in range(3):
        loaded = await store.retrieve(sender_id)
        assert loaded is not None
        assert loaded.latest_message.entities.count(ADDED) == 1
        assert dialogue(loaded) == expected


async def test_states_before_an_entity_added_later_stay_as_from_the_database(
    store: ScrubbingTrackerStore, domain: Domain
) -> None:
    """The entity joins its message at its own place in every replay, never before it."""
    sender_id = await conversation(store, domain)
    await turn(
        store, sender_id, *waiting(), ActionExecuted("utter_greet"), ActionExecuted("action_listen")
    )
    await turn(store, sender_id, EntitiesAdded([ADDED]))  # the bot waits: it joins the message
    thanks = UserUttered("thanks", intent={"name": "thank"})
    await turn(
        store, sender_id, thanks, ActionExecuted("utter_greet"), ActionExecuted("action_listen")
    )
    expected = (await from_database(domain, sender_id)).past_states(domain)

    for _ in range(3):
        loaded = await store.retrieve(sender_id)
        assert loaded is not None
        assert loaded.past_states(domain) == expected


async def test_a_turn_that_changes_the_waiting_message_and_is_not_saved_leaves_the_next_load_alone(
    store: ScrubbingTrackerStore, domain: Domain
) -> None:
    sender_id = await conversation(store, domain)
    first = await store.retrieve(sender_id)
    assert first is not None
    expected = dialogue(first)
    first.latest_message.entities.append(ADDED)
    first.latest_message.intent["name"] = "cancel_order"

    assert dialogue(await store.retrieve(sender_id)) == expected


async def test_a_save_that_fails_leaves_nothing_of_its_turn_in_the_next_load(
    store: ScrubbingTrackerStore, domain: Domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a fallback took the last message back, the one before it is the latest again."""
    sender_id = await conversation(store, domain)
    await turn(
        store,
        sender_id,
        ActionExecuted("action_listen"),
        UserUttered("asdf qwer", intent={"name": "nlu_fallback"}),
        ActionExecuted("action_default_fallback"),
        UserUtteranceReverted(),
    )
    expected = dialogue(await store.retrieve(sender_id))  # cached now
    failing = await store.retrieve(sender_id)
    assert failing is not None
    failing.update(EntitiesAdded([ADDED]))  # as Rasa's HTTP API adds it to the conversation
    assert ADDED in failing.latest_message.entities

    def database_gone(*_: object) -> None:
        raise sa.exc.OperationalError("INSERT", {}, Exception("the database went away"))

    with monkeypatch.context() as broken:
        broken.setattr(ScrubbingTrackerStore, "_store", database_gone)
        with pytest.raises(sa.exc.OperationalError):
            await store.save(failing)

    after = await store.retrieve(sender_id)
    assert after is not None
    assert ADDED not in after.latest_message.entities
    assert dialogue(after) == expected
