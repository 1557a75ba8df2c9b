"""Pushing a message to a shopper outside a webhook (an agent's reply from the handoff desk):
TwilioOutput and MessengerOutput send through the real twilio / HTTP clients to local stand-ins.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from channels.messenger import MessengerInput, MessengerOutput, messenger_sender_id
from channels.state import ChannelState
from channels.twilio_sms import TwilioOutput, TwilioSmsInput, sms_sender_id
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


# ---- what Rasa's HTTP API uses: the input channel's get_output_channel() -------------------
# Rasa asks the input channel for one output channel with no request and no tenant (the desk
# posts the agent's reply with output_channel=latest); the tenant comes from each recipient.


async def test_rasa_pushes_an_sms_through_the_rest_api_even_for_a_twiml_tenant(
    standin: ProviderStandIn,
) -> None:
    output = TwilioSmsInput(None, standin.base_url).get_output_channel()
    assert output is not None and output.name() == TwilioSmsInput.name()
    demo, outdoor = sms_sender_id("demo", "+12025550146"), sms_sender_id("outdoor", "+12025550147")
    await output.send_response(demo, {"text": "Ana here, I'm on it."})  # demo answers in TwiML
    await output.send_response(outdoor, {"text": "Lee here, I'm on it."})
    (to_demo,) = standin.to("twilio", "+12025550146")
    (to_outdoor,) = standin.to("twilio", "+12025550147")
    assert to_demo.body == {
        "To": "+12025550146",
        "From": "+15005550006",
        "Body": "Ana here, I'm on it.",
    }
    assert to_outdoor.body["From"] == "+15005550007"
    assert to_demo.auth != to_outdoor.auth  # each tenant's own account


async def test_rasa_pushed_buttons_become_numbered_options_the_shopper_can_answer(
    standin: ProviderStandIn,
) -> None:
    output = TwilioSmsInput(None, standin.base_url).get_output_channel()
    sender = sms_sender_id("demo", "+12025550148")
    buttons = [
        {"title": "Yes, refund it", "payload": "/affirm"},
        {"title": "No", "payload": "/deny"},
    ]
    await output.send_response(sender, {"text": "Shall I refund it?", "buttons": buttons})
    (sent,) = standin.to("twilio", "+12025550148")
    assert "1. Yes, refund it" in sent.body["Body"] and "(reply 1 or 2)" in sent.body["Body"]
    from channels.state import state_from_env

    assert await state_from_env().menu(sender) == ["/affirm", "/deny"]


async def test_rasa_sends_nothing_to_an_sms_number_that_opted_out(
    standin: ProviderStandIn,
) -> None:
    from channels.state import state_from_env

    sender = sms_sender_id("demo", "+12025550149")
    await state_from_env().set_opted_out(sender, True)
    output = TwilioSmsInput(None, standin.base_url).get_output_channel()
    await output.send_response(sender, {"text": "Are you still there?"})
    assert standin.to("twilio", "+12025550149") == []


async def test_rasa_pushes_a_messenger_message_with_the_pages_own_token(
    standin: ProviderStandIn,
) -> None:
    output = MessengerInput(standin.base_url).get_output_channel()
    assert output is not None and output.name() == MessengerInput.name()
    await output.send_response(messenger_sender_id("demo", "7002"), {"text": "Ana here."})
    (sent,) = standin.to("graph", "7002")
    assert sent.query["access_token"] == "dev-messenger-page-token-demo"
    assert sent.body["message"] == {"text": "Ana here."}


async def test_a_push_to_a_conversation_of_another_channel_sends_nothing(
    standin: ProviderStandIn,
) -> None:
    sms = TwilioSmsInput(None, standin.base_url).get_output_channel()
    messenger = MessengerInput(standin.base_url).get_output_channel()
    await sms.send_response("rest-user-43", {"text": "hi"})
    await sms.send_response(messenger_sender_id("demo", "7003"), {"text": "hi"})
    await messenger.send_response(sms_sender_id("demo", "+12025550150"), {"text": "hi"})
    await messenger.send_response("messenger:nosuchshop:7004", {"text": "hi"})
    assert standin.sent == []
