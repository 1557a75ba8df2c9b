"""The outbox end to end: words from Rasa's API, SMS through the ``twilio`` client, real databases.

Rasa and Twilio are local stand-ins speaking their real HTTP APIs; the store is a real SQLite
file (and, where marked, PostgreSQL). Senders are killed in a child process at each step of a
message to show that a restart neither loses nor repeats it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from channels.state import ChannelState
from merchants.proactive import Channel, Kind
from proactive.dispatcher import Dispatcher, OptedOut, never_opted_out
from proactive.events import OrderEvent
from proactive.senders import (
    MessengerSender,
    RasaConversations,
    TwilioSmsSender,
    WebChatSender,
    sms_conversation_id,
)
from proactive.store import ProactiveStore
from proactive.tables import metadata
from tests.conftest import ROOT
from tests.e2e.standins import ProviderStandIn
from tests.integration.proactive.conftest import SETTINGS
from tests.integration.proactive.dying_sender import DIED
from tests.integration.proactive.standins import RASA_TOKEN, WORDS, RasaStandIn, TwilioStandIn

pytestmark = pytest.mark.timeout(120)

UTC = dt.timezone.utc
NOON = dt.datetime(2026, 6, 10, 16, 0, tzinfo=UTC)  # 12:00 in New York
LATE = dt.datetime(2026, 6, 11, 3, 0, tzinfo=UTC)  # 23:00 in New York
MORNING = dt.datetime(2026, 6, 11, 12, 0, tzinfo=UTC)  # 08:00 in New York
PHONE = "+12025550143"
DEMO_NUMBER = "+15005550006"


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request: pytest.FixtureRequest, sqlite_url: str) -> Iterator[ProactiveStore]:
    """The store on a fresh SQLite file, and on a fresh PostgreSQL schema."""
    url = sqlite_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    opened = ProactiveStore(url)
    metadata.drop_all(opened.engine)
    metadata.create_all(opened.engine)
    yield opened
    opened.close()


def dispatcher(
    store: ProactiveStore,
    rasa: RasaStandIn,
    twilio: TwilioStandIn,
    now: dt.datetime,
    opted_out: OptedOut = never_opted_out,
    graph: ProviderStandIn | None = None,
    messenger_tag: str | None = SETTINGS.messenger_tag,
) -> Dispatcher:
    senders = {
        Channel.sms: TwilioSmsSender(api_base_url=twilio.base_url),
        Channel.webchat: WebChatSender(),
        Channel.messenger: MessengerSender(
            graph_base_url=graph.base_url if graph else "",
            tag_of=lambda _tenant: messenger_tag,
        ),
    }
    conversations = RasaConversations(rasa.base_url, RASA_TOKEN)
    return Dispatcher(
        store, lambda tenant: SETTINGS, conversations, senders, opted_out, clock=lambda: now
    )


def consent(
    store: ProactiveStore,
    channel: Channel = Channel.sms,
    conversation: str | None = None,
    customer: str = "C-1001",
) -> str:
    conversation = conversation or sms_conversation_id("demo", PHONE)
    store.record_consent(
        "demo",
        customer,
        channel,
        conversation,
        list(Kind),
        True,
        "conversation",
        NOON - dt.timedelta(days=1),
    )
    return conversation


def queue(
    store: ProactiveStore,
    now: dt.datetime,
    event_id: str = "evt-1",
    kind: str = "shipment.delayed",
    order: str = "AC-104233",
    customer: str = "C-1001",
) -> str:
    event = OrderEvent.parse_obj(
        {
            "event_id": event_id,
            "type": kind,
            "sent_at": now.isoformat(),
            "customer_id": customer,
            "order_id": order,
        }
    )
    (verdict, *_) = store.accept_event("demo", event, SETTINGS, now)
    return verdict.decision.describe()


def statuses(store: ProactiveStore) -> list[str]:
    return [r["status"] for r in store.outbox()]


async def test_a_delay_reaches_the_shoppers_phone_in_rasas_words_from_the_shops_number(
    any_store: ProactiveStore, rasa: RasaStandIn, twilio: TwilioStandIn
) -> None:
    conversation = consent(any_store)
    assert queue(any_store, NOON) == "sent"
    assert await dispatcher(any_store, rasa, twilio, NOON).run_once() == 1
    (sms,) = twilio.to(PHONE)
    assert sms["from"] == DEMO_NUMBER
    assert sms["body"] == WORDS["delay"].format(order_id="AC-104233")
    (trigger,) = rasa.triggers_for(conversation)
    assert trigger["name"] == "EXTERNAL_proactive_update"
    assert trigger["entities"]["order_id"] == "AC-104233"
    assert trigger["entities"]["proactive_kind"] == "delay"
    assert trigger["output"] == ""  # Rasa answers in the response; the sender delivers
    assert statuses(any_store) == ["sent"]
    assert await dispatcher(any_store, rasa, twilio, NOON).run_once() == 0
    assert len(twilio.to(PHONE)) == 1


@pytest.mark.parametrize("step", ["claimed", "triggered", "sent"])
async def test_a_sender_killed_mid_message_loses_nothing_and_repeats_nothing(
    any_store: ProactiveStore, rasa: RasaStandIn, twilio: TwilioStandIn, step: str
) -> None:
    conversation = consent(any_store)
    queue(any_store, NOON)
    child = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.integration.proactive.dying_sender",
            any_store.engine.url.render_as_string(hide_password=False),
            rasa.base_url,
            twilio.base_url,
            step,
            NOON.isoformat(),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert child.returncode == DIED, child.stderr
    expected_before = 1 if step == "sent" else 0
    assert len(twilio.to(PHONE)) == expected_before
    # While the dead sender's lease runs, a restarted sender leaves the row alone ...
    soon = NOON + dt.timedelta(seconds=10)
    assert await dispatcher(any_store, rasa, twilio, soon).run_once() == 0
    # ... and once it lapsed, finishes the message from where the dead one stopped.
    later = NOON + dt.timedelta(minutes=2)
    assert await dispatcher(any_store, rasa, twilio, later).run_once() == 1
    assert [m["body"] for m in twilio.to(PHONE)] == [WORDS["delay"].format(order_id="AC-104233")]
    assert len(rasa.triggers_for(conversation)) == 1
    assert statuses(any_store) == ["sent"]


async def test_two_senders_at_once_send_each_message_once(
    any_store: ProactiveStore, rasa: RasaStandIn, twilio: TwilioStandIn
) -> None:
    for n in range(6):
        phone = sms_conversation_id("demo", f"+1202555020{n}")
        consent(any_store, customer=f"C-{n}", conversation=phone)
        queue(any_store, NOON, event_id=f"evt-{n}", order=f"AC-10{n}", customer=f"C-{n}")
    second = ProactiveStore(any_store.engine.url.render_as_string(hide_password=False))
    try:
        claimed = await asyncio.gather(
            dispatcher(any_store, rasa, twilio, NOON).run_once(),
            dispatcher(second, rasa, twilio, NOON).run_once(),
        )
    finally:
        second.close()
    assert sum(claimed) == 6
    assert sorted(m["to"] for m in twilio.sent) == [f"+1202555020{n}" for n in range(6)]
    assert statuses(any_store) == ["sent"] * 6


async def test_a_message_held_for_the_night_goes_at_8_in_the_morning(
    store: ProactiveStore, rasa: RasaStandIn, twilio: TwilioStandIn
) -> None:
    consent(store)
    assert queue(store, LATE) == "held until 2026-06-11T12:00:00+00:00"
    for now in (LATE, LATE + dt.timedelta(hours=4), MORNING - dt.timedelta(minutes=1)):
        assert await dispatcher(store, rasa, twilio, now).run_once() == 0
    assert twilio.sent == []
    assert await dispatcher(store, rasa, twilio, MORNING).run_once() == 1
    assert len(twilio.to(PHONE)) == 1


async def test_stop_texted_while_a_message_was_held_is_honoured(
    store: ProactiveStore, rasa: RasaStandIn, twilio: TwilioStandIn, tmp_path: Path
) -> None:
    conversation = consent(store)
    queue(store, LATE)
    channel_state = ChannelState(f"sqlite:///{tmp_path / 'channels.db'}")
    await channel_state.set_opted_out(conversation, True)  # what the SMS channel does on STOP
    sender = dispatcher(store, rasa, twilio, MORNING, opted_out=channel_state.is_opted_out)
    assert await sender.run_once() == 1
    assert twilio.sent == [] and rasa.triggers == []
    (row,) = store.outbox()
    assert (row["status"], row["reason"]) == ("suppressed", "consent")
    assert store.decisions()[-1]["stage"] == "send"


async def test_stop_recorded_in_the_store_withdraws_every_kind_at_once(
    store: ProactiveStore, rasa: RasaStandIn, twilio: TwilioStandIn
) -> None:
    conversation = consent(store)
    queue(store, LATE)
    assert store.record_stop("demo", conversation, LATE) == len(Kind)
    await dispatcher(store, rasa, twilio, MORNING).run_once()
    assert twilio.sent == [] and statuses(store) == ["suppressed"]
    assert queue(store, MORNING, event_id="evt-2", order="AC-2") == "suppressed: consent"


async def test_no_message_about_an_order_the_shopper_asked_about_this_morning(
    store: ProactiveStore, rasa: RasaStandIn, twilio: TwilioStandIn
) -> None:
    consent(store)
    queue(store, LATE)
    store.record_inquiry("demo", "C-1001", "AC-104233", MORNING - dt.timedelta(minutes=30))
    await dispatcher(store, rasa, twilio, MORNING).run_once()
    assert twilio.sent == []
    assert store.outbox()[0]["reason"] == "asked_today"


async def test_the_daily_cap_counts_messages_actually_sent(
    store: ProactiveStore, rasa: RasaStandIn, twilio: TwilioStandIn
) -> None:
    consent(store)
    assert queue(store, NOON, "e1", order="AC-1") == "sent"
    assert queue(store, NOON, "e2", order="AC-2") == "sent"
    assert queue(store, NOON, "e3", order="AC-3") == "suppressed: cap"
    await dispatcher(store, rasa, twilio, NOON).run_once()
    assert len(twilio.to(PHONE)) == 2


def test_a_message_whose_send_began_counts_towards_the_caps_at_send_time(
    store: ProactiveStore,
) -> None:
    """A sender that died after Twilio took a message never marked it sent: it still counts."""
    consent(store)
    assert queue(store, NOON, "e1", order="AC-1") == "sent"
    assert queue(store, NOON, "e2", order="AC-2") == "sent"
    first, second = store.claim(NOON, dt.timedelta(minutes=5))
    assert len(store.facts_at_send(second, NOON).others) == 0
    assert store.mark_sending(first, NOON)
    assert len(store.facts_at_send(second, NOON).others) == 1


async def test_twilio_down_puts_the_message_back_and_it_goes_once_later(
    store: ProactiveStore, rasa: RasaStandIn, twilio: TwilioStandIn
) -> None:
    consent(store)
    queue(store, NOON)
    twilio.failures.append((503, 20500))
    assert await dispatcher(store, rasa, twilio, NOON).run_once() == 1
    (row,) = store.outbox()
    assert (row["status"], row["last_error"]) == ("pending", "TwilioRestException:20500")
    assert row["not_before"] == NOON + dt.timedelta(seconds=30)
    assert await dispatcher(store, rasa, twilio, NOON + dt.timedelta(seconds=10)).run_once() == 0
    assert await dispatcher(store, rasa, twilio, NOON + dt.timedelta(seconds=31)).run_once() == 1
    assert len(twilio.to(PHONE)) == 1 and statuses(store) == ["sent"]
    assert len(rasa.triggers) == 1  # the retry reused the turn Rasa already recorded


async def test_a_number_twilio_refuses_fails_for_good_and_the_error_keeps_no_number(
    store: ProactiveStore, rasa: RasaStandIn, twilio: TwilioStandIn
) -> None:
    consent(store)
    queue(store, NOON)
    twilio.failures.append((400, 21211))
    await dispatcher(store, rasa, twilio, NOON).run_once()
    (row,) = store.outbox()
    assert (row["status"], row["last_error"]) == ("failed", "TwilioRestException:21211")
    assert await dispatcher(store, rasa, twilio, NOON + dt.timedelta(hours=2)).run_once() == 0


async def test_rasa_unreachable_sends_nothing_and_keeps_the_message(
    store: ProactiveStore, rasa: RasaStandIn, twilio: TwilioStandIn
) -> None:
    consent(store)
    queue(store, NOON)
    rasa.stop()
    await dispatcher(store, rasa, twilio, NOON).run_once()
    assert twilio.sent == []
    (row,) = store.outbox()
    assert row["status"] == "pending" and row["last_error"].startswith("rasa:")
    rasa.start()
    await dispatcher(store, rasa, twilio, NOON + dt.timedelta(minutes=1)).run_once()
    assert len(twilio.to(PHONE)) == 1


@pytest.fixture
def graph() -> Iterator[ProviderStandIn]:
    running = ProviderStandIn()
    running.start()
    yield running
    running.stop()


@pytest.mark.parametrize(
    ("hours_ago", "kind", "messaging_type", "tag"),
    [
        (2, "shipment.delayed", "UPDATE", None),
        (30, "shipment.delayed", "MESSAGE_TAG", "POST_PURCHASE_UPDATE"),
        (30, "refund.paid", "MESSAGE_TAG", "POST_PURCHASE_UPDATE"),
    ],
)
async def test_messenger_goes_in_the_window_or_with_the_update_tag(
    store: ProactiveStore,
    rasa: RasaStandIn,
    twilio: TwilioStandIn,
    graph: ProviderStandIn,
    hours_ago: int,
    kind: str,
    messaging_type: str,
    tag: str | None,
) -> None:
    conversation = consent(store, Channel.messenger, "messenger:demo:7001")
    rasa.shopper_wrote(conversation, "where is my order", NOON - dt.timedelta(hours=hours_ago))
    queue(store, NOON, kind=kind)
    await dispatcher(store, rasa, twilio, NOON, graph=graph).run_once()
    (sent,) = graph.to("graph", "7001")
    assert sent.body["messaging_type"] == messaging_type and sent.body.get("tag") == tag
    assert sent.query["access_token"] == "dev-messenger-page-token-demo"
    assert statuses(store) == ["sent"]


async def test_a_review_request_outside_messengers_window_is_not_sent_nor_put_in_the_chat(
    store: ProactiveStore, rasa: RasaStandIn, twilio: TwilioStandIn, graph: ProviderStandIn
) -> None:
    conversation = consent(store, Channel.messenger, "messenger:demo:7001")
    rasa.shopper_wrote(conversation, "thanks", NOON - dt.timedelta(days=3))
    queue(store, NOON - dt.timedelta(days=5), kind="shipment.delivered")
    sender = dispatcher(store, rasa, twilio, NOON + dt.timedelta(hours=1), graph=graph)
    assert await sender.run_once() == 2
    rows = {r["kind"]: r for r in store.outbox()}
    assert rows["review_request"]["status"] == "failed"
    assert rows["review_request"]["last_error"] == "messenger:outside_window"
    assert [t["entities"]["proactive_kind"] for t in rasa.triggers] == ["delivered"]
    assert len(graph.to("graph", "7001")) == 1


async def test_a_merchant_without_a_tag_sends_nothing_outside_the_window(
    store: ProactiveStore, rasa: RasaStandIn, twilio: TwilioStandIn, graph: ProviderStandIn
) -> None:
    conversation = consent(store, Channel.messenger, "messenger:demo:7001")
    rasa.shopper_wrote(conversation, "where is it", NOON - dt.timedelta(hours=30))
    queue(store, NOON)
    await dispatcher(store, rasa, twilio, NOON, graph=graph, messenger_tag=None).run_once()
    (row,) = store.outbox()
    assert (row["status"], row["last_error"]) == ("failed", "messenger:outside_window")
    assert graph.to("graph", "7001") == [] and rasa.triggers == []


async def test_web_chat_is_pushed_by_rasa_itself(
    store: ProactiveStore, rasa: RasaStandIn, twilio: TwilioStandIn
) -> None:
    conversation = consent(store, Channel.webchat, "b7c1e9f0a2d34c5e")
    queue(store, NOON)
    await dispatcher(store, rasa, twilio, NOON).run_once()
    (trigger,) = rasa.triggers_for(conversation)
    assert trigger["output"] == "socketio"
    assert statuses(store) == ["sent"] and twilio.sent == []
