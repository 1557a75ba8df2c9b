"""Proactive messages end to end: the backend's order news reaches a consenting shopper by SMS.

The shop's system records consent (``consent.updated``, signed as a merchant would sign it);
the carrier's feed marks a parcel delayed in the backend's store; the backend posts the signed
event (commerce/notify.py); the proactive service decides, asks Rasa for the words and sends
them through the Twilio stand-in. A shopper who texted STOP gets nothing, and the shopper's
answer is an ordinary turn of the conversation the message opened.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from proactive.store import ProactiveStore
from stack.processes import Stack
from tests.e2e.standins import ProviderStandIn
from tests.e2e.test_channels_sms import demo_phone, new_number

pytestmark = pytest.mark.stack

UTC = dt.timezone.utc


def signed_post(stack: Stack, body: dict[str, Any], secret: str | None = None) -> requests.Response:
    raw = json.dumps(body).encode()
    key = secret or stack.env["PROACTIVE_WEBHOOK_SECRET_DEMO"]
    signature = base64.b64encode(hmac.new(key.encode(), raw, hashlib.sha256).digest()).decode()
    return requests.post(
        f"{stack.env['PROACTIVE_URL']}/proactive/demo/events",
        data=raw,
        headers={"Content-Type": "application/json", "X-Aftercare-Hmac-Sha256": signature},
        timeout=10,
    )


def now_iso() -> str:
    return dt.datetime.now(UTC).isoformat().replace("+00:00", "Z")


ORDER_NEWS = ["delay", "exception", "delivered", "refund_paid"]


def consent(
    stack: Stack, customer_id: str, *, phone: str | None = None, conversation: str | None = None
) -> None:
    """The shop records that this shopper agreed to order news: by SMS at ``phone``, or in the
    Messenger or web chat ``conversation`` (``messenger:<tenant>:<psid>``, a chat session)."""
    if phone is not None:
        where: dict[str, str] = {"channel": "sms", "phone": phone}
    else:
        assert conversation is not None
        channel = "messenger" if conversation.startswith("messenger:") else "socketio"
        where = {"channel": channel, "conversation_id": conversation}
    resp = signed_post(
        stack,
        {
            "event_id": f"consent-{uuid.uuid4().hex[:12]}",
            "type": "consent.updated",
            "sent_at": now_iso(),
            "customer_id": customer_id,
            **where,
            "kinds": ORDER_NEWS,
            "granted": True,
        },
    )
    assert resp.status_code == 202, resp.text


def not_asked_about(stack: Stack) -> list[tuple[str, str]]:
    """(order id, customer id) of in-transit orders no test of this stack asked about today,
    had news of, or whose shopper it gave a channel.

    Asking about an order today rightly keeps its news from being sent, news about an order
    goes once (a parcel an earlier test delayed is back in transit, its news still judged),
    and a shopper's channel and caps are those an earlier test left. The stack is shared by
    every test of this worker: the orders come from the whole store, newest first.
    """
    with sqlite3.connect(stack.env["PROACTIVE_DB_URL"].removeprefix("sqlite:///")) as conn:
        asked = {row[0] for row in conn.execute("SELECT order_id FROM proactive_inquiries")}
        judged = {row[0] for row in conn.execute("SELECT order_id FROM proactive_decisions")}
        reached = {row[0] for row in conn.execute("SELECT customer_id FROM proactive_consents")}
    with sqlite3.connect(stack.env["COMMERCE_DB_URL"].removeprefix("sqlite:///")) as conn:
        in_transit = conn.execute(
            "SELECT o.id, o.customer_id FROM orders o JOIN shipments s ON s.order_id = o.id"
            " WHERE o.status = 'in_transit' AND s.status = 'in_transit' ORDER BY o.id DESC"
        ).fetchall()
    return [
        (order, customer)
        for order, customer in in_transit
        if order not in asked | judged and customer not in reached
    ]


@pytest.fixture
def carrier(stack: Stack) -> Iterator[Callable[[str, str], None]]:
    """The carrier's feed, as the backend would store it (no API route changes shipments):
    ``carrier(order_id, "delayed")``.

    The parcels go back to their status afterwards: later tests of this stack share them.
    """
    path = stack.env["COMMERCE_DB_URL"].removeprefix("sqlite:///")
    changed: list[tuple[str, str]] = []

    def mark(order_id: str, status: str) -> None:
        with sqlite3.connect(path) as conn:
            query = "SELECT status FROM shipments WHERE order_id = ?"
            changed.append((order_id, conn.execute(query, (order_id,)).fetchone()[0]))
            conn.execute("UPDATE shipments SET status = ? WHERE order_id = ?", (status, order_id))

    yield mark
    with sqlite3.connect(path) as conn:
        for order_id, status in reversed(changed):
            conn.execute("UPDATE shipments SET status = ? WHERE order_id = ?", (status, order_id))


def test_when_a_parcel_is_delayed_then_a_consenting_shopper_gets_an_sms_and_can_answer(
    stack: Stack,
    provider_standin: ProviderStandIn,
    carrier: Callable[[str, str], None],
) -> None:
    # their parcels become delayed (the stack's demo policy keeps its quiet hours hours away:
    # tests/merchants.py)
    candidates = not_asked_about(stack)
    told_order, told_customer = candidates[0]
    stopped_order, stopped_customer = next(c for c in candidates if c[1] != told_customer)
    told_phone, stopped_phone = demo_phone(stack, new_number()), demo_phone(stack, new_number())
    consent(stack, told_customer, phone=told_phone.number)
    consent(stack, stopped_customer, phone=stopped_phone.number)
    assert stopped_phone.text("STOP")  # the carrier's opt-out answer

    carrier(told_order, "delayed")
    carrier(stopped_order, "delayed")

    sms = provider_standin.wait_for("twilio", told_phone.number, 1, timeout_s=40)
    assert len(sms) == 1, "no proactive SMS reached the consenting shopper"
    text = sms[0].body["Body"]
    assert told_order in text and "running late" in text
    assert "wait" in text and "cancel" in text
    assert sms[0].auth is not None and sms[0].auth[0] == stack.env["TWILIO_ACCOUNT_SID_DEMO"]

    store = ProactiveStore(stack.env["PROACTIVE_DB_URL"])
    try:
        deadline = time.monotonic() + 20
        decided: list[dict[str, Any]] = []
        while time.monotonic() < deadline and not decided:
            decided = [d for d in store.decisions("demo") if d["order_id"] == stopped_order]
            time.sleep(0.3)
        assert decided and decided[0]["reason"] == "consent", decided
        rows = [r for r in store.outbox("demo") if r["order_id"] == told_order]
        assert [r["status"] for r in rows] == ["sent"]
    finally:
        store.close()
    assert provider_standin.to("twilio", stopped_phone.number) == []

    # The answer continues the conversation about that very order: the cancellation asks
    # only for the second factor (the order number came with the message), nothing revealed.
    reply = " ".join(told_phone.text("cancel it please")).lower()
    assert "e-mail" in reply or "zip" in reply, reply
    assert "order number" not in reply, reply


def test_when_the_signature_is_wrong_then_the_running_service_refuses_with_401(
    stack: Stack,
) -> None:
    body = {
        "event_id": f"evt-{uuid.uuid4().hex[:12]}",
        "type": "shipment.delayed",
        "sent_at": now_iso(),
        "customer_id": "C-1042",
        "order_id": "AC-104233",
    }
    resp = signed_post(stack, body, secret="not-the-demo-secret")
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "bad_signature"
