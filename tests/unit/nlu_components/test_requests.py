"""A message holding several requests is cut into its clauses, and only such a message."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu_components.requests import RequestSplitter, RequestsPolicy, split_requests

DOMAIN = Domain.from_dict(
    {
        "intents": ["out_of_scope", "nlu_fallback", "order_status"],
        "actions": ["action_next_request", "action_answer_question"],
        "entities": ["request"],
        "forms": {"order_status_form": {"required_slots": []}},
    }
)


def _clauses(text: str) -> list[str]:
    return [text[start:end] for start, end in split_requests(text)]


@pytest.mark.parametrize(
    ("text", "clauses"),
    [
        (
            "Cancel order #W1234567 and where is #W7654321?",
            ["Cancel order #W1234567", "where is #W7654321?"],
        ),
        (
            "where is my order? also how much is the smart watch",
            ["where is my order?", "how much is the smart watch"],
        ),
        (
            "Please cancel my order, I ordered by mistake; also update my default address to "
            "1 Main St, Springfield",
            ["Please cancel my order, I ordered by mistake",
             "update my default address to 1 Main St, Springfield"],
        ),
        (
            "Where is AC-104233? Also, can I return the lamp from it",
            ["Where is AC-104233?", "can I return the lamp from it"],
        ),
        (
            "how much is the smart watch, and does the daypack come in blue?",
            ["how much is the smart watch", "does the daypack come in blue?"],
        ),
        (
            "I would like to return the lamp, then check the status of my other order",
            ["I would like to return the lamp", "check the status of my other order"],
        ),
    ],
)  # fmt: skip
def test_a_message_with_several_requests_is_cut_into_them(text: str, clauses: list[str]) -> None:
    assert _clauses(text) == clauses


@pytest.mark.parametrize(
    "text",
    [
        "I want to return the shoes and get a refund",  # one request with its outcome
        "I want to exchange the t-shirt for a red one and the bottle for 1000ml",
        "Hi. Where is my order?",  # a greeting is no request
        "thanks! bye",
        "where is order AC-104233",
        "",
    ],
)
def test_a_message_with_one_request_is_left_whole(text: str) -> None:
    assert split_requests(text) == []


def test_each_clause_becomes_a_request_entity_beside_the_others() -> None:
    text = "Cancel order #W1234567 and where is #W7654321?"
    message = Message({TEXT: text, ENTITIES: [{"entity": "order_id", "value": "#W1234567"}]})

    RequestSplitter().process([message])

    requests = [e for e in message.get(ENTITIES) if e["entity"] == "request"]
    assert [e["value"] for e in requests] == ["Cancel order #W1234567", "where is #W7654321?"]
    assert [text[e["start"] : e["end"]] for e in requests] == [e["value"] for e in requests]
    assert message.get(ENTITIES)[0]["entity"] == "order_id"  # the other extractors' stay


def _message(intent: str, clauses: int, signal: bool = False) -> list[Event]:
    entities = [{"entity": "request", "value": f"clause {n}"} for n in range(clauses)]
    if signal:
        entities.append({"entity": "handoff_signal", "value": "legal_threat"})
    return [
        ActionExecuted("action_listen"),
        UserUttered("...", intent={"name": intent, "confidence": 0.5}, entities=entities),
    ]


def _starts_next_request(events: list[Event], tmp_path: Path) -> bool:
    policy = RequestsPolicy.create(
        RequestsPolicy.get_default_config(),
        LocalModelStorage(tmp_path / "storage"),
        Resource("policy"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    tracker = DialogueStateTracker.from_events("shopper", events)
    prediction = policy.predict_action_probabilities(tracker, DOMAIN)
    return prediction.probabilities[DOMAIN.index_for_action("action_next_request")] == 1.0


@pytest.mark.parametrize(
    ("events", "starts"),
    [
        (_message("order_status", 2), True),  # each request from its own clause
        (_message("out_of_scope", 3), True),  # two requests pulled the classifier off both
        (_message("out_of_scope", 0), False),  # one request out of scope is just that
        ([ActiveLoop("order_status_form"), *_message("out_of_scope", 2)], False),  # mid-form
        ([*_message("order_status", 2), ActionExecuted("action_answer_question")], False),
        (_message("order_status", 2, signal=True), False),  # a person takes over at once
    ],
)
def test_a_message_of_several_requests_is_answered_request_by_request(
    tmp_path: Path, events: list[Event], starts: bool
) -> None:
    assert _starts_next_request(events, tmp_path) is starts
