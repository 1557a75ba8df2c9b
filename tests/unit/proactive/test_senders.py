"""Addressing a shopper from a conversation id, and reading what a conversation already holds."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from proactive.senders import PROACTIVE_INTENT, phone_of, psid_of, read_prior, sms_conversation_id
from proactive.webhook import sign, signature_ok


@pytest.fixture(autouse=True)
def channel_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AFTERCARE_CHANNEL_SECRET", "unit-test-channel-secret")


def test_an_sms_conversation_id_hides_the_number_and_opens_only_for_its_tenant() -> None:
    conversation = sms_conversation_id("demo", "+12025550143")
    assert conversation.startswith("sms:demo:") and "2025550143" not in conversation
    assert conversation == sms_conversation_id("demo", "+12025550143")  # one shopper, one id
    assert phone_of(conversation, "demo") == "+12025550143"
    assert phone_of(conversation.replace("sms:demo:", "sms:outdoor:"), "outdoor") is None
    assert phone_of(conversation, "outdoor") is None
    assert phone_of("messenger:demo:123", "demo") is None


def test_a_messenger_conversation_gives_its_psid_only_to_its_tenant() -> None:
    assert psid_of("messenger:demo:7001", "demo") == "7001"
    assert psid_of("messenger:demo:7001", "outdoor") is None
    assert psid_of("sms:demo:abc", "demo") is None


def user(text: str, ts: float, external: bool = False, key: str | None = None) -> dict[str, Any]:
    entities = [{"entity": "proactive_key", "value": key}] if key else []
    intent = PROACTIVE_INTENT if key else "order_status"
    return {
        "event": "user",
        "text": text,
        "timestamp": ts,
        "metadata": {"is_external": True} if external else {},
        "parse_data": {"intent": {"name": intent}, "entities": entities},
    }


def bot(text: str) -> dict[str, Any]:
    return {"event": "bot", "text": text}


LISTEN = {"event": "action", "name": "action_listen"}


def test_the_texts_of_an_earlier_trigger_with_the_same_key_are_found() -> None:
    events = [
        user("where is my order", 1_000.0),
        bot("It is on its way."),
        LISTEN,
        user("EXTERNAL: x", 2_000.0, external=True, key="pm-other"),
        bot("Another message."),
        LISTEN,
        user("EXTERNAL: x", 3_000.0, external=True, key="pm-this"),
        bot("Your order AC-104233 is running late."),
        bot("Reply here if you need anything."),
        LISTEN,
        user("thanks", 4_000.0),
        bot("You're welcome!"),
    ]
    prior = read_prior(events, "pm-this")
    assert prior.texts == [
        "Your order AC-104233 is running late.",
        "Reply here if you need anything.",
    ]
    # The proactive turns are not the shopper writing: Messenger's window counts from "thanks".
    assert prior.last_shopper_message == dt.datetime.fromtimestamp(4_000.0, dt.timezone.utc)


def test_a_conversation_without_the_key_has_no_prior_texts() -> None:
    prior = read_prior([user("EXTERNAL: x", 5.0, external=True, key="pm-other"), bot("Hi")], "pm-x")
    assert prior.texts is None and prior.last_shopper_message is None


def test_a_trigger_whose_response_was_not_yet_recorded_has_no_texts() -> None:
    assert read_prior([user("EXTERNAL: x", 5.0, external=True, key="pm-x")], "pm-x").texts == []


def test_the_signature_is_shopifys_base64_hmac_of_the_exact_bytes() -> None:
    body = b'{"event_id":"evt-1"}'
    header = sign("s3cret", body)
    # Computed with: printf %s BODY | openssl dgst -sha256 -hmac s3cret -binary | base64
    assert header == "3TKHLpZDeAN7baKh+Bsz0tGR9A6gnvkfDqfvRsmksME="
    assert signature_ok("s3cret", header, body)
    assert not signature_ok("s3cret", header, body + b" ")
    assert not signature_ok("other", header, body)
    assert not signature_ok("s3cret", header.lower(), body)
