"""The session's stack runs at DEBUG, as an operator reading what the bot did would run it."""

from __future__ import annotations

import pytest

from guardrails.event_loop import LEFT_OFF
from stack.processes import Stack
from tests.e2e.conftest import Chat

pytestmark = pytest.mark.stack


def test_at_debug_the_rasa_server_logs_each_turn_without_asyncio_debug_mode(
    stack: Stack, chat: Chat
) -> None:
    assert stack.env["LOG_LEVEL"] == "DEBUG"
    debug_log = stack.log_dir / "rasa-debug.log"
    before = debug_log.stat().st_size
    assert chat.say("hi")

    said = (stack.log_dir / "rasa.log").read_text(encoding="utf-8")
    debug = debug_log.read_bytes()
    assert LEFT_OFF in said and "Enabling coroutine debugging" not in said + debug.decode()
    # Rasa's debug lines are still written, turn by turn: this turn's actions among them. (Not
    # the conversation id: a random one with a run of digits is scrubbed as a phone number.)
    assert b'"event": "processor.actions.log"' in debug[before:]
