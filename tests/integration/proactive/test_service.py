"""The whole proactive service (webhook, outbox, dispatcher) on a real server, with stand-ins
for Rasa and Twilio: what a merchant's event sets going, end to end within the service."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import textwrap
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from merchants.proactive import Channel, Kind, ProactiveSettings, QuietHours
from proactive import dispatcher
from proactive.app import DISPATCHER, STORE, ServiceConfig, create_app
from proactive.senders import sms_conversation_id
from proactive.webhook import SIGNATURE_HEADER, sign
from stack.isolated import free_port
from tests.fakes.services import exit_code_after_sigterm
from tests.integration.proactive.conftest import SETTINGS, WEBHOOK_SECRET
from tests.integration.proactive.standins import RASA_TOKEN, WORDS, RasaStandIn, TwilioStandIn

pytestmark = pytest.mark.timeout(60)

UTC = dt.timezone.utc
PHONE = "+12025550143"


def settings_awake_now() -> ProactiveSettings:
    """The test tenant's settings with quiet hours ten hours from now, wherever the clock is."""
    start = dt.datetime.now(ZoneInfo(SETTINGS.time_zone)) + dt.timedelta(hours=10)
    quiet = QuietHours(start=start.time(), end=(start + dt.timedelta(hours=2)).time())
    return SETTINGS.copy(update={"quiet_hours": quiet})


async def eventually(check: Callable[[], bool], timeout_s: float = 15) -> bool:
    """Whether ``check`` came true within ``timeout_s``, looking every 50 ms."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


@pytest.fixture
async def service(
    sqlite_url: str,
    tmp_path: Path,
    rasa: RasaStandIn,
    twilio: TwilioStandIn,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[tuple[str, aiohttp.ClientSession, TestServer]]:
    # An hour between polls: within this test only a wake from the webhook can send.
    monkeypatch.setattr(dispatcher, "IDLE_POLL_S", 3600.0)
    config = ServiceConfig(
        settings={"demo": settings_awake_now()},
        db_url=sqlite_url,
        api_token="proactive-test-token",
        rasa_url=rasa.base_url,
        rasa_token=RASA_TOKEN,
        twilio_base_url=twilio.base_url,
        channel_state_url=f"sqlite:///{tmp_path / 'channels.db'}",
    )
    app = create_app(config)
    async with TestServer(app, host="127.0.0.1") as server, aiohttp.ClientSession() as http:
        yield str(server.make_url("")).rstrip("/"), http, server


async def test_a_message_due_now_goes_out_as_the_event_is_accepted_not_at_the_next_poll(
    service: tuple[str, aiohttp.ClientSession, TestServer], twilio: TwilioStandIn
) -> None:
    base, http, server = service
    now = dt.datetime.now(UTC)
    conversation = sms_conversation_id("demo", PHONE)
    server.app[STORE].record_consent(
        "demo", "C-1001", Channel.sms, conversation, list(Kind), True, "conversation",
        now - dt.timedelta(days=1),
    )  # fmt: skip
    # its first round over, the dispatcher waits: only a wake can send from now on
    assert await eventually(lambda: server.app[DISPATCHER].idling)
    body = json.dumps(
        {
            "event_id": "evt-now-1",
            "type": "shipment.delayed",
            "sent_at": now.isoformat(),
            "customer_id": "C-1001",
            "order_id": "AC-104233",
        }
    ).encode()
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(WEBHOOK_SECRET, body)}
    async with http.post(f"{base}/proactive/demo/events", data=body, headers=headers) as resp:
        assert resp.status == 202, await resp.text()

    await eventually(lambda: bool(twilio.to(PHONE)))
    assert [m["body"] for m in twilio.to(PHONE)] == [WORDS["delay"].format(order_id="AC-104233")]


SERVICE = textwrap.dedent(
    """
    import sys
    from aiohttp import web
    from proactive import dispatcher
    from proactive.app import ServiceConfig, create_app

    dispatcher.IDLE_POLL_S = 3600.0  # the dispatcher idles through the whole test
    config = ServiceConfig(
        settings={}, db_url=sys.argv[2], api_token="t", channel_state_url=sys.argv[3]
    )
    web.run_app(
        create_app(config), host="127.0.0.1", port=int(sys.argv[1]),
        print=lambda *_: print("up", flush=True),
    )
    """
)


def test_the_service_stops_on_sigterm_while_its_dispatcher_idles(tmp_path: Path) -> None:
    stores = (f"sqlite:///{tmp_path / 'proactive.db'}", f"sqlite:///{tmp_path / 'channels.db'}")
    # settled into the dispatcher's first idle wait; stopped in its cleanup context only, the
    # service would first wait up to aiohttp's 60 s for that wait
    assert (
        exit_code_after_sigterm(SERVICE, str(free_port()), *stores, settle_s=0.5, within_s=20) == 0
    )
