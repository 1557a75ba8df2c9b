"""A sender process that dies mid-message: ``python -m tests.integration.proactive.dying_sender
DB_URL RASA_URL TWILIO_URL STEP NOW``.

It runs one dispatch round against the real database and stand-ins and ends the process with
``os._exit`` (no cleanup, no commit, as a kill would) at STEP: ``claimed`` (rows claimed,
nothing else done), ``triggered`` (Rasa recorded the turn, nothing sent) or ``sent`` (Twilio
accepted the SMS, the outbox not yet told).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
from typing import Any

from merchants.proactive import Channel
from proactive.dispatcher import Dispatcher
from proactive.senders import Outgoing, Prior, RasaConversations, TwilioSmsSender
from proactive.store import ProactiveStore
from tests.integration.proactive.conftest import SETTINGS
from tests.integration.proactive.standins import RASA_TOKEN

DIED = 17


def main(db_url: str, rasa_url: str, twilio_url: str, step: str, now_text: str) -> None:
    now = dt.datetime.fromisoformat(now_text)
    conversations = RasaConversations(rasa_url, RASA_TOKEN)
    sender = TwilioSmsSender(api_base_url=twilio_url)
    real_trigger, real_send = conversations.trigger, sender.send

    async def die_before_anything(conversation_id: str, key: str) -> Prior:
        os._exit(DIED)

    async def trigger_then_die(*args: Any, **kwargs: Any) -> list[str]:
        await real_trigger(*args, **kwargs)
        os._exit(DIED)

    async def send_then_die(message: Outgoing) -> None:
        await real_send(message)
        os._exit(DIED)

    if step == "claimed":
        conversations.prior = die_before_anything  # type: ignore[method-assign]
    elif step == "triggered":
        conversations.trigger = trigger_then_die  # type: ignore[method-assign]
    elif step == "sent":
        sender.send = send_then_die  # type: ignore[method-assign]
    else:
        raise SystemExit(f"unknown step {step}")
    dispatcher = Dispatcher(
        ProactiveStore(db_url),
        lambda tenant: SETTINGS,
        conversations,
        {Channel.sms: sender},
        clock=lambda: now,
    )
    asyncio.run(dispatcher.run_once())
    raise SystemExit("the sender was meant to die and did not")


if __name__ == "__main__":
    main(*sys.argv[1:6])
