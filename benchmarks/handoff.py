"""``python -m benchmarks.handoff``: what a handoff costs, measured on this machine.

Three numbers: reading the handoff signals in one message (runs on every message, in the
Rasa server), opening a ticket at the desk over HTTP with masking and sealing (once per
handoff, in the action turn), and one agent login (scrypt, by design slow). The desk runs
in-process on a temporary SQLite database; results are printed for docs/handoff.md.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

import yaml
from aiohttp.test_utils import TestServer

from desk.app import create_app
from desk.auth import hash_password, verify_password
from desk.config import DeskConfig
from stack.settings import DEFAULTS_FILE, ROOT, read_env_file

HELD_OUT = ROOT / "tests" / "nlu" / "held_out.yml"


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]
    return f"median {statistics.median(values):.2f} ms, P95 {p95:.2f} ms (n={len(values)})"


def held_out_messages() -> list[str]:
    data = yaml.safe_load(HELD_OUT.read_text(encoding="utf-8"))
    return [
        line.strip()[2:]
        for item in data["nlu"]
        if "examples" in item
        for line in item["examples"].splitlines()
        if line.strip().startswith("- ")
    ]


def signal_times() -> tuple[list[float], int]:
    from guardrails.handoff.rules import load_rules
    from guardrails.handoff.signals import detect_signal

    rules, messages = load_rules(), held_out_messages()
    detect_signal("warm up the analyser", rules)
    times, flagged = [], 0
    for text in messages:
        start = time.perf_counter()
        flagged += detect_signal(text, rules) is not None
        times.append((time.perf_counter() - start) * 1000)
    return times, flagged


async def ticket_times(n: int) -> list[float]:
    from actions.services.desk import Handoff, HttpDeskClient

    env = read_env_file(DEFAULTS_FILE)
    os.environ.setdefault("AFTERCARE_PII_PSEUDONYM_KEY", env["AFTERCARE_PII_PSEUDONYM_KEY"])
    with tempfile.TemporaryDirectory() as tmp:
        config = DeskConfig(
            db_url=f"sqlite:///{Path(tmp) / 'desk.db'}",
            api_token="bench-token",
            rasa_url="http://127.0.0.1:9",
            rasa_token="unused",
            transcript_key=env["DESK_TRANSCRIPT_KEY"],
            sync_interval_s=3600,
        )
        server = TestServer(create_app(config), host="127.0.0.1")
        await server.start_server()
        client = HttpDeskClient(str(server.make_url("")).rstrip("/"), "bench-token")
        turns = [
            ("shopper", "my parcel AC-104512 never arrived, I'm Kim Lee, kim.lee@example.com"),
            ("bot", "Thanks. To keep your order details private, what's the ZIP code?"),
            ("shopper", "94110, and call me on 415 555 0132 if needed"),
        ] * 3
        times = []
        for i in range(n + 1):
            handoff = Handoff(
                merchant="demo",
                sender_id=f"bench-{i}",
                channel="rest",
                reason="asked_for_person",
                priority=30,
                after_hours=False,
                summary={"intent": "delivery_problem", "verified_order": "AC-104512"},
                transcript=turns,
            )
            start = time.perf_counter()
            await client.open_ticket(handoff)
            if i:  # the first one builds the PII engine
                times.append((time.perf_counter() - start) * 1000)
        await client.close()
        await server.close()
        return times


def login_times(n: int) -> list[float]:
    stored = hash_password("bench-password")
    times = []
    for _ in range(n):
        start = time.perf_counter()
        verify_password("bench-password", stored)
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    signals, flagged = signal_times()
    print(f"handoff signals per message (held-out set): {_ms(signals)}; flagged {flagged}")
    tickets = asyncio.run(ticket_times(30))
    print(f"open a ticket over HTTP (9 turns masked and sealed): {_ms(tickets)}")
    print(f"password check (scrypt n=2^14, r=8): {_ms(login_times(20))}")


if __name__ == "__main__":
    main()
