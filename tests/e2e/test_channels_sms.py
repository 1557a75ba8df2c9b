"""SMS end to end: signed Twilio webhooks → Rasa → actions → backend, replies as TwiML or REST.

Requests are signed exactly as Twilio signs them, with twilio's own RequestValidator and the
tenant's (test) auth token; REST-mode replies land in the local Twilio stand-in.
"""

from __future__ import annotations

import re
import sqlite3
import time
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from twilio.request_validator import RequestValidator

from channels.twilio_sms import sms_sender_id
from stack.processes import Stack
from tests.e2e.conftest import backend_get, backend_order, order_in
from tests.e2e.standins import ProviderStandIn

pytestmark = pytest.mark.stack


@dataclass
class Phone:
    """A shopper's phone texting one tenant's Twilio number."""

    stack: Stack
    tenant_path: str
    auth_token: str
    number: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.stack.env['RASA_PORT']}/webhooks/sms/{self.tenant_path}"

    def post(self, body: str, sign_with: str | None = None, **extra: str) -> requests.Response:
        params = {
            "MessageSid": f"SM{uuid.uuid4().hex}",
            "AccountSid": "ACtest",
            "From": self.number,
            "To": "+15005550006",
            "Body": body,
            **extra,
        }
        signature = RequestValidator(sign_with or self.auth_token).compute_signature(
            self.url, params
        )
        return requests.post(
            self.url, data=params, headers={"X-Twilio-Signature": signature}, timeout=30
        )

    def text(self, body: str) -> list[str]:
        """Send an SMS; return the SMS parts of the TwiML reply."""
        resp = self.post(body)
        assert resp.status_code == 200, resp.text
        assert resp.headers["content-type"].startswith("text/xml")
        return [m.text or "" for m in ET.fromstring(resp.text).iter("Message")]


def new_number() -> str:
    return f"+1202555{uuid.uuid4().int % 10_000:04d}"


def demo_phone(stack: Stack, number: str | None = None) -> Phone:
    return Phone(stack, "demo", stack.env["TWILIO_AUTH_TOKEN_DEMO"], number or new_number())


def e164(phone: str) -> str:
    return "+1" + re.sub(r"\D", "", phone)[-10:]


def shopper_with_own_phone(
    stack: Stack, demo_orders: list[dict[str, str]]
) -> tuple[dict[str, str], str]:
    """An in-transit order whose customer is the only one with their phone number."""
    for order in (o for o in demo_orders if o["status"] == "in_transit"):
        phone = backend_get(stack, f"customers/{order['customer_id']}")["phone"]
        if not phone:
            continue
        try:
            found = backend_get(stack, "customers", phone=e164(phone))
        except requests.HTTPError:
            continue  # shared by two customers: not an identity
        if found["customer_id"] == order["customer_id"]:
            return order, e164(phone)
    pytest.fail("the seed lacks it: no in-transit order whose customer has a phone of their own")


def test_when_phone_matches_the_customer_then_orders_are_offered_as_numbered_options(
    stack: Stack, demo_orders: list[dict[str, str]]
) -> None:
    order, number = shopper_with_own_phone(stack, demo_orders)
    phone = demo_phone(stack, number)
    parts = phone.text("hey wheres my order??")
    menu = "\n".join(parts)
    assert "(reply 1" in menu
    options = dict(re.findall(r"^(\d+)\. (AC-\d{6})", menu, flags=re.MULTILINE))
    assert order["order_id"] in options.values(), menu
    pick = next(n for n, ref in options.items() if ref == order["order_id"])
    answer = "\n".join(phone.text(pick))
    live = backend_order(stack, order["order_id"])
    assert live["shipment"]["tracking_number"] in answer
    assert live["shipment"]["events"][-1]["description"] in answer
    assert "e-mail" not in answer.lower()  # the phone was the proof: no second question


def test_when_phone_is_unknown_then_the_shopper_verifies_as_usual_and_sees_tracking(
    stack: Stack, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "in_transit", 1)
    phone = demo_phone(stack)
    assert "order number" in " ".join(phone.text("where is my package")).lower()
    assert "e-mail" in " ".join(phone.text(order["order_id"])).lower()
    parts = phone.text(order["email"])
    assert all(len(p) <= 160 for p in parts), parts
    answer = " ".join(parts)
    live = backend_order(stack, order["order_id"])
    assert live["shipment"]["tracking_number"] in answer
    assert live["shipment"]["events"][-1]["description"] in answer


