"""When the assistant asks a leaving shopper to rate it: right after the goodbye of a session
it served alone, once, and where the merchant wants it."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    ConversationPaused,
    ConversationResumed,
    Event,
    SessionStarted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

import nlu_components.rating as rating
from merchants.policy import load_policy
from nlu_components.rating import RATING_FORM, RatingPolicy

DOMAIN = Domain.from_dict(
    {
        "intents": ["greet", "goodbye", "thank", "order_status", "refund_status", "inform"],
        "responses": {"utter_goodbye": [{"text": "Bye"}], "utter_greet": [{"text": "Hi"}]},
        "slots": {"conversation_rating": {"type": "text", "mappings": [{"type": "custom"}]}},
        "forms": {RATING_FORM: {"required_slots": ["conversation_rating"]}},
    }
)


def said(intent: str) -> list[Event]:
    return [ActionExecuted("action_listen"), UserUttered("…", intent={"name": intent})]


SERVED = [
    ActionExecuted("action_session_start"),
    SessionStarted(),
    *said("greet"),
    *said("order_status"),
    ActionExecuted("action_order_status"),
]
GOODBYE = [*said("goodbye"), ActionExecuted("utter_goodbye")]


def asks(events: list[Event], tmp_path: Path) -> bool:
    policy = RatingPolicy.create(
        RatingPolicy.get_default_config(),
        LocalModelStorage(tmp_path / "storage"),
        Resource("policy"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    tracker = DialogueStateTracker.from_events("shopper", events)
    prediction = policy.predict_action_probabilities(tracker, DOMAIN)
    return prediction.probabilities[DOMAIN.index_for_action(RATING_FORM)] == 1.0


def test_the_goodbye_of_a_session_the_assistant_served_alone_is_followed_by_the_question(
    tmp_path: Path,
) -> None:
    assert asks([*SERVED, *GOODBYE], tmp_path)


def test_the_question_comes_after_the_goodbye_not_before(tmp_path: Path) -> None:
    assert not asks([*SERVED, *said("goodbye")], tmp_path)


def test_small_talk_alone_is_not_rated(tmp_path: Path) -> None:
    assert not asks([SessionStarted(), *said("greet"), *said("thank"), *GOODBYE], tmp_path)


def test_a_session_a_person_took_part_in_is_left_to_the_desks_question(tmp_path: Path) -> None:
    person = [ActionExecuted("action_hand_off"), ConversationPaused(), ConversationResumed()]
    assert not asks([*SERVED, *person, *GOODBYE], tmp_path)


@pytest.mark.parametrize(
    "sign",
    [
        ActionExecuted("action_hand_off"),
        ActionExecuted("action_request_human"),
        ActionExecuted("satisfaction_form"),
        ConversationPaused(),
        ConversationResumed(),
    ],
    ids=["hand-off", "request-human", "desk-form", "paused", "resumed"],
)
def test_any_one_sign_of_a_person_is_enough_to_leave_the_question_to_the_desk(
    sign: Event, tmp_path: Path
) -> None:
    assert not asks([*SERVED, sign, *GOODBYE], tmp_path)


def test_a_person_early_in_the_session_counts_after_a_later_request(tmp_path: Path) -> None:
    person = [ActionExecuted("action_hand_off"), ConversationPaused(), ConversationResumed()]
    early = [*SERVED[:2], *person, *said("refund_status"), ActionExecuted("action_refund_status")]
    assert not asks([*early, *GOODBYE], tmp_path)


def test_the_question_is_asked_once_a_session(tmp_path: Path) -> None:
    asked = [*SERVED, *GOODBYE, ActionExecuted(RATING_FORM), ActiveLoop(None), *said("inform")]
    assert not asks([*asked, *GOODBYE], tmp_path)


def test_only_the_current_session_counts(tmp_path: Path) -> None:
    later = [*SERVED, *GOODBYE, ActionExecuted("action_session_start"), SessionStarted()]
    assert not asks([*later, *said("greet"), *GOODBYE], tmp_path)
    assert asks([*later, *said("refund_status"), *GOODBYE], tmp_path)


def test_a_merchant_can_turn_the_question_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = load_policy()
    off = policy.copy(update={"support": policy.support.copy(update={"rating_at_goodbye": False})})
    monkeypatch.setattr(rating, "load_policy", lambda **_: off)
    assert not asks([*SERVED, *GOODBYE], tmp_path)
