"""Handoff on SMS and Messenger: the agent's reply leaves through the provider's API.

The desk posts the agent's message to Rasa with ``output_channel=latest``; Rasa asks the SMS or
Messenger input channel for its output channel, which sends through Twilio's Messages API or the
Graph API's Send API (local stand-ins here, speaking the same protocols). What the stand-in
recorded is what the shopper's phone or Messenger app would show.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from stack.processes import Stack
from tests.e2e.desk import Agent
from tests.e2e.standins import ProviderStandIn, Sent
from tests.e2e.test_channels_messenger import MessengerUser, texts
from tests.e2e.test_channels_sms import demo_phone
from tests.e2e.test_handoff import agent, wait_for_transcript

pytestmark = pytest.mark.stack


def new_ticket(ana: Agent, channel: str, known: set[int], timeout_s: float = 15.0) -> int:
    """The id of the ticket on ``channel`` that appeared in the queue since ``known``."""
    deadline = time.monotonic() + timeout_s
    while True:
        fresh = [
            t["ticket_id"]
            for t in ana.queue()
            if t["channel"] == channel and t["ticket_id"] not in known
        ]
        if fresh:
            assert len(fresh) == 1, fresh
            return int(fresh[0])
        assert time.monotonic() < deadline, f"no new {channel} ticket in the queue"
        time.sleep(0.3)


def queued_ids(ana: Agent) -> set[int]:
    return {int(t["ticket_id"]) for t in ana.queue()}


def claim_and_reply(ana: Agent, ticket_id: int, text: str) -> None:
    path = f"/api/agent/tickets/{ticket_id}"
    if ana.get(path).json()["status"] == "queued":
        assert ana.post(f"{path}/claim").status_code == 200
    sent = ana.post(f"{path}/reply", {"text": text})
    assert sent.status_code == 201, sent.text


def arrives(wait: Callable[[int], list[Sent]], before: int) -> list[Sent]:
    """What reached the shopper after the first ``before`` messages (waits for one)."""
    return wait(before + 1)[before:]


def test_an_sms_shopper_gets_the_agents_reply_from_the_shops_number_and_the_bot_after_hand_back(
    stack: Stack, provider_standin: ProviderStandIn
) -> None:
    ana = agent(stack)
    known = queued_ids(ana)
    phone = demo_phone(stack)  # the demo shop replies in TwiML: no webhook waits for a push

    def to_phone(count: int) -> list[Sent]:
        return provider_standin.wait_for("twilio", phone.number, count)

    assert "in the queue" in " ".join(phone.text("can i talk to an actual person pls"))
    ticket_id = new_ticket(ana, "sms", known)
    # Paused: what the shopper texts now reaches the agent, and nothing is answered.
    assert phone.text("hello?? anyone") == []
    wait_for_transcript(ana, ticket_id, "anyone")
    assert provider_standin.to("twilio", phone.number) == []

    claim_and_reply(ana, ticket_id, "Hi, Ana from the store here. Let me look at your order.")
    (reply,) = arrives(to_phone, 0)
    assert reply.body == {
        "To": phone.number,
        "From": "+15005550006",  # the demo shop's own Twilio number
        "Body": "Hi, Ana from the store here. Let me look at your order.",
    }
    assert reply.auth == (stack.env["TWILIO_ACCOUNT_SID_DEMO"], stack.env["TWILIO_AUTH_TOKEN_DEMO"])

    long_reply = "I found it. " + "The parcel left our warehouse on Monday and is on its way. " * 5
    claim_and_reply(ana, ticket_id, long_reply.strip())
    parts = to_phone(3)[1:]
    assert len(parts) >= 2 and all(len(p.body["Body"]) <= 160 for p in parts)
    assert " ".join(p.body["Body"] for p in parts).split() == long_reply.split()

    sent_before = len(to_phone(0))
    assert ana.post(f"/api/agent/tickets/{ticket_id}/handback").status_code == 200
    back = arrives(to_phone, sent_before)
    assert "back with the assistant" in " ".join(s.body["Body"] for s in back)
    assert "order number" in " ".join(phone.text("where is my order?")).lower()
    assert ticket_id not in queued_ids(ana)


def test_a_messenger_shopper_gets_the_agents_reply_on_the_page_and_the_bot_after_hand_back(
    stack: Stack, provider_standin: ProviderStandIn
) -> None:
    ana = agent(stack)
    known = queued_ids(ana)
    user = MessengerUser(stack, provider_standin)

    def to_user(count: int) -> list[Sent]:
        return provider_standin.wait_for("graph", user.psid, count)

    assert "in the queue" in texts(user.say("i need to speak with a human being"))
    ticket_id = new_ticket(ana, "messenger", known)
    assert user.say("still waiting...") == []
    wait_for_transcript(ana, ticket_id, "still waiting")

    before = len(to_user(0))
    claim_and_reply(ana, ticket_id, "Hey, Ana here from the store. How can I help?")
    (reply,) = arrives(to_user, before)
    assert reply.query["access_token"] == stack.env["MESSENGER_PAGE_TOKEN_DEMO"]
    assert reply.body["recipient"] == {"id": user.psid}
    assert reply.body["message"] == {"text": "Hey, Ana here from the store. How can I help?"}

    before = len(to_user(0))
    assert ana.post(f"/api/agent/tickets/{ticket_id}/handback").status_code == 200
    assert "back with the assistant" in texts(arrives(to_user, before))
    assert "order number" in texts(user.say("where's my order")).lower()
    assert ticket_id not in queued_ids(ana)


def test_an_sms_shopper_who_texts_stop_gets_no_more_agent_messages(
    stack: Stack, provider_standin: ProviderStandIn
) -> None:
    ana = agent(stack)
    known = queued_ids(ana)
    phone = demo_phone(stack)
    phone.text("get me a human please")
    ticket_id = new_ticket(ana, "sms", known)
    claim_and_reply(ana, ticket_id, "Ana here, one moment please.")
    assert len(provider_standin.wait_for("twilio", phone.number, 1)) == 1  # push works here

    assert "unsubscribed" in " ".join(phone.text("STOP"))
    claim_and_reply(ana, ticket_id, "Are you still there?")
    assert ana.post(f"/api/agent/tickets/{ticket_id}/handback").status_code == 200
    time.sleep(2)  # the desk answered already; give a wrong push time to arrive anyway
    sent: list[Any] = provider_standin.to("twilio", phone.number)
    assert [s.body["Body"] for s in sent] == ["Ana here, one moment please."]


def test_when_the_agent_resolves_an_sms_ticket_the_shopper_rates_by_number_and_it_is_stored(
    stack: Stack, provider_standin: ProviderStandIn
) -> None:
    ana = agent(stack)
    known = queued_ids(ana)
    phone = demo_phone(stack)
    phone.text("i want a real human")
    ticket_id = new_ticket(ana, "sms", known)
    assert ana.post(f"/api/agent/tickets/{ticket_id}/claim").status_code == 200
    assert ana.post(f"/api/agent/tickets/{ticket_id}/resolve").status_code == 200
    asked = " ".join(s.body["Body"] for s in provider_standin.wait_for("twilio", phone.number, 1))
    assert "1 (poor) to 5 (great)" in asked and "(reply 1, 2, 3, 4 or 5)" in asked
    assert "1. 1" not in asked
    assert "Thank you for the rating" in " ".join(phone.text("4"))
    closed = ana.get(f"/api/agent/tickets/{ticket_id}").json()
    assert closed["status"] == "resolved" and closed["rating"] == 4
