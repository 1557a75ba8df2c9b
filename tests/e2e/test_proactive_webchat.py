"""Proactive messages to a connected web chat, in a real browser: the news shows as a bubble.

The shopper has the shop's chat open (Debian's Chromium, the npm widget, Rasa's socket.io
channel); the shop records their consent for that conversation; the carrier's feed marks the
parcel delayed; the backend posts the signed event; the proactive service asks Rasa, whose
socket.io output pushes the words into the open chat. The shopper answers in the same chat.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from stack.processes import Stack
from tests.e2e.test_channels_webchat import chat_url, page, say
from tests.e2e.test_proactive import carrier, consent, not_asked_about

pytestmark = pytest.mark.stack

__all__ = ["carrier", "page"]  # fixtures this module uses


def session_of(page: Any) -> str:
    """The conversation id the widget keeps in local storage (its socket.io session)."""
    return str(page.evaluate("JSON.parse(localStorage.getItem('chat_session')).session_id"))


def test_when_a_parcel_is_delayed_then_the_open_chat_shows_it_and_the_shopper_can_answer(
    stack: Stack, page: Any, carrier: Callable[[str, str], None]
) -> None:
    order_id, customer_id = not_asked_about(stack)[0]
    page.goto(chat_url(stack))
    say(page, "hi", "")  # the widget has its session, which the shop's page can read
    consent(stack, customer_id, conversation=session_of(page))

    carrier(order_id, "delayed")

    news = page.locator(".rw-response", has_text="running late").last
    news.wait_for(timeout=60_000)
    text = str(news.inner_text())
    assert order_id in text and "wait" in text and "cancel" in text
    # The answer continues the conversation the news opened: the order is known, not asked.
    reply = say(page, "cancel it please", "ZIP code on that order")
    assert "what's the e-mail address or the ZIP code on that order?" in reply
