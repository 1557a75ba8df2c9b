"""Messenger payload rules: signatures, which events become messages, quick replies."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from channels.common import Rejected
from channels.messenger import events_of, quick_replies, signature_ok


def _sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    ("header", "ok"),
    [
        (_sign(b'{"a":1}', "app-secret"), True),
        (_sign(b'{"a":1}', "app-secret").upper().replace("SHA256", "sha256"), True),
        (_sign(b'{"a":2}', "app-secret"), False),  # another body
        (_sign(b'{"a":1}', "other-secret"), False),
        ("sha1=" + hmac.new(b"app-secret", b'{"a":1}', hashlib.sha1).hexdigest(), False),
        ("", False),
        ("sha256=", False),
    ],
)
def test_only_the_app_secrets_hmac_of_this_body_is_accepted(header: str, ok: bool) -> None:
    assert signature_ok(b'{"a":1}', header, "app-secret") is ok


def test_quick_replies_and_postbacks_bring_their_payload_and_echoes_are_skipped() -> None:
    body = {
        "object": "page",
        "entry": [
            {
                "messaging": [
                    {"sender": {"id": "1"}, "message": {"text": "where is my order"}},
                    {
                        "sender": {"id": "1"},
                        "message": {"text": "No", "quick_reply": {"payload": "/deny"}},
                    },
                    {"sender": {"id": "1"}, "postback": {"payload": "/greet", "title": "Start"}},
                    {"sender": {"id": "PAGE"}, "message": {"text": "bot said", "is_echo": True}},
                    {"sender": {"id": "1"}, "delivery": {"watermark": 1}},
                ]
            }
        ],
    }
    assert events_of(body) == [("1", "where is my order"), ("1", "/deny"), ("1", "/greet")]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"object": "user", "entry": []},
        {"object": "page", "entry": "x"},
        {"object": "page", "entry": [{"messaging": [{"message": {"text": "no sender"}}]}]},
        {"object": "page", "entry": [{"messaging": [{"sender": {"id": 5}, "message": {}}]}]},
    ],
)
def test_bodies_without_a_usable_message_are_refused_with_400(body: dict) -> None:
    with pytest.raises(Rejected) as raised:
        events_of(body)
    assert raised.value.status == 400


def test_buttons_become_at_most_13_quick_replies_with_short_titles() -> None:
    buttons = [
        {"title": f"AC-10{i:04d} · Rugged Phone Case", "payload": f"/p{i}"} for i in range(20)
    ]
    replies = quick_replies(buttons)
    assert len(replies) == 13
    assert all(len(r["title"]) <= 20 and r["content_type"] == "text" for r in replies)
    assert replies[0]["payload"] == "/p0"