def test_when_tenant_replies_over_rest_then_twilio_receives_the_whole_conversation(
    stack: Stack, provider_standin: ProviderStandIn, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "in_transit", 2)
    phone = Phone(stack, "outdoor-7f3c", stack.env["TWILIO_AUTH_TOKEN_OUTDOOR"], new_number())
    assert phone.text("hi, tracking for my order pls") == []  # nothing in TwiML: sent by REST
    asked = provider_standin.wait_for("twilio", phone.number, 1)
    assert "e-mail" in asked[-1].body["Body"].lower()  # this tenant signs the shopper in first
    assert asked[-1].body["From"] == "+15005550007"  # the tenant's own number
    assert asked[-1].auth == (stack.env["TWILIO_ACCOUNT_SID_OUTDOOR"], phone.auth_token)
    assert phone.text(order["email"]) == []
    menu = "\n".join(s.body["Body"] for s in _sent_until(provider_standin, phone, "(reply 1")[1:])
    options = dict(re.findall(r"^(\d+)\. (AC-\d{6})", menu, flags=re.MULTILINE))
    pick = next(n for n, ref in options.items() if ref == order["order_id"])
    before = len(provider_standin.to("twilio", phone.number))
    phone.text(pick)
    tracking = backend_order(stack, order["order_id"])["shipment"]["tracking_number"]
    sent = _sent_until(provider_standin, phone, tracking, after=before)
    assert tracking in " ".join(s.body["Body"] for s in sent[before:])
    assert all(len(s.body["Body"]) <= 160 for s in sent)


def _sent_until(
    standin: ProviderStandIn, phone: Phone, needle: str, after: int = 0, timeout_s: float = 10.0
) -> list[Any]:
    """What Twilio was asked to send to ``phone`` once ``needle`` arrived (a reply may take
    several SMS parts, sent one by one)."""
    deadline = time.monotonic() + timeout_s
    while True:
        sent = standin.to("twilio", phone.number)
        if needle in " ".join(s.body["Body"] for s in sent[after:]) or time.monotonic() > deadline:
            return sent
        time.sleep(0.05)


def test_when_shopper_texts_stop_then_nothing_more_is_sent_until_start(stack: Stack) -> None:
    phone = demo_phone(stack)
    stopped = phone.text("STOP")
    assert len(stopped) == 1 and "unsubscribed" in stopped[0]
    assert phone.text("where is my order?") == []
    assert phone.text("hello??") == []
    help_reply = phone.text("help")
    assert help_reply == []  # opted out: not even HELP gets an answer
    started = phone.text("start")
    assert "subscribed again" in started[0]
    assert "order number" in " ".join(phone.text("where is my order?")).lower()
    # Consent is stored, not kept in memory, and without the phone number in the clear.
    db = stack.env["CHANNEL_STATE_DB_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT sender_id, opted_out FROM sms_consent").fetchall()
    assert rows and all(phone.number.lstrip("+") not in sender for sender, _ in rows)
    assert any(not opted_out for _, opted_out in rows)


def test_when_shopper_texts_help_then_the_merchant_and_opt_out_are_named(stack: Stack) -> None:
    reply = demo_phone(stack).text("HELP")
    assert len(reply) == 1 and "Aftercare demo store" in reply[0] and "STOP" in reply[0]


def test_when_a_bare_cancel_is_texted_it_opts_out_but_cancel_my_order_is_a_question(
    stack: Stack,
) -> None:
    phone = demo_phone(stack)
    assert "order number" in " ".join(phone.text("cancel my order please")).lower()
    assert "unsubscribed" in phone.text("cancel")[0]


@pytest.mark.parametrize("signed_with", ["wrong-token", None], ids=["other-token", "unsigned"])
def test_when_signature_is_bad_then_403_and_the_message_never_reaches_the_bot(
    stack: Stack, signed_with: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    phone = demo_phone(stack)
    if signed_with:
        resp = phone.post("where is my order", sign_with=signed_with)
    else:
        resp = requests.post(phone.url, data={"From": phone.number, "Body": "hi"}, timeout=10)
    assert resp.status_code == 403
    assert resp.json()["error"]["code"] == "bad_signature"
    # Rasa has no conversation for the number: the message was never processed.
    monkeypatch.setenv("AFTERCARE_CHANNEL_SECRET", stack.env["AFTERCARE_CHANNEL_SECRET"])
    sender = sms_sender_id("demo", phone.number)
    tracker = requests.get(
        f"http://127.0.0.1:{stack.env['RASA_PORT']}/conversations/{sender}/tracker",
        params={"token": stack.env["RASA_AUTH_TOKEN"]},
        timeout=10,
    ).json()
    assert not [e for e in tracker.get("events", []) if e.get("event") == "user"]


def test_when_request_is_malformed_then_a_clear_4xx(stack: Stack) -> None:
    phone = demo_phone(stack)
    base = f"http://127.0.0.1:{stack.env['RASA_PORT']}/webhooks/sms"
    unknown = requests.post(f"{base}/no-such-shop", data={"Body": "hi"}, timeout=10)
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_tenant"
    huge = requests.post(phone.url, data={"Body": "x" * 70_000}, timeout=10)
    assert huge.status_code == 413
    # Correctly signed, but no Body: refused, not crashed.
    params = {"From": phone.number}
    signature = RequestValidator(phone.auth_token).compute_signature(phone.url, params)
    missing = requests.post(
        phone.url, data=params, headers={"X-Twilio-Signature": signature}, timeout=10
    )
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "missing_fields"


def test_when_one_number_floods_then_it_is_rate_limited_and_others_are_not(stack: Stack) -> None:
    flood = demo_phone(stack)
    statuses = [flood.post("hi").status_code for _ in range(12)]
    assert 429 in statuses and statuses[0] == 200
    assert demo_phone(stack).post("hi").status_code == 200
