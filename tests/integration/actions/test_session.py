"""A session's start (who the shopper is) and the fallback when a message is not understood."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import (
    ActionExecuted,
    FollowupAction,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
)
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionNluFallback
from actions.session import ActionSessionStart
from merchants import identity
from tests.integration.actions.trackers import make_tracker, responses

FORM = "order_status_form"
SECRET = "actions-integration-identity-secret-0123456789"

pytestmark = pytest.mark.usefixtures("fresh_commerce_client")


# ---- session start and fallback ----------------------------------------------------------


@pytest.mark.parametrize(
    ("signed_with", "expected_customer"),
    [(SECRET, "C-10227"), ("a-forger-secret-that-is-long-enough-1234", None)],
    ids=["signed", "forged"],
)
async def test_when_session_starts_then_only_a_signed_customer_token_is_believed(
    monkeypatch: pytest.MonkeyPatch,
    domain: dict[str, Any],
    signed_with: str,
    expected_customer: str | None,
) -> None:
    monkeypatch.setenv("AFTERCARE_IDENTITY_SECRET", SECRET)
    token = identity.sign_customer_token("C-10227", signed_with)
    tracker = make_tracker(domain, slots={"session_started_metadata": {"customer_token": token}})

    events = await ActionSessionStart().run(CollectingDispatcher(), tracker, domain)

    identified = [SlotSet("customer_id", expected_customer)] if expected_customer else []
    assert events == [SessionStarted(), *identified, ActionExecuted("action_listen")]


async def test_when_session_starts_without_metadata_then_shopper_is_anonymous(
    domain: dict[str, Any],
) -> None:
    events = await ActionSessionStart().run(CollectingDispatcher(), make_tracker(domain), domain)

    assert events == [SessionStarted(), ActionExecuted("action_listen")]


def _misunderstood(text: str) -> list[dict[str, Any]]:
    """An earlier misunderstood message, the bot's request to rephrase, and the revert."""
    parse_data = {"intent": {"name": "nlu_fallback", "confidence": 0.3}, "entities": []}
    return [
        ActionExecuted("action_listen"),
        {"event": "user", "timestamp": None, "text": text, "parse_data": parse_data},
        ActionExecuted("action_nlu_fallback"),
        {"event": "bot", "timestamp": None, "text": "Sorry, I didn't quite get that."},
        UserUtteranceReverted(),
    ]


async def test_when_bot_misunderstands_once_then_it_asks_to_rephrase(
    domain: dict[str, Any],
) -> None:
    tracker = make_tracker(domain, text="blorp", intent="nlu_fallback")
    dispatcher = CollectingDispatcher()

    events = await ActionNluFallback().run(dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_please_rephrase"]
    assert events == [UserUtteranceReverted()]


async def test_when_bot_misunderstands_twice_in_a_row_then_a_person_takes_over(
    domain: dict[str, Any],
) -> None:
    tracker = make_tracker(
        domain, text="zzz", intent="nlu_fallback", earlier_events=_misunderstood("blorp")
    )
    dispatcher = CollectingDispatcher()

    events = await ActionNluFallback().run(dispatcher, tracker, domain)

    # Two misses in a row is a handoff rule (guardrails/handoff/rules.yml, docs/handoff.md).
    assert responses(dispatcher) == ["utter_fallback_to_person"]
    assert events == [
        UserUtteranceReverted(),
        SlotSet("handoff_reason", "nlu_fallbacks"),
        FollowupAction("action_hand_off"),
    ]


async def test_when_an_understood_message_came_between_misses_then_it_asks_to_rephrase_again(
    domain: dict[str, Any],
) -> None:
    understood = [
        ActionExecuted("action_listen"),
        {
            "event": "user",
            "timestamp": None,
            "text": "hi",
            "parse_data": {"intent": {"name": "greet", "confidence": 0.99}, "entities": []},
        },
        {"event": "bot", "timestamp": None, "text": "Hello!"},
    ]
    tracker = make_tracker(
        domain,
        text="zzz",
        intent="nlu_fallback",
        earlier_events=[*_misunderstood("blorp"), *understood],
    )
    dispatcher = CollectingDispatcher()

    await ActionNluFallback().run(dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_please_rephrase"]


async def test_when_a_new_session_starts_after_a_miss_then_the_first_miss_asks_to_rephrase(
    domain: dict[str, Any],
) -> None:
    new_session = [SessionStarted(), ActionExecuted("action_session_start")]
    tracker = make_tracker(
        domain,
        text="zzz",
        intent="nlu_fallback",
        earlier_events=[*_misunderstood("blorp"), *new_session],
    )
    dispatcher = CollectingDispatcher()

    await ActionNluFallback().run(dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_please_rephrase"]


async def test_when_a_misunderstood_message_carries_an_order_number_then_lookup_starts(
    domain: dict[str, Any],
) -> None:
    tracker = make_tracker(
        domain,
        text="blah AC-106180 blah",
        intent="nlu_fallback",
        entities={"order_id": "AC-106180"},
        earlier_events=_misunderstood("blorp"),
    )
    dispatcher = CollectingDispatcher()

    events = await ActionNluFallback().run(dispatcher, tracker, domain)

    assert events == [FollowupAction(FORM)]
    assert dispatcher.messages == []
