"""A server killed with ``kill -9`` comes back by itself; meanwhile shoppers hear an apology.

Each test kills one real server process of the shared stack, talks to the bot during the
outage, and waits for the supervisor (stack/processes.py) to start it again. The first pause
before a restart is lengthened for these tests so that the outage outlasts the messages sent
during it; what the supervisor does is otherwise the same as under ``make run``.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from stack.processes import Service, Stack
from tests.conftest import ROOT, read_yaml
from tests.e2e.conftest import Chat, order_in, wait_until
from tests.e2e.desk import handoff_payload

RESPONSES = read_yaml(ROOT / "domain.yml")["responses"]


def said(response: str) -> str:
    """The fixed opening of a domain response (up to its first template variable)."""
    return str(RESPONSES[response][0]["text"]).split("{")[0].strip()


@contextmanager
def killed(stack: Stack, name: str, pause_s: float = 600.0) -> Iterator[Service]:
    """``kill -9`` the server ``name``; on leaving, wait until the supervisor brought it back.

    The supervisor's pause before the restart is long enough for any outage the test needs;
    once the test is done with the outage, the restart it scheduled is brought forward, so the
    test does not sit out the rest of the pause.
    """
    service = next(s for s in stack.services if s.name == name)
    assert service.process is not None
    old_pid = service.process.pid

    def restarted() -> bool:
        return service.process is not None and service.process.pid != old_pid

    usual = stack.backoff
    stack.backoff = dataclasses.replace(usual, first_s=pause_s, max_s=pause_s)
    try:
        os.kill(old_pid, signal.SIGKILL)
        wait_until(lambda: not service.is_healthy(), 10, f"{name} down")
        yield service
        assert not restarted(), f"{name} came back during the outage: lengthen it"
    finally:
        stack.backoff = usual
        wait_until(lambda: service.restart_at is not None, 10, f"{name}'s restart scheduled")
        with service.lock:
            service.restart_at = time.monotonic()
        wait_until(
            lambda: restarted() and service.is_healthy(),
            90,
            f"{name} restarted",
            service.log_path,
        )
    assert service.process is not None
    log = service.log_path.read_text(encoding="utf-8", errors="replace")
    assert f"[supervisor] {name} stopped (killed by SIGKILL); restarting in" in log
    assert f"[supervisor] {name} restarted (pid {service.process.pid})" in log


def is_apology_with_a_person(messages: list[dict[str, Any]]) -> bool:
    """The domain's apology, the team's e-mail, and the button that asks for a person."""
    text = " ".join(m.get("text") or "" for m in messages)
    buttons = [b for m in messages for b in m.get("buttons") or []]
    return (
        said("utter_service_unavailable") in text
        and "@" in text
        and any(b.get("payload") == "/request_human" for b in buttons)
    )


def test_when_action_server_is_killed_then_shoppers_hear_an_apology_until_it_is_back(
    stack: Stack, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "in_transit")
    midway = Chat(stack.rest_url)
    assert said("utter_ask_order_id") in midway.text("where is my order")
    with killed(stack, "action server"):
        # a conversation in the middle of a form
        messages = midway.say(order["order_id"])
        assert is_apology_with_a_person(messages), messages
        assert len(messages) == 1  # one apology per message, however many actions failed
        # one that starts during the outage: what needs no action is answered as usual
        fresh = Chat(stack.rest_url)
        assert fresh.text("hi")
        assert is_apology_with_a_person(fresh.say("where is my order"))
        assert is_apology_with_a_person(fresh.say("a person please"))
    # back to normal: the same conversation goes on, and a new one is answered in full
    after = Chat(stack.rest_url)
    assert said("utter_ask_order_id") in after.text("where is my order")
    after.text(order["order_id"])
    reply = after.text(order["email"])
    assert order["order_id"] in reply and "in transit" in reply, reply


def test_when_backend_is_killed_then_shoppers_hear_the_backend_apology_until_it_is_back(
    stack: Stack, demo_orders: list[dict[str, str]]
) -> None:
    order = order_in(demo_orders, "in_transit")
    chat = Chat(stack.rest_url)
    chat.text("where is my order")
    chat.text(order["order_id"])
    with killed(stack, "commerce backend"):
        started = time.monotonic()
        messages = chat.say(order["email"])
        assert time.monotonic() - started < 3.5  # the shopper is not left waiting
        text = " ".join(m.get("text") or "" for m in messages)
        assert said("utter_backend_unavailable") in text and "@" in text, messages
        assert any(b.get("payload") == "/request_human" for m in messages for b in m["buttons"])
    after = Chat(stack.rest_url)
    after.text("where is my order")
    after.text(order["order_id"])
    reply = after.text(order["email"])
    assert order["order_id"] in reply and "in transit" in reply, reply


def test_when_desk_is_killed_then_a_handoff_gets_an_apology_until_it_is_back(
    stack: Stack,
) -> None:
    with killed(stack, "agent desk"):
        text = Chat(stack.rest_url).text("I want to speak to a human")
        assert said("utter_handoff_unavailable") in text and "@" in text, text
    assert handoff_payload(Chat(stack.rest_url).say("I want to speak to a human"))["ticket_id"]


@pytest.fixture(autouse=True)
def _no_leftover_breakage(request: pytest.FixtureRequest) -> Iterator[None]:
    """A failed test here must not leave a server of the shared stack down for the next ones."""
    yield
    if "stack" in request.fixturenames:
        running: Stack = request.getfixturevalue("stack")
        for service in running.services:
            wait_until(service.is_healthy, 120, f"{service.name} healthy")
