"""When the assistant asks a leaving shopper to rate it, and what it makes of the answer."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.rating as rating
from actions.rating import (
    RATING_FORM,
    ActionSayGoodbye,
    ActionStoreConversationRating,
    ValidateConversationRatingForm,
    rating_due,
)
from merchants.policy import load_policy


def user(intent: str) -> dict[str, Any]:
    return {"event": "user", "text": "…", "parse_data": {"intent": {"name": intent}}}


def action(name: str) -> dict[str, Any]:
    return {"event": "action", "name": name}


SESSION = {"event": "session_started"}
SERVED = [SESSION, user("greet"), user("order_status"), action("action_order_status")]


def tracker(events: list[dict[str, Any]], slots: dict[str, Any] | None = None) -> Tracker:
    latest = {"intent": {"name": "goodbye"}, "entities": [], "text": "bye"}
    return Tracker("shopper-1", slots or {}, latest, events, False, None, {}, "action_listen")


def test_a_session_the_assistant_served_alone_is_rated_at_goodbye() -> None:
    assert rating_due(tracker([*SERVED, user("goodbye")]))


def test_small_talk_alone_is_not_rated() -> None:
    assert not rating_due(tracker([SESSION, user("greet"), user("thank"), user("goodbye")]))


def test_a_session_a_person_took_part_in_is_left_to_the_desks_question() -> None:
    events = [*SERVED, user("request_human"), action("action_hand_off"), {"event": "pause"}]
    assert not rating_due(tracker([*events, {"event": "resume"}, user("goodbye")]))


def test_the_question_is_asked_once_a_session() -> None:
    asked = [*SERVED, user("goodbye"), action(RATING_FORM), user("inform")]
    assert not rating_due(tracker([*asked, user("goodbye")]))


def test_only_the_current_session_counts() -> None:
    later = [*SERVED, user("goodbye"), action(RATING_FORM), SESSION, user("greet")]
    assert not rating_due(tracker([*later, user("goodbye")]))
    assert rating_due(tracker([*later, user("refund_status"), user("goodbye")]))


def test_a_merchant_can_turn_the_question_off(monkeypatch: pytest.MonkeyPatch) -> None:
    policy = load_policy()
    off = policy.copy(update={"support": policy.support.copy(update={"rating_at_goodbye": False})})
    monkeypatch.setattr(rating, "load_policy", lambda **_: off)
    assert not rating_due(tracker([*SERVED, user("goodbye")]))


def test_goodbye_starts_the_question_only_when_due() -> None:
    served, chatted = CollectingDispatcher(), CollectingDispatcher()
    due = asyncio.run(ActionSayGoodbye().run(served, tracker([*SERVED, user("goodbye")]), {}))
    idle = asyncio.run(ActionSayGoodbye().run(chatted, tracker([SESSION, user("goodbye")]), {}))
    assert due == [{"event": "followup", "name": RATING_FORM, "timestamp": None}]
    assert idle == []
    assert [m["response"] for m in served.messages] == ["utter_goodbye"]
    assert [m["response"] for m in chatted.messages] == ["utter_goodbye"]


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
