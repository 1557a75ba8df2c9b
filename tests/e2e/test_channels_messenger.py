"""Messenger end to end: signed webhooks → Rasa → actions → backend → Graph API stand-in.

Bodies are signed like Meta signs them (HMAC-SHA256 of the raw body with the app secret);
what the shopper would see is what the local Graph API stand-in recorded.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from stack.processes import Stack
from tests.e2e.conftest import backend_order, order_in
from tests.e2e.standins import ProviderStandIn, Sent

pytestmark = pytest.mark.stack


@dataclass
class MessengerUser:
    """One person writing to a tenant's Facebook page."""

    stack: Stack
    standin: ProviderStandIn
    tenant_path: str = "demo"
    psid: str = field(default_factory=lambda: str(uuid.uuid4().int)[:16])

    @property
    def url(self) -> str:
        port = self.stack.env["RASA_PORT"]
        return f"http://127.0.0.1:{port}/webhooks/messenger/{self.tenant_path}"

    @property
    def app_secret(self) -> str:
        return self.stack.env[f"MESSENGER_APP_SECRET_{self.tenant_path.split('-')[0].upper()}"]

    def post(self, body: bytes, secret: str | None = None) -> requests.Response:
        digest = hmac.new((secret or self.app_secret).encode(), body, hashlib.sha256).hexdigest()
        return requests.post(
            self.url,
            data=body,
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={digest}"},
            timeout=30,
        )

    def event(self, message: dict[str, Any]) -> bytes:
        return json.dumps(
            {
                "object": "page",
                "entry": [
                    {
                        "id": "PAGE",
                        "time": 1,
                        "messaging": [
                            {"sender": {"id": self.psid}, "recipient": {"id": "PAGE"}, **message}
                        ],
                    }
                ],
            }
        ).encode()

    def say(self, text: str, quick_reply: str | None = None) -> list[Sent]:
        """Send a message (or tap a quick reply); return what the page sent back for it."""
        before = len(self.standin.to("graph", self.psid))
        message: dict[str, Any] = {"mid": f"m_{uuid.uuid4().hex}", "text": text}
        if quick_reply:
            message["quick_reply"] = {"payload": quick_reply}
        resp = self.post(self.event({"message": message}))
        assert resp.status_code == 200, resp.text
        return self.standin.to("graph", self.psid)[before:]


def texts(sent: list[Sent]) -> str:
    return "\n".join(s.body["message"].get("text", "") for s in sent)


@pytest.fixture
def user(stack: Stack, provider_standin: ProviderStandIn) -> MessengerUser:
    return MessengerUser(stack, provider_standin)


def test_when_shopper_verifies_on_messenger_then_the_graph_api_gets_the_tracking_answer(
    stack: Stack, user: MessengerUser, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "out_for_delivery", 1)
    assert "order number" in texts(user.say("yo where's my stuff")).lower()
    assert "e-mail" in texts(user.say(f"it's {order['order_id']}")).lower()
    sent = user.say(order["email"])
    answer = texts(sent)
    live = backend_order(stack, order["order_id"])
    assert live["shipment"]["tracking_number"] in answer
    assert live["shipment"]["events"][-1]["description"] in answer
    assert all(s.query["access_token"] == stack.env["MESSENGER_PAGE_TOKEN_DEMO"] for s in sent)
    assert all(s.body["recipient"]["id"] == user.psid for s in sent)


def test_when_bot_offers_buttons_then_they_are_quick_replies_and_a_tap_sends_the_payload(
    stack: Stack, user: MessengerUser, demo_orders: list[dict[str, str]]
) -> None:
    order = [o for o in demo_orders if o["status"] == "pending"][-1]
    user.say("i want to cancel my order")
    user.say(order["order_id"])
    asked = user.say(order["email"])
    quick = asked[-1].body["message"]["quick_replies"]
    assert [q["content_type"] for q in quick] == ["text"] * len(quick)
    assert all(len(q["title"]) <= 20 for q in quick)
    other = next(q for q in quick if "other" in q["payload"])
    summary = user.say(other["title"], quick_reply=other["payload"])
    confirm = summary[-1].body["message"]["quick_replies"]
    no = next(q for q in confirm if q["payload"] == "/deny")
    done = texts(user.say(no["title"], quick_reply=no["payload"]))
    assert "haven't changed anything" in done
    assert backend_order(stack, order["order_id"])["status"] == "pending"


def test_when_meta_checks_the_webhook_then_only_the_right_verify_token_gets_the_challenge(
    stack: Stack, user: MessengerUser
) -> None:
    params = {"hub.mode": "subscribe", "hub.challenge": "1158201444"}
    good = requests.get(
        user.url,
        params={**params, "hub.verify_token": stack.env["MESSENGER_VERIFY_TOKEN_DEMO"]},
        timeout=10,
    )
    assert good.status_code == 200 and good.text == "1158201444"
    bad = requests.get(user.url, params={**params, "hub.verify_token": "guess"}, timeout=10)
    assert bad.status_code == 403
    assert requests.get(user.url, timeout=10).status_code == 400


def test_when_signature_is_wrong_or_missing_then_403_and_nothing_is_sent(
    user: MessengerUser,
) -> None:
    body = user.event({"message": {"mid": "m_1", "text": "where is my order"}})
    assert user.post(body, secret="not-the-app-secret").status_code == 403
    unsigned = requests.post(user.url, data=body, timeout=10)
    assert unsigned.status_code == 403
    assert unsigned.json()["error"]["code"] == "bad_signature"
    assert user.standin.to("graph", user.psid) == []


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "malformed_body"),
        (b"[1, 2]", "malformed_body"),
        (b'{"object": "instagram", "entry": []}', "not_a_page_event"),
        (
            b'{"object": "page", "entry": [{"messaging": [{"message": {"text": "hi"}}]}]}',
            "missing_fields",
        ),
    ],
    ids=["not-json", "not-an-object", "not-a-page", "no-sender"],
)
def test_when_a_signed_body_is_malformed_then_400_with_the_reason(
    user: MessengerUser, body: bytes, code: str
) -> None:
    resp = user.post(body)
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == code


def test_when_the_page_is_unknown_then_404(stack: Stack, provider_standin: ProviderStandIn) -> None:
    stranger = MessengerUser(stack, provider_standin, tenant_path="nobody")
    resp = requests.post(stranger.url, data=b"{}", timeout=10)
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "unknown_tenant"
