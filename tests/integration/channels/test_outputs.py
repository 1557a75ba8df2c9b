"""Pushing a message to a shopper outside a webhook (an agent's reply from the handoff desk):
TwilioOutput and MessengerOutput send through the real twilio / HTTP clients to local stand-ins.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from channels.messenger import MessengerOutput, messenger_sender_id
from channels.state import ChannelState
from channels.twilio_sms import TwilioOutput, sms_sender_id
from stack.settings import stack_env
from tests.e2e.standins import ProviderStandIn


@pytest.fixture
def standin() -> Iterator[ProviderStandIn]:
    running = ProviderStandIn()
    running.start()
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def channel_env(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    """The stack's local defaults (secrets' env vars) and a private consent store."""
    for name, value in stack_env().items():
        if name.startswith(("TWILIO_", "MESSENGER_", "AFTERCARE_")):
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("CHANNEL_STATE_DB_URL", f"sqlite:///{tmp_path}/channels.db")
    from channels.state import state_from_env

    state_from_env.cache_clear()


async def test_an_agent_reply_reaches_the_sms_shopper_through_twilios_api(
    standin: ProviderStandIn,
) -> None:
    sender = sms_sender_id("demo", "+12025550143")
    output = TwilioOutput.for_sender(sender, api_base_url=standin.base_url)
    await output.send_text_message(sender, "Hi, this is Maya from the team. " + "x " * 100)
    sent = standin.to("twilio", "+12025550143")
    assert len(sent) == 2 and all(len(s.body["Body"]) <= 160 for s in sent)
    assert sent[0].body["Body"].startswith("Hi, this is Maya")
    assert sent[0].body["From"] == "+15005550006"


async def test_an_agent_reply_is_not_sent_to_a_number_that_opted_out(
    standin: ProviderStandIn, tmp_path: object
) -> None:
    sender = sms_sender_id("demo", "+12025550144")
    output = TwilioOutput.for_sender(sender, api_base_url=standin.base_url)
    await output.state.set_opted_out(sender, True)
    await output.send_text_message(sender, "Are you still there?")
    assert standin.to("twilio", "+12025550144") == []
    assert isinstance(output.state, ChannelState)


async def test_an_agent_reply_reaches_the_messenger_shopper_with_quick_replies(
    standin: ProviderStandIn,
) -> None:
    sender = messenger_sender_id("outdoor", "7001")
    output = MessengerOutput.for_sender(sender, graph_base_url=standin.base_url)
    await output.send_text_with_buttons(
        sender, "Shall I refund it?", [{"title": "Yes please", "payload": "/affirm"}]
    )
    (sent,) = standin.to("graph", "7001")
    assert sent.query["access_token"] == "dev-messenger-page-token-outdoor"
    assert sent.body["message"]["quick_replies"][0]["payload"] == "/affirm"


def test_a_conversation_of_another_channel_is_refused() -> None:
    with pytest.raises(ValueError):
        TwilioOutput.for_sender("rest-user-42")
    with pytest.raises(ValueError):
        MessengerOutput.for_sender(sms_sender_id("demo", "+12025550145"))
