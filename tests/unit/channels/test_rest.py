"""The REST channel's body rules and the checks guarding Rasa's HTTP API, without a server."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from channels.common import Rejected
from channels.http_api import check_request
from channels.rest import RestInput, parse_rest_body


def test_rasa_finds_the_channel_under_the_stock_name_so_the_url_is_unchanged() -> None:
    assert RestInput.name() == "rest"
    assert RestInput().url_prefix() == "rest"


def test_a_well_formed_body_becomes_the_message() -> None:
    body = {"sender": "ann", "message": "hi", "metadata": {"customer_token": "t"}, "x": 1}
    message = parse_rest_body(json.dumps(body).encode())
    assert (message.sender, message.text, message.metadata) == ("ann", "hi", body["metadata"])


def test_the_caller_cannot_choose_the_input_channel() -> None:
    raw = json.dumps({"sender": "ann", "message": "hi", "input_channel": "sms"}).encode()
    assert not hasattr(parse_rest_body(raw), "input_channel")


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"[1, 2, 3]", "malformed_body"),
        (b"null", "malformed_body"),
        (b"\xff\xfe", "malformed_body"),
        (b"{", "malformed_body"),
        (b'{"message": "hi"}', "missing_fields"),
        (b'{"sender": "ann"}', "missing_fields"),
        (b'{"sender": "", "message": "hi"}', "malformed_body"),
        (b'{"sender": 7, "message": "hi"}', "malformed_body"),
        (b'{"sender": "ann", "message": ["hi"]}', "malformed_body"),
        (b'{"sender": "ann", "message": "hi", "metadata": [1]}', "malformed_body"),
        (b'{"sender": "ann", "message": "\\ud800"}', "malformed_body"),
        (json.dumps({"sender": "a" * 256, "message": "hi"}).encode(), "too_long"),
    ],
)
def test_a_malformed_body_is_refused_with_a_400_and_the_reason(raw: bytes, code: str) -> None:
    with pytest.raises(Rejected) as refused:
        parse_rest_body(raw)
    assert (refused.value.status, refused.value.code) == (400, code)


def test_a_long_message_is_the_shopper_s_and_is_read_not_refused() -> None:
    """Answered by the channel ("too long, say it in a few words"), not refused as a request."""
    assert (
        len(parse_rest_body(json.dumps({"sender": "ann", "message": "x" * 5000}).encode()).text)
        == 5000
    )


def _api_request(path: str, body: Any, method: str = "POST") -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return SimpleNamespace(method=method, route=SimpleNamespace(path=path), body=raw)


MESSAGES = "conversations/<conversation_id:path>/messages"
TRIGGER = "conversations/<conversation_id:path>/trigger_intent"
EXECUTE = "conversations/<conversation_id:path>/execute"
EVENTS = "conversations/<conversation_id:path>/tracker/events"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("model/parse", {"text": "where is my order?"}),
        (MESSAGES, {"text": "hi", "sender": "user"}),
        (MESSAGES, {"text": "hi", "sender": "user", "parse_data": {"intent": {"name": "greet"}}}),
        (TRIGGER, {"name": "greet", "entities": {"order_id": "AC-1"}}),
        (TRIGGER, {"name": "greet", "entities": [{"entity": "order_id", "value": "AC-1"}]}),
        (EXECUTE, {"name": "action_listen"}),
        (EVENTS, [{"event": "resume"}]),
    ],
)
def test_well_formed_api_bodies_reach_rasa_unchanged(path: str, body: Any) -> None:
    assert check_request(_api_request(path, body), max_body_bytes=65536) is None


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("model/parse", {"text": 5}, 400),
        ("model/parse", {}, 400),
        ("model/parse", b"not json", 400),
        (MESSAGES, [1, 2], 400),
        (MESSAGES, {"text": "hi", "sender": "bot"}, 400),
        (MESSAGES, {"text": "hi", "sender": "user", "parse_data": {"intent": 3}}, 400),
        (MESSAGES, {"text": "hi", "sender": "user", "parse_data": {"entities": [1]}}, 400),
        (TRIGGER, None, 400),
        (TRIGGER, {"name": "greet", "entities": [1]}, 400),
        (EXECUTE, {"name": "action_listen", "confidence": "high"}, 400),
        (EVENTS, "resume", 400),
        (EVENTS, [], 400),
        (EVENTS, [{"Body": "x" * 5000}], 400),
        ("model/parse", {"text": "x" * 70_000}, 413),
    ],
)
def test_malformed_api_bodies_get_rasas_error_shape_with_the_reason(
    path: str, body: Any, status: int
) -> None:
    refusal = check_request(_api_request(path, body), max_body_bytes=65536)
    assert refusal is not None and refusal.status == status
    answer = json.loads(refusal.body)
    assert answer["reason"] == "BadRequest" and answer["code"] == status and answer["message"]


def test_other_routes_and_methods_are_left_to_rasa() -> None:
    assert (
        check_request(_api_request("conversations/<conversation_id:path>/tracker", b"x", "GET"), 10)
        is None
    )
    assert check_request(SimpleNamespace(method="POST", route=None, body=b"x"), 10) is None  # type: ignore[arg-type]
