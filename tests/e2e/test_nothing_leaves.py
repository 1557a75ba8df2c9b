"""During a whole conversation no server of the stack opens a connection outside this machine.

Two independent checks. Every socket of every stack process (and its children) is sampled from
``/proc`` while a shopper verifies an order and asks for a person: every remote end must be
loopback. And the servers run with every proxy variable pointing at a local tripwire, so a
library that would call out over HTTP(S) (Rasa's telemetry, Sentry, a model hub) reaches the
tripwire instead of the internet even where DNS would have failed before any socket showed up:
the tripwire must stay silent. Both checks are first shown to catch a deliberate attempt.

The stack is the end-to-end tests' shared one (``tests/e2e/conftest.py``), which runs with the
tripwire from its start: the tripwire must have stayed silent through every end-to-end test
that ran on it before this one, not only through this conversation.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from stack.processes import Stack
from tests.e2e.conftest import Chat, order_in
from tests.e2e.network import Sampler, Tripwire

# TEST-NET-3 (RFC 5737): documentation only, never a real host.
UNREACHABLE = ("203.0.113.7", 443)


def stack_pids(stack: Stack) -> list[int]:
    return [s.process.pid for s in stack.services if s.process is not None]


def attempt_outbound_connection(seconds: float) -> subprocess.Popen[bytes]:
    """A process that opens a TCP connection to a non-local address and holds it a while."""
    code = (
        "import socket, time\n"
        "s = socket.socket(); s.setblocking(False)\n"
        f"s.connect_ex({UNREACHABLE!r})\n"
        f"time.sleep({seconds})\n"
    )
    return subprocess.Popen([sys.executable, "-c", code])


def test_the_socket_sampler_sees_a_connection_leaving_the_machine() -> None:
    process = attempt_outbound_connection(seconds=3)
    try:
        with Sampler([process.pid], interval_s=0.05) as sampler:
            deadline = time.monotonic() + 3
            while not sampler.outside and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        process.kill()
        process.wait()
    assert [(c.remote, c.port) for c in sampler.outside] == [UNREACHABLE]


def test_the_tripwire_catches_a_library_calling_out() -> None:
    tripwire = Tripwire()  # not the stack's: that one must stay silent
    code = (
        "import urllib.request\n"
        "try:\n"
        "    urllib.request.urlopen('https://o251570.ingest.sentry.io/api/', timeout=5)\n"
        "except Exception:\n"
        "    pass\n"
    )
    env = {"PATH": "/usr/bin:/bin", **tripwire.env()}
    try:
        subprocess.run([sys.executable, "-c", code], env=env, timeout=30, check=True)
    finally:
        tripwire.close()
    assert len(tripwire.requests) == 1
    assert tripwire.requests[0].startswith(b"CONNECT o251570.ingest.sentry.io:443")


def test_every_server_runs_with_the_guard_and_without_rasa_telemetry(
    stack: Stack, tripwire: Tripwire
) -> None:
    for pid in stack_pids(stack):
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        assert f"HTTPS_PROXY={tripwire.url}".encode() in environ
        assert b"RASA_TELEMETRY_ENABLED=false" in environ


def test_when_a_shopper_checks_an_order_and_asks_for_a_person_nothing_leaves_the_machine(
    stack: Stack,
    tripwire: Tripwire,
    seeded_store: tuple[str, list[dict[str, str]]],
) -> None:
    order = order_in(seeded_store[1], "in_transit")
    chat = Chat(stack.rest_url)
    with Sampler(stack_pids(stack), interval_s=0.1) as sampler:
        assert "order number" in chat.text("hi, where is my order?").lower()
        assert "e-mail" in chat.text(order["order_id"]).lower()
        assert order["order_id"] in chat.text(order["email"])
        handoff = chat.text("can I talk to a real person please")
        assert "in the queue" in handoff
        time.sleep(1)  # anything sent after the last answer (telemetry is sent in the background)
    assert sampler.samples > 5
    # the servers did talk to each other over loopback while the sampler watched
    assert any(c.state == "ESTABLISHED" for c in sampler.seen)
    assert sampler.outside == []
    assert tripwire.requests == []
