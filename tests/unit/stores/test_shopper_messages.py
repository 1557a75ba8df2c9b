"""The desk's read of a waiting shopper's new messages, from a store without the project's query."""

from __future__ import annotations

from typing import Any

from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from stores.shopper_messages import shopper_messages, user_events_after

START = 1_700_000_000.0


async def stored(sender: str) -> FailSafeTrackerStore:
    """Rasa's in-memory store, wrapped as Rasa wraps every store, holding one conversation."""
    store = FailSafeTrackerStore(InMemoryTrackerStore(Domain.empty()))
    events = [
        ActionExecuted("action_listen", timestamp=START),
        UserUttered("my parcel is late", timestamp=START + 1),
        BotUttered("A person will take over.", timestamp=START + 2),
        UserUttered("hello?", timestamp=START + 3),
        # a proactive update, as Rasa's trigger_intent adds it: not the shopper's words
        UserUttered(
            "EXTERNAL: EXTERNAL_proactive_update",
            intent={"name": "EXTERNAL_proactive_update"},
            metadata={"is_external": True},
            timestamp=START + 4,
        ),
    ]
    await store.save(DialogueStateTracker.from_events(sender, events))
    return store


async def test_another_store_gives_the_user_messages_after_the_time() -> None:
    store = await stored("shopper-1")

    later = await user_events_after(store, {"shopper-1": START + 1})
    everything = await user_events_after(store, {"shopper-1": 0})

    assert shopper_messages(later["shopper-1"]) == [{"timestamp": START + 3, "text": "hello?"}]
    assert [m["text"] for m in shopper_messages(everything["shopper-1"])] == [
        "my parcel is late",
        "hello?",
    ]


async def test_another_store_answers_for_every_conversation_asked_an_unknown_one_empty() -> None:
    store = await stored("shopper-1")

    found = await user_events_after(store, {"shopper-1": START + 1, "nobody": 0})

    assert {k: shopper_messages(v) for k, v in found.items()} == {
        "shopper-1": [{"timestamp": START + 3, "text": "hello?"}],
        "nobody": [],
    }


class QueryingStore(InMemoryTrackerStore):
    """A store with the project's query, as :class:`stores.tracker.ScrubbingTrackerStore`."""

    async def user_events_after(self, afters: dict[str, float]) -> dict[str, list[dict[str, Any]]]:
        return {
            sender: [{"event": "user", "timestamp": after + 1, "text": f"asked for {sender}"}]
            for sender, after in afters.items()
        }

    async def retrieve_full_tracker(self, sender_id: str) -> DialogueStateTracker | None:
        raise AssertionError("the whole conversation was loaded")


async def test_a_store_with_the_query_is_asked_through_rasas_wrapper_not_loaded() -> None:
    store = FailSafeTrackerStore(QueryingStore(Domain.empty()))

    found = await user_events_after(store, {"shopper-2": START, "shopper-3": START + 5})

    assert {k: shopper_messages(v) for k, v in found.items()} == {
        "shopper-2": [{"timestamp": START + 1, "text": "asked for shopper-2"}],
        "shopper-3": [{"timestamp": START + 6, "text": "asked for shopper-3"}],
    }
