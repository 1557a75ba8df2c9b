"""Rasa's check of the action server's answers, with the validator built once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from guardrails.action_results import install_prebuilt_action_validation

VALID = {
    "events": [{"event": "slot", "name": "order_id", "value": "AC-104233"}],
    "responses": [{"text": "Order AC-104233 is on its way.", "buttons": []}],
}
INVALID = [
    {"events": "not a list"},
    {"events": [{"name": "order_id"}]},  # an event without its type
    {"responses": [{"text": 7}], "events": [{"event": "slot", "timestamp": "soon"}]},
]


@pytest.fixture
def action() -> Iterator[RemoteAction]:
    original = RemoteAction._validate_action_result
    install_prebuilt_action_validation()
    yield RemoteAction("action_order_status", EndpointConfig("http://127.0.0.1:1"))
    RemoteAction._validate_action_result = original


def rasa_verdict(result: dict[str, Any]) -> str | None:
    """What Rasa's own check (``jsonschema.validate``) says: None, or the error's message."""
    try:
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
    except jsonschema.ValidationError as exc:
        return exc.message
    return None


def test_a_valid_answer_passes(action: RemoteAction) -> None:
    assert rasa_verdict(VALID) is None
    assert action._validate_action_result(VALID) is True


@pytest.mark.parametrize("result", INVALID)
def test_an_invalid_answer_fails_with_rasas_error_and_hint(
    action: RemoteAction, result: dict[str, Any]
) -> None:
    expected = rasa_verdict(result)
    assert expected is not None
    with pytest.raises(jsonschema.ValidationError) as raised:
        action._validate_action_result(result)
    assert raised.value.message.startswith(expected)
    assert "Failed to validate Action server response" in raised.value.message


def test_installing_twice_keeps_one_check(action: RemoteAction) -> None:
    installed = RemoteAction._validate_action_result
    install_prebuilt_action_validation()
    assert RemoteAction._validate_action_result is installed
