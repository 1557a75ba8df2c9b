"""The route the desk reads a waiting shopper's new messages from, on the running Rasa server."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from stack.processes import Stack
from tests.e2e.conftest import Chat


def messages(stack: Stack, sender: str, **params: str) -> requests.Response:
    url = f"http://127.0.0.1:{stack.env['RASA_PORT']}/conversations/{sender}/shopper_messages"
    return requests.get(url, params=params, timeout=10)


def read(stack: Stack, sender: str, after: float) -> list[dict[str, Any]]:
    resp = messages(stack, sender, after=repr(after), token=stack.env["RASA_AUTH_TOKEN"])
    assert resp.status_code == 200, resp.text
    found: list[dict[str, Any]] = resp.json()["messages"]
    return found


def test_only_what_the_shopper_wrote_after_the_time_is_returned(stack: Stack, chat: Chat) -> None:
    chat.say("hi")
    chat.say("thanks, bye")

    everything = read(stack, chat.sender, 0)
    assert [m["text"] for m in everything] == ["hi", "thanks, bye"]
    assert [m["text"] for m in read(stack, chat.sender, everything[0]["timestamp"])] == [
        "thanks, bye"
    ]
    assert read(stack, chat.sender, everything[1]["timestamp"]) == []


def test_the_desk_reads_what_rasas_tracker_route_shows_of_the_shopper(
    stack: Stack, chat: Chat
) -> None:
    """The same texts and times as the whole conversation through ``/tracker`` gave."""
    chat.say("where is my order?")
    chat.say("my email is sam.ortiz@example.com")
    tracker = requests.get(
        f"http://127.0.0.1:{stack.env['RASA_PORT']}/conversations/{chat.sender}/tracker",
        params={"token": stack.env["RASA_AUTH_TOKEN"], "include_events": "ALL"},
        timeout=10,
    ).json()
    shown = [
        {"timestamp": e["timestamp"], "text": e["text"]}
        for e in tracker["events"]
        if e["event"] == "user"
    ]

    assert read(stack, chat.sender, 0) == shown
    assert "sam.ortiz@example.com" not in str(shown)  # both read the scrubbed, stored text


@pytest.mark.parametrize("token", [None, "not-the-token"])
def test_without_the_api_token_nothing_is_read(stack: Stack, chat: Chat, token: str | None) -> None:
    chat.say("hi")
    resp = messages(stack, chat.sender, **({"token": token} if token else {}))
    assert resp.status_code == 401, resp.text


@pytest.mark.parametrize("after", ["yesterday", "nan", "inf", "1e999"])
def test_a_time_that_is_not_a_number_gets_a_400_that_says_so(stack: Stack, after: str) -> None:
    resp = messages(stack, "test-anyone", after=after, token=stack.env["RASA_AUTH_TOKEN"])
    assert resp.status_code == 400, resp.text
    assert "'after' must be a number" in resp.json()["message"]


def test_an_unknown_conversation_has_no_messages_and_is_not_created(stack: Stack) -> None:
    sender = f"test-never-{uuid.uuid4().hex[:12]}"
    assert read(stack, sender, 0) == []
    engine = sa.create_engine(stack.env["TRACKER_STORE_URL"])
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT COUNT(*) FROM events WHERE sender_id = :s"), {"s": sender}
            ).scalar()
    finally:
        engine.dispose()
    assert rows == 0


def read_all(stack: Stack, afters: dict[str, float], **params: str) -> requests.Response:
    return requests.post(
        f"http://127.0.0.1:{stack.env['RASA_PORT']}/shopper_messages",
        params=params,
        json={"conversations": afters},
        timeout=10,
    )


def test_one_request_gives_every_conversation_what_it_wrote_after_its_own_time(
    stack: Stack,
) -> None:
    """The desk's sync round: the same as asking each conversation on its own."""
    first, second = Chat(stack.rest_url), Chat(stack.rest_url)
    first.say("hi")
    first.say("thanks, bye")
    second.say("where is my order?")
    since = read(stack, first.sender, 0)[0]["timestamp"]
    unknown = f"test-never-{uuid.uuid4().hex[:12]}"
    afters = {first.sender: since, second.sender: 0.0, unknown: 0.0}

    resp = read_all(stack, afters, token=stack.env["RASA_AUTH_TOKEN"])

    assert resp.status_code == 200, resp.text
    found = resp.json()["conversations"]
    assert [m["text"] for m in found[first.sender]] == ["thanks, bye"]
    assert [m["text"] for m in found[second.sender]] == ["where is my order?"]
    assert found == {sender: read(stack, sender, after) for sender, after in afters.items()}


def test_a_sender_id_a_url_would_quote_is_read_as_it_is(stack: Stack) -> None:
    chat = Chat(stack.rest_url, sender=f"test-{uuid.uuid4().hex[:8]} #1 ?x=1&y/2")
    chat.say("hi")

    resp = read_all(stack, {chat.sender: 0.0}, token=stack.env["RASA_AUTH_TOKEN"])

    assert resp.status_code == 200, resp.text
    assert [m["text"] for m in resp.json()["conversations"][chat.sender]] == ["hi"]


@pytest.mark.parametrize("token", [None, "not-the-token"])
def test_without_the_api_token_no_conversation_is_read(
    stack: Stack, chat: Chat, token: str | None
) -> None:
    chat.say("hi")
    resp = read_all(stack, {chat.sender: 0.0}, **({"token": token} if token else {}))
    assert resp.status_code == 401, resp.text


def test_more_conversations_than_one_request_takes_get_a_400_that_says_so(stack: Stack) -> None:
    afters = {f"test-many-{n}": 0.0 for n in range(1001)}
    resp = read_all(stack, afters, token=stack.env["RASA_AUTH_TOKEN"])
    assert resp.status_code == 400, resp.text
    assert "at most 1000 conversations" in resp.json()["message"]
