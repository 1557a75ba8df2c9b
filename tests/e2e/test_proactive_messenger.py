"""Proactive messages end to end on Messenger: the backend's order news reaches a shopper there.

The proactive service knows a Messenger shopper by the conversation id the channel builds from
the page-scoped id (``messenger:<tenant>:<PSID>``, channels/messenger.py); the shop links its
customer to it with a signed ``consent.updated`` naming that conversation. The carrier's feed
then marks a parcel delayed or lost in the backend's store, the backend posts the event
(commerce/notify.py), and the proactive service asks Rasa for the words and sends them through
the Graph API stand-in: inside 24 hours of the shopper's last message as an ``UPDATE`` (the
page writes of its own accord), outside them only with the policy's post-purchase tag. The
shopper's answer is an ordinary Messenger turn of the conversation the message opened.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests

from merchants.proactive import settings_from_policy_file
from proactive.app import parse_policies
from proactive.store import ProactiveStore
from stack.processes import Stack
from tests.e2e.standins import ProviderStandIn, Sent
from tests.e2e.test_channels_messenger import MessengerUser, texts
from tests.e2e.test_proactive import carrier, consent, not_asked_about

pytestmark = pytest.mark.stack

__all__ = ["carrier"]  # a fixture this module uses

UTC = dt.timezone.utc


def conversation_of(user: MessengerUser) -> str:
    return f"messenger:{user.tenant_path}:{user.psid}"


def last_wrote(stack: Stack, user: MessengerUser, at: dt.datetime) -> None:
    """The shopper's conversation as Rasa stored it when they last wrote, at ``at``.

    Messenger's window counts from the shopper's own last message in the conversation; Rasa's
    HTTP API takes a session with its times, so the message can be a day old.
    """
    stamp = at.timestamp()
    events = [
        {"event": "action", "name": "action_session_start", "timestamp": stamp},
        {"event": "session_started", "timestamp": stamp},
        {"event": "action", "name": "action_listen", "timestamp": stamp},
        {
            "event": "user",
            "text": "thanks, that's all",
            "timestamp": stamp,
            "input_channel": "messenger",
            "parse_data": {"intent": {"name": "thank", "confidence": 1.0}, "entities": []},
        },
    ]
    conversation = quote(conversation_of(user), safe="")
    resp = requests.post(
        f"http://127.0.0.1:{stack.env['RASA_PORT']}/conversations/{conversation}/tracker/events",
        params={"token": stack.env["RASA_AUTH_TOKEN"]},
        json=events,
        timeout=30,
    )
    assert resp.status_code == 200, resp.text


def outbox_once_done(stack: Stack, order_id: str, timeout_s: float = 40) -> list[dict[str, Any]]:
    """The outbox rows about the order once none is pending (the sender marks a row sent only
    after the Send API took every text, so what the stand-in holds then is all there is)."""
    store = ProactiveStore(stack.env["PROACTIVE_DB_URL"])
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            rows = [r for r in store.outbox("demo") if r["order_id"] == order_id]
            if (rows and all(r["status"] != "pending" for r in rows)) or (
                time.monotonic() > deadline
            ):
                return rows
            time.sleep(0.3)
    finally:
        store.close()


def decisions_about(stack: Stack, order_id: str) -> list[tuple[str, str, str | None]]:
    store = ProactiveStore(stack.env["PROACTIVE_DB_URL"])
    try:
        return [
            (d["stage"], d["outcome"], d["reason"])
            for d in store.decisions("demo")
            if d["order_id"] == order_id
        ]
    finally:
        store.close()


def delay_reaches_a_shopper_who_wrote_today(
    stack: Stack, standin: ProviderStandIn, carrier: Callable[[str, str], None]
) -> tuple[MessengerUser, str, list[Sent]]:
    """A consenting shopper says hello on Messenger, then their parcel is delayed: the user,
    the order and what the page sent them after its answer to their hello."""
    order, customer = not_asked_about(stack)[0]
    user = MessengerUser(stack, standin)
    assert user.say("hi"), "the page did not answer the shopper's hello"
    before = len(standin.to("graph", user.psid))
    consent(stack, customer, conversation=conversation_of(user))

    carrier(order, "delayed")

    rows = outbox_once_done(stack, order)
    assert [(r["channel"], r["conversation_id"], r["status"]) for r in rows] == [
        ("messenger", conversation_of(user), "sent")
    ], rows
    return user, order, standin.to("graph", user.psid)[before:]


def test_when_a_parcel_is_delayed_then_a_shopper_who_wrote_today_gets_one_messenger_update(
    stack: Stack, provider_standin: ProviderStandIn, carrier: Callable[[str, str], None]
) -> None:
    _, order, news = delay_reaches_a_shopper_who_wrote_today(stack, provider_standin, carrier)

    assert len(news) == 1, [texts([n]) for n in news]
    text = texts(news)
    assert order in text and "running late" in text
    assert "wait" in text and "cancel" in text
    # Inside the 24 hours, written first by the page: an update, which needs no tag.
    assert news[0].body["messaging_type"] == "UPDATE"
    assert "tag" not in news[0].body
    assert news[0].query["access_token"] == stack.env["MESSENGER_PAGE_TOKEN_DEMO"]


def test_when_the_shopper_answers_the_delay_on_messenger_then_the_conversation_knows_the_order(
    stack: Stack, provider_standin: ProviderStandIn, carrier: Callable[[str, str], None]
) -> None:
    user, order, news = delay_reaches_a_shopper_who_wrote_today(stack, provider_standin, carrier)
    assert len(news) == 1 and order in texts(news)

    # The cancellation asks only for the second factor: the order number came with the
    # message, and nothing of the order is shown before the shopper is verified.
    answer = user.say("cancel it please")
    reply = texts(answer).lower()
    assert "what's the e-mail address or the zip code on that order?" in reply, reply
    assert "order number" not in reply, reply
    assert order.lower() not in reply, reply
    assert [a.body["messaging_type"] for a in answer] == ["RESPONSE"] * len(answer)


def test_when_the_shopper_last_wrote_yesterday_then_the_news_goes_with_the_policys_update_tag(
    stack: Stack, provider_standin: ProviderStandIn, carrier: Callable[[str, str], None]
) -> None:
    # The stack's demo policy names a tag: order news may go outside the window with it.
    policy = settings_from_policy_file(Path(parse_policies(stack.env["MERCHANT_POLICIES"])["demo"]))
    assert policy is not None and policy.messenger_tag == "POST_PURCHASE_UPDATE"
    order, customer = not_asked_about(stack)[0]
    user = MessengerUser(stack, provider_standin)
    last_wrote(stack, user, dt.datetime.now(UTC) - dt.timedelta(hours=30))
    consent(stack, customer, conversation=conversation_of(user))

    carrier(order, "lost")

    rows = outbox_once_done(stack, order)
    assert [(r["kind"], r["channel"], r["status"]) for r in rows] == [
        ("exception", "messenger", "sent")
    ], rows
    assert decisions_about(stack, order) == [("event", "send", None)]
    news = provider_standin.to("graph", user.psid)
    assert len(news) == 1, [texts([n]) for n in news]
    assert f"problem with the delivery of your order {order}" in texts(news)
    assert news[0].body["messaging_type"] == "MESSAGE_TAG"
    assert news[0].body["tag"] == policy.messenger_tag
