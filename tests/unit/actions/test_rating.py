"""What the assistant makes of the answer to its rating question."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.rating import ActionStoreConversationRating, ValidateConversationRatingForm

SERVED: list[dict[str, Any]] = [{"event": "session_started"}]


def tracker(events: list[dict[str, Any]], slots: dict[str, Any] | None = None) -> Tracker:
    latest = {"intent": {"name": "inform"}, "entities": [], "text": "4"}
    return Tracker("shopper-1", slots or {}, latest, events, False, None, {}, "action_listen")


@pytest.mark.parametrize(("typed", "stored"), [("5", "5"), ("four stars", "4"), ("nah", "skipped")])
def test_the_answer_is_kept_as_a_rating_or_skipped(typed: str, stored: str) -> None:
    validated = asyncio.run(
        ValidateConversationRatingForm().validate_conversation_rating(
            typed, CollectingDispatcher(), tracker(SERVED), {}
        )
    )
    assert validated == {"conversation_rating": stored}


@pytest.mark.parametrize(
    ("stored", "said"),
    [("4", "utter_conversation_rating_thanks"), ("skipped", "utter_conversation_rating_skipped")],
)
def test_the_shopper_is_thanked_for_a_rating_and_let_go_without_one(stored: str, said: str) -> None:
    dispatcher = CollectingDispatcher()
    t = tracker(SERVED, slots={"conversation_rating": stored})
    assert asyncio.run(ActionStoreConversationRating().run(dispatcher, t, {})) == []
    assert [m["response"] for m in dispatcher.messages] == [said]
