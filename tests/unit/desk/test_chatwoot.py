"""Chatwoot's Agent Bot webhooks: which are the agent talking, which resolve, which are forged."""

from __future__ import annotations

import json
import time

import pytest

from desk.connectors.chatwoot import agent_message, resolved_conversation, sign, signature_ok
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "chatwoot"
SECRET = "webhook-secret"


def payload(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def test_an_agents_public_reply_goes_to_the_shopper() -> None:
    message = agent_message(payload("message_created_agent"))
    assert message is not None
    assert message.conversation_id == "42" and message.agent_name == "Priya Shah"
    assert message.text.startswith("Hi, this is Priya")


@pytest.mark.parametrize(
    "name",
    ["message_created_private_note", "message_created_incoming", "conversation_opened"],
)
def test_private_notes_shopper_messages_and_other_events_are_not_relayed(name: str) -> None:
    assert agent_message(payload(name)) is None


def test_a_message_from_an_agent_bot_is_not_relayed_back() -> None:
    bot = payload("message_created_agent")
    bot["sender"]["type"] = "agent_bot"
    assert agent_message(bot) is None


@pytest.mark.parametrize(
    ("name", "conversation"),
    [
        ("conversation_resolved", "42"),
        ("conversation_status_changed_resolved", "42"),
        ("conversation_opened", None),
        ("message_created_agent", None),
    ],
)
def test_resolving_is_recognised_in_both_event_shapes(name: str, conversation: str | None) -> None:
    assert resolved_conversation(payload(name)) == conversation


def test_a_correctly_signed_recent_webhook_is_accepted() -> None:
    body, stamp = b'{"event": "message_created"}', str(int(time.time()))
    assert signature_ok(SECRET, sign(SECRET, stamp, body), stamp, body, time.time())


@pytest.mark.parametrize(
    ("secret", "body", "age_s", "stamp"),
    [
        ("another-secret", b"{}", 0, None),  # signed with another secret
        (SECRET, b'{"tampered": 1}', 0, None),  # body changed after signing
        (SECRET, b"{}", 301, None),  # replayed after five minutes
        (SECRET, b"{}", 0, "not-a-number"),
    ],
)
def test_forged_tampered_or_stale_webhooks_are_refused(
    secret: str, body: bytes, age_s: int, stamp: str | None
) -> None:
    now = time.time()
    signed_at = str(int(now) - age_s)
    signature = sign(secret, signed_at, b"{}")
    assert not signature_ok(SECRET, signature, stamp or signed_at, body, now)


def test_without_a_configured_secret_nothing_is_accepted() -> None:
    stamp = str(int(time.time()))
    assert not signature_ok("", sign("", stamp, b"{}"), stamp, b"{}", time.time())
    assert not signature_ok(SECRET, None, stamp, b"{}", time.time())
