"""``make bench-proactive``: a simulated week of shipment events, judged and sent by the real code.

2,000 shoppers in nine IANA zones receive 10,000 shipment events over the week of 25 October
2026, when Europe's clocks go back (the first night) and Cairo's (Thursday); America's go back
on 1 November, while the last held messages are released. Shoppers agreed to different kinds
on SMS and web chat, some send STOP mid-week or withdraw a kind, some ask about an order
before or after its news, and the shop re-sends events (the same event id, and the same
order and kind under a new id). The refund kind is switched off.

Every event goes through the real signed webhook over HTTP (``proactive.webhook``) into a real
SQLite store; STOPs and questions are recorded through the store calls the SMS channel and the
inquiry route make. One sender process (``python -m benchmarks.proactive --sender``) runs the
real :class:`~proactive.dispatcher.Dispatcher`, with the real Twilio client and Rasa client,
against HTTP stand-ins of Twilio's Messages API and Rasa's HTTP API. The dispatcher's clock
is the simulated one: the benchmark and the sender move in lock step, 15 simulated minutes at
a time, so the week takes minutes. The sender is ``kill -9``ed in the middle of sending a few
times and restarted.

An independent checker then re-derives, from the messages the stand-ins received (stamped
with the simulated time) and the benchmark's own log of events, consents, STOPs and
questions, that no rule was broken, that every message the outbox calls sent arrived, and
that none arrived twice. Messenger is left out: the Send API cannot be asked what it
received, so it alone may repeat a message after a crash (docs/proactive.md).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import importlib
import json
import os
import random
import re
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import sqlalchemy as sa
from aiohttp import web

from benchmarks.proactive_check import Check, Delivery, Run, check, report
from benchmarks.proactive_week import (
    DRAIN,
    KILL_MODES,
    ROOT,
    SCRATCH,
    SECRET_ENV,
    SENDER_DIED,
    SETTINGS,
    STEP,
    TENANT,
    WEEK,
    WEEK_START,
    Action,
    Scenario,
    Shopper,
    build,
)
from benchmarks.report import write_section
from merchants.proactive import Channel, Kind
from proactive.dispatcher import Dispatcher
from proactive.senders import RasaConversations, TwilioSmsSender, WebChatSender
from proactive.store import ProactiveStore
from proactive.tables import OUTBOX, PENDING, utc
from proactive.webhook import SIGNATURE_HEADER, create_app, sign
from stack.isolated import free_port
from stack.settings import stack_env

# The stand-ins of Twilio's and Rasa's HTTP APIs are the integration tests' own. Imported by
# name, since mypy checks the packages and not tests/ (it would follow a plain import there).
STANDINS = importlib.import_module("tests.integration.proactive.standins")
RASA_TOKEN: str = STANDINS.RASA_TOKEN
WORDS: dict[str, str] = STANDINS.WORDS
RasaStandIn = Any  # the types, for annotations
TwilioStandIn = Any

# ---- the sender process ---------------------------------------------------------------------


async def sender_process(db_url: str, rasa_url: str, twilio_url: str) -> None:
    """Read a simulated time per line on stdin, send everything due then, answer "done"."""
    now = [WEEK_START]
    store = ProactiveStore(db_url)
    dispatcher = Dispatcher(
        store,
        lambda tenant: SETTINGS if tenant == TENANT else None,
        RasaConversations(rasa_url, RASA_TOKEN),
        {Channel.sms: TwilioSmsSender(api_base_url=twilio_url), Channel.webchat: WebChatSender()},
        clock=lambda: now[0],
    )
    while line := await asyncio.to_thread(sys.stdin.readline):
        now[0] = dt.datetime.fromisoformat(line.strip())
        claimed = 0
        while (batch := await dispatcher.run_once()) > 0:
            claimed += batch
        print(f"done {claimed}", flush=True)
    store.close()


# ---- the run --------------------------------------------------------------------------------


class Sender:
    """The sender process, spoken to one simulated time at a time; it can be killed."""

    def __init__(self, db_url: str, rasa: RasaStandIn, twilio: TwilioStandIn) -> None:
        self.args = [db_url, rasa.base_url, twilio.base_url]
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "benchmarks.proactive",
            "--sender",
            *self.args,
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env=dict(os.environ),
        )

    async def step(self, at: dt.datetime) -> asyncio.Future[bytes]:
        assert self.proc is not None and self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(f"{at.isoformat()}\n".encode())
        await self.proc.stdin.drain()
        return asyncio.ensure_future(self.proc.stdout.readline())

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            await self.proc.wait()


@contextlib.contextmanager
def _standins() -> Iterator[tuple[RasaStandIn, TwilioStandIn]]:
    rasa, twilio = STANDINS.RasaStandIn(), STANDINS.TwilioStandIn()
    rasa.start()
    twilio.start()
    try:
        yield rasa, twilio
    finally:
        rasa.stop()
        twilio.stop()


@contextlib.asynccontextmanager
async def _webhook(store: ProactiveStore, now: list[dt.datetime]) -> AsyncIterator[str]:
    runner = web.AppRunner(create_app(store, {TENANT: SETTINGS}, clock=lambda: now[0]))
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/proactive/{TENANT}/events"
    finally:
        await runner.cleanup()


def _next_due(store: ProactiveStore) -> dt.datetime | None:
    """The earliest time a pending row can be claimed (its release, or its lease's end)."""
    starts = sa.func.coalesce(OUTBOX.c.claimed_until, OUTBOX.c.not_before)
    query = sa.select(sa.func.min(sa.func.max(OUTBOX.c.not_before, starts)))
    if store.engine.dialect.name == "postgresql":
        query = sa.select(sa.func.min(sa.func.greatest(OUTBOX.c.not_before, starts)))
    with store.engine.connect() as conn:
        found = conn.execute(query.where(OUTBOX.c.status == PENDING)).scalar()
    return utc(found) if found is not None else None


def _on_grid(at: dt.datetime) -> dt.datetime:
    """The first step at or after ``at``."""
    steps = -(-(at - WEEK_START) // STEP)
    return WEEK_START + steps * STEP


async def drive(scenario: Scenario, db_url: str, kills: int, seed: int) -> Run:
    """Play the week: events through the webhook, the sender in lock step, kills mid-send."""
    rng = random.Random(seed + 1)
    run = Run(scenario)
    store = ProactiveStore(db_url)
    store.create_schema()
    secret = os.environ[SECRET_ENV]
    now = [scenario.actions[0].at]
    end = WEEK_START + WEEK + DRAIN
    kill_at = [WEEK_START + WEEK * (k + 1) / (kills + 1) for k in range(kills)]
    stamped = {"sms": 0, "web": 0}
    shopper_of = {s.phone: s for s in scenario.shoppers.values()}
    web_owner = {s.web: s for s in scenario.shoppers.values()}
    patterns = {
        Kind(kind): re.compile(
            "^" + "(?P<order>[A-Za-z0-9._:#-]+)".join(map(re.escape, text.split("{order_id}")))
        )
        for kind, text in WORDS.items()
    }

    def stamp(at: dt.datetime, rasa: RasaStandIn, twilio: TwilioStandIn) -> None:
        """Stamp what reached the stand-ins since the last stamp with the step's time."""
        for message in twilio.sent[stamped["sms"] :]:
            shopper = shopper_of[message["to"]]
            run.sms_copies[(message["to"], message["body"])] += 1
            for kind, pattern in patterns.items():
                if found := pattern.match(message["body"]):
                    run.deliveries.append(
                        Delivery(Channel.sms, shopper.sms, shopper.id, found["order"], kind, at)
                    )
        for trigger in rasa.triggers[stamped["web"] :]:
            entities = trigger["entities"]
            run.triggers_per_key[entities["proactive_key"]] += 1
            if trigger["output"] == "socketio":
                run.deliveries.append(
                    Delivery(
                        Channel.webchat,
                        trigger["conversation_id"],
                        web_owner[trigger["conversation_id"]].id,
                        entities["order_id"],
                        Kind(entities["proactive_kind"]),
                        at,
                        entities["proactive_key"],
                    )
                )
        stamped["sms"], stamped["web"] = len(twilio.sent), len(rasa.triggers)

    async def post(http: aiohttp.ClientSession, url: str, action: Action) -> None:
        body = json.dumps(action.body).encode()
        headers = {SIGNATURE_HEADER: sign(secret, body), "Content-Type": "application/json"}
        async with http.post(url, data=body, headers=headers) as resp:
            answer = await resp.json()
            run.answers[str(resp.status)] += 1
            for message in answer.get("messages", []):
                run.event_verdicts[_verdict_name(message, scenario.shoppers[action.shopper])] += 1

    timer = {"events": 0.0, "sending": 0.0}
    with _standins() as (rasa, twilio):
        sender = Sender(db_url, rasa, twilio)
        await sender.start()
        async with _webhook(store, now) as url, aiohttp.ClientSession() as http:
            pending = list(reversed(scenario.actions))
            step = _on_grid(now[0])
            while step <= end:
                started = time.monotonic()
                while pending and pending[-1].at <= step:
                    action = pending.pop()
                    now[0] = action.at
                    if action.what == "event":
                        await post(http, url, action)
                    elif action.what == "stop":
                        conversation = scenario.shoppers[action.shopper].sms
                        store.record_stop(TENANT, conversation, action.at)
                    else:
                        store.record_inquiry(TENANT, action.shopper, action.order, action.at)
                timer["events"] += time.monotonic() - started
                started = time.monotonic()
                await _send(run, sender, step, kill_at, rng, rasa, twilio, store)
                stamp(step, rasa, twilio)
                timer["sending"] += time.monotonic() - started
                upcoming = [pending[-1].at] if pending else []
                due = _next_due(store)
                upcoming += [due] if due is not None else []
                if not upcoming:
                    break
                step = max(step + STEP, _on_grid(min(upcoming)))
            await sender.stop()
    run.outbox = store.outbox()
    run.decisions = store.decisions()
    run.seconds = timer
    store.close()
    return run


async def _send(
    run: Run,
    sender: Sender,
    step: dt.datetime,
    kill_at: list[dt.datetime],
    rng: random.Random,
    rasa: RasaStandIn,
    twilio: TwilioStandIn,
    store: ProactiveStore,
) -> None:
    """One step of the sender; killed mid-send when a kill is due and there is sending."""
    reply = await sender.step(step)
    killed = False
    if kill_at and kill_at[0] <= step:
        # Where the kill lands: just after Twilio accepted an SMS (before the outbox heard of
        # it), just after Rasa recorded a turn (nothing sent yet), or anywhere a little later.
        mode = KILL_MODES[len(run.kills) % len(KILL_MODES)]
        seen = (lambda: len(twilio.sent)) if mode != "rasa" else (lambda: len(rasa.triggers))
        before = seen()
        while not reply.done():
            if seen() > before:
                if mode == "later":
                    await asyncio.sleep(rng.uniform(0, 0.01))
                sender.kill()
                killed = True
                break
            await asyncio.sleep(0.0005)
    line = (await reply).decode()
    if not killed:
        if not line.startswith("done"):
            raise RuntimeError("the sender process ended by itself")
        return
    assert sender.proc is not None
    code = await sender.proc.wait()
    if code != SENDER_DIED:
        raise RuntimeError(f"the sender process ended with {code}")
    await asyncio.sleep(0.05)  # requests the dead sender had in flight land at the stand-ins
    kill_at.pop(0)
    rows = [r for r in store.outbox() if r["status"] == PENDING and r["claim_token"]]
    run.kills.append(
        {
            "mode": mode,
            "claimed": len(rows),
            "send_started": sum(r["send_started_at"] is not None for r in rows),
        }
    )
    await sender.start()
    line = (await (await sender.step(step))).decode()
    if not line.startswith("done"):
        raise RuntimeError("the restarted sender process ended by itself")


def _verdict_name(message: dict[str, Any], shopper: Shopper) -> str:
    """A webhook verdict's name for the report; holds split into quiet hours and scheduled."""
    if message["outcome"] == "suppress":
        return str(message["reason"])
    if message["outcome"] == "send":
        return "sent"
    release = dt.datetime.fromisoformat(message["not_before"]).astimezone(ZoneInfo(shopper.zone))
    return "held_quiet" if release.time() == SETTINGS.quiet_hours.end else "scheduled"


async def run_benchmark(
    events: int, shoppers: int, kills: int, seed: int, db_url: str
) -> tuple[Run, Check]:
    """Build the week, play it and check it (the test runs this at a small scale)."""
    with _secrets():
        scenario = build(events, shoppers, seed)
        run = await drive(scenario, db_url, kills, seed)
    return run, check(run)


@contextlib.contextmanager
def _secrets() -> Iterator[None]:
    """The stack's local channel secrets and a webhook secret, where the environment has none
    (the webhook, the sealing of numbers and the sender process read them there)."""
    wanted = {
        name: value
        for name, value in stack_env().items()
        if name.startswith(("TWILIO_", "MESSENGER_", "AFTERCARE_"))
    }
    wanted.setdefault(SECRET_ENV, "bench-proactive-secret")
    added = [name for name in wanted if name not in os.environ]
    os.environ.update({name: wanted[name] for name in added})
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.proactive")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--shoppers", type=int, default=2_000)
    parser.add_argument("--kills", type=int, default=3, help="kill -9 the sender this often")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--db-url", help="default: a fresh SQLite file in a temporary directory")
    parser.add_argument("--no-write", action="store_true", help="print, leave docs/ alone")
    parser.add_argument("--sender", nargs=3, metavar=("DB_URL", "RASA_URL", "TWILIO_URL"))
    args = parser.parse_args()
    if args.sender:
        asyncio.run(sender_process(*args.sender))
        return 0
    started = time.monotonic()
    with tempfile.TemporaryDirectory(dir=SCRATCH if os.access(SCRATCH, os.W_OK) else None) as tmp:
        db_url = args.db_url or f"sqlite:///{tmp}/proactive.db"
        run, result = asyncio.run(
            run_benchmark(args.events, args.shoppers, args.kills, args.seed, db_url)
        )
    lines = report(run, result, args, time.monotonic() - started)
    print("\n".join(lines))
    if not args.no_write:
        write_section("proactive", lines)
    bad = sum(result.violations.values()) + result.lost + result.repeated + result.stuck
    return 1 if bad or result.unrecorded else 0


if __name__ == "__main__":
    sys.exit(main())
