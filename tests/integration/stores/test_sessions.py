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
    EntitiesAdded,
    Event,
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


TURNS = 20  # a conversation long enough that each load extends a cached session many times
ADDED = {"entity": "order_id", "value": "AC-204477"}


async def test_a_long_conversation_loads_from_the_cache_as_from_the_database(
    store: ScrubbingTrackerStore, domain: Domain
) -> None:
    sender_id = f"{RUN}-{uuid.uuid4().hex[:6]}"
    await store.save(shopper_turns(domain, sender_id))
    for n in range(TURNS):
        tracker = await store.retrieve(sender_id)
        assert tracker is not None
        await store.save(a_turn(tracker, f"and one more question, number {n}"))
        fresh = another_instance(domain)  # nothing cached: every row from the database

        assert dialogue(await store.retrieve(sender_id)) == dialogue(
            await fresh.retrieve(sender_id)
        )
        fresh.engine.dispose()
    latest_session = 10  # shopper_turns' events from its session_started on
    assert len(dialogue(await store.retrieve(sender_id))) == latest_session + 3 * TURNS


async def test_an_entity_added_to_a_stored_message_is_in_every_load_once_as_from_the_database(
    store: ScrubbingTrackerStore, domain: Domain
) -> None:
    """Rasa changes a stored message after the fact: every load replays it on the shared one."""
    sender_id = f"{RUN}-{uuid.uuid4().hex[:6]}"
    await store.save(shopper_turns(domain, sender_id))
    waiting = await store.retrieve(sender_id)
    assert waiting is not None
    waiting.update(ActionExecuted("action_listen"))
    waiting.update(UserUttered("where is my other order", intent={"name": "order_status"}))
    await store.save(waiting)
    added = await store.retrieve(sender_id)  # the waiting message, now cached
    assert added is not None
    added.update(EntitiesAdded([ADDED]))
    await store.save(added)
    fresh = another_instance(domain)
    expected = dialogue(await fresh.retrieve(sender_id))
    fresh.engine.dispose()

    for _ in range(3):
        loaded = await store.retrieve(sender_id)
        assert loaded is not None
        assert loaded.latest_message.entities.count(ADDED) == 1
        assert dialogue(loaded) == expected


async def test_states_before_an_entity_added_later_stay_as_from_the_database(
    store: ScrubbingTrackerStore, domain: Domain
) -> None:
    """The entity joins its message at its own place in every replay, never before it."""
    sender_id = f"{RUN}-{uuid.uuid4().hex[:6]}"
    await store.save(shopper_turns(domain, sender_id))
    turns: list[list[Event]] = [
        [
            ActionExecuted("action_listen"),
            UserUttered("where is my other order", intent={"name": "order_status"}),
            ActionExecuted("utter_greet"),
            ActionExecuted("action_listen"),
        ],
        [EntitiesAdded([ADDED])],  # the bot waits: it joins the last message
        [
            UserUttered("thanks", intent={"name": "thank"}),
            ActionExecuted("utter_greet"),
            ActionExecuted("action_listen"),
        ],
    ]
    for events in turns:
        tracker = await store.retrieve(sender_id)
        assert tracker is not None
        for event in events:
            tracker.update(event)
        await store.save(tracker)
    fresh = another_instance(domain)
    expected = (await fresh.retrieve(sender_id)).past_states(domain)  # type: ignore[union-attr]
    fresh.engine.dispose()

    for _ in range(3):
        loaded = await store.retrieve(sender_id)
        assert loaded is not None
        assert loaded.past_states(domain) == expected


async def test_a_turn_that_changes_the_waiting_message_and_is_not_saved_leaves_the_next_load_alone(
    store: ScrubbingTrackerStore, domain: Domain
) -> None:
    sender_id = f"{RUN}-{uuid.uuid4().hex[:6]}"
    await store.save(shopper_turns(domain, sender_id))
    await store.retrieve(sender_id)  # cached now
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
    sender_id = f"{RUN}-{uuid.uuid4().hex[:6]}"
    await store.save(shopper_turns(domain, sender_id))
    fallback = await store.retrieve(sender_id)
    assert fallback is not None
    for event in [
        ActionExecuted("action_listen"),
        UserUttered("asdf qwer", intent={"name": "nlu_fallback"}),
        ActionExecuted("action_default_fallback"),
        UserUtteranceReverted(),
    ]:
        fallback.update(event)
    await store.save(fallback)
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
