"""``make bench-failover``: production mode under steady load while one fault after another hits.

Production mode (``python -m stack prod start``: two Rasa and two action servers behind HAProxy
under supervisord, PostgreSQL, Redis locks, RabbitMQ) starts with databases, ports, a Redis key
prefix and a RabbitMQ queue of its own. Shoppers (``benchmarks/load.py``) then hold order-status
and return conversations with think time while the benchmark, in turn:

1. ``kill -9``s one Rasa instance, 2. ``kill -9``s one action server, 3. restarts Redis,
4. restarts RabbitMQ, 5. makes the backend answer 2 s late for 30 s (a proxy in front of it).

Per fault it reports messages sent, answered, failed (no answer, an error status or an apology)
and the time until the last failure; then it checks every conversation in PostgreSQL (each
stored message answered, events in order, none twice), that no return was opened twice, and
that every stored event reached the RabbitMQ stream, read by a consumer during the whole run.

Restarting Redis and RabbitMQ restarts this machine's services: run it alone.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aio_pika
import aiohttp
import sqlalchemy as sa
from aiohttp import web

from benchmarks.load import Load, Turn, delivered_orders, percentile
from stack import production
from stack.isolated import free_port, postgres_role, production_beside
from stores.outbox import backlog

REDIS_START = [
    "redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379",
    "--save", "", "--appendonly", "no", "--dir", "/var/lib/redis",
    "--logfile", "/var/log/redis/ci.log",
]  # fmt: skip


class SlowProxy:
    """The backend behind a proxy that can answer late (the fault "backend slow")."""

    def __init__(self, target: str) -> None:
        self.target = target.rstrip("/")
        self.delay_s = 0.0
        self._session: aiohttp.ClientSession | None = None

    async def handle(self, request: web.Request) -> web.Response:
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        assert self._session is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
        async with self._session.request(
            request.method,
            f"{self.target}{request.path_qs}",
            headers=headers,
            data=await request.read(),
        ) as upstream:
            body = await upstream.read()
            return web.Response(
                status=upstream.status,
                body=body,
                content_type=upstream.content_type,
            )

    async def start(self, port: int) -> web.AppRunner:
        self._session = aiohttp.ClientSession()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        return runner

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


@dataclass
class Fault:
    """A fault and when it was injected (monotonic seconds)."""

    name: str
    injected_at: float = 0.0
    until: float = 0.0


def run_quietly(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=120)


def supervised_pid(topology: production.Topology, program: str) -> int:
    out = production.supervisorctl(topology, "pid", production.supervised(program)).stdout.strip()
    return int(out)


async def kill(topology: production.Topology, program: str) -> None:
    os.killpg(supervised_pid(topology, program), signal.SIGKILL)


async def restart_redis() -> None:
    await asyncio.to_thread(run_quietly, "redis-cli", "-p", "6379", "shutdown", "nosave")
    await asyncio.sleep(1)
    await asyncio.to_thread(run_quietly, *REDIS_START)


async def restart_rabbitmq() -> None:
    await asyncio.to_thread(run_quietly, "rabbitmqctl", "stop_app")
    await asyncio.to_thread(run_quietly, "rabbitmqctl", "start_app")


async def slow_backend(proxy: SlowProxy, seconds: float) -> None:
    proxy.delay_s = 2.0
    await asyncio.sleep(seconds)
    proxy.delay_s = 0.0


async def stream_events(queue_name: str) -> list[tuple[str, str, float]]:
    """Every event waiting in the run's durable queue, read once the load is over.

    Nothing consumes the queue during the run, so what a consumer would have received is
    exactly what is in it at the end: Rasa publishes persistent messages to a durable queue,
    which a RabbitMQ restart keeps.
    """
    seen = []
    connection = await aio_pika.connect(host="127.0.0.1", login="guest", password="guest")
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(queue_name, durable=True, passive=True)
        while (message := await queue.get(no_ack=True, fail=False)) is not None:
            event = json.loads(message.body)
            seen.append((str(event.get("sender_id")), str(event.get("event")), event["timestamp"]))
    return seen


async def stream_caught_up(tracker_url: str, timeout_s: float = 60) -> None:
    """Wait until the outbox is empty: every stored event has been confirmed by RabbitMQ."""
    engine = sa.create_engine(tracker_url)
    try:
        deadline = time.monotonic() + timeout_s
        while backlog(engine) and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
    finally:
        engine.dispose()


def fault_report(fault: Fault, turns: list[Turn]) -> dict[str, Any]:
    """What shoppers saw from a fault's injection until the next fault."""
    during = [t for t in turns if fault.injected_at <= t.sent_at < fault.until]
    failed = [t for t in during if t.failed]
    last_failure = max((t.sent_at + t.latency_s for t in failed), default=fault.injected_at)
    return {
        "fault": fault.name,
        "sent": len(during),
        "answered": sum(t.answered for t in during),
        "apologies": sum(t.apology for t in during),
        "failed": len(failed),
        "failed_share": len(failed) / len(during) if during else 0.0,
        "no_answer": sum(not t.answered for t in during),
        "recovery_s": last_failure - fault.injected_at,
        "failures": [
            {
                "after_s": round(t.sent_at - fault.injected_at, 1),
                "latency_s": round(t.latency_s, 2),
                "status": t.status,
                "kind": t.kind,
                "reply": t.text[:80],
            }
            for t in failed
        ],
        "p50_ms": 1000 * percentile([t.latency_s for t in during], 0.5),
        "p99_ms": 1000 * percentile([t.latency_s for t in during], 0.99),
    }


StoredEvent = tuple[str, str, float, str]  # sender, type, timestamp, data


def stored_events(tracker_url: str, senders: list[str]) -> list[StoredEvent]:
    """The run's conversations as PostgreSQL holds them, each in the order it was stored."""
    engine = sa.create_engine(tracker_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT sender_id, type_name, timestamp, data FROM events "
                    "WHERE sender_id = ANY(:senders) ORDER BY sender_id, id"
                ),
                {"senders": senders},
            ).all()
    finally:
        engine.dispose()
    return [(str(s), str(k), float(t), str(d)) for s, k, t, d in rows]


def conversation_checks(stored: list[StoredEvent], turns: list[Turn]) -> dict[str, int]:
    """Every conversation of the run: lost, unanswered, out of order, doubled."""
    senders = sorted({t.sender for t in turns})
    answered: dict[str, int] = {}
    for turn in turns:
        answered[turn.sender] = answered.get(turn.sender, 0) + turn.answered
    by_sender: dict[str, list[tuple[str, float, str]]] = {}
    for sender, kind, stamp, data in stored:
        by_sender.setdefault(sender, []).append((kind, stamp, data))
    lost = unanswered = disorder = doubled = 0
    for sender in senders:
        events = by_sender.get(sender, [])
        users = [i for i, e in enumerate(events) if e[0] == "user"]
        lost += max(0, answered.get(sender, 0) - len(users))
        for n, index in enumerate(users):
            end = users[n + 1] if n + 1 < len(users) else len(events)
            if not any(e[0] == "bot" for e in events[index:end]):
                unanswered += 1
        disorder += sum(b[1] < a[1] for a, b in itertools.pairwise(events))
        doubled += len(events) - len(set(events))
    return {
        "conversations": len(senders),
        "events": len(stored),
        "messages_lost": lost,
        "stored_messages_unanswered": unanswered,
        "events_out_of_order": disorder,
        "events_twice": doubled,
    }


def returns_twice(commerce_url: str, orders: list[str]) -> int:
    """Orders of the run with more than one return (each return conversation had its own)."""
    if not orders:
        return 0
    engine = sa.create_engine(commerce_url)
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(
                    sa.text(
                        "SELECT count(*) FROM (SELECT order_id FROM returns "
                        "WHERE order_id = ANY(:ids) GROUP BY order_id HAVING count(*) > 1) t"
                    ),
                    {"ids": orders},
                ).scalar()
                or 0
            )
    finally:
        engine.dispose()


def stream_missing(stored: list[StoredEvent], seen: list[tuple[str, str, float]]) -> int:
    """Stored events of the run's conversations that never reached the RabbitMQ queue."""
    got = {(s, k, round(float(t), 6)) for s, k, t in seen}
    return sum((s, k, round(t, 6)) not in got for s, k, t, _ in stored)


async def run_faults(
    args: argparse.Namespace,
    topology: production.Topology,
    proxy: SlowProxy,
) -> list[Fault]:
    """Inject the faults one after another, ``phase_s`` apart."""
    actions: list[tuple[str, Callable[[], Awaitable[None]]]] = [
        ("kill -9 one Rasa instance", lambda: kill(topology, "rasa-1")),
        ("kill -9 one action server", lambda: kill(topology, "actions-1")),
        ("restart Redis", restart_redis),
        ("restart RabbitMQ", restart_rabbitmq),
        ("backend 2 s slow for 30 s", lambda: slow_backend(proxy, args.slow_s)),
    ]
    faults = []
    await asyncio.sleep(args.warmup_s)
    for name, action in actions:
        fault = Fault(name, injected_at=time.monotonic())
        print(f"{time.strftime('%H:%M:%S')} fault: {name}", flush=True)
        await action()
        await asyncio.sleep(max(0.0, args.phase_s - (time.monotonic() - fault.injected_at)))
        fault.until = time.monotonic()
        faults.append(fault)
    return faults


async def bench(args: argparse.Namespace, env: dict[str, str], proxy_port: int) -> dict[str, Any]:
    topology = production.Topology.from_env(env)
    proxy = SlowProxy(f"http://127.0.0.1:{env['COMMERCE_PORT']}")
    runner = await proxy.start(proxy_port)
    stop = asyncio.Event()
    load = Load(
        f"http://127.0.0.1:{topology.rasa_port}/webhooks/rest/webhook",
        delivered_orders(env["COMMERCE_DB_URL"]),
        think_s=(args.think_min_s, args.think_max_s),
    )
    pick = load.returns_share(args.returns_share)
    shoppers = [asyncio.create_task(load.shopper(stop, pick)) for _ in range(args.shoppers)]
    try:
        faults = await run_faults(args, topology, proxy)
    finally:
        stop.set()
        await asyncio.gather(*shoppers, return_exceptions=True)
        await stream_caught_up(env["TRACKER_STORE_URL"])
        seen = await stream_events(env["EVENT_BROKER_QUEUES"].split(",")[0])
        await proxy.close()
        await runner.cleanup()
    stored = stored_events(env["TRACKER_STORE_URL"], sorted({t.sender for t in load.turns}))
    return {
        "shoppers": args.shoppers,
        "turns": len(load.turns),
        "faults": [fault_report(f, load.turns) for f in faults],
        "checks": {
            **conversation_checks(stored, load.turns),
            "returns_confirmed": len(load.returned),
            "returns_opened_twice": returns_twice(env["COMMERCE_DB_URL"], load.returned),
            "events_missing_from_stream": stream_missing(stored, seen),
            # at least once: a relay that died between confirm and delete publishes again
            "events_twice_on_stream": len(seen) - len(set(seen)),
        },
    }


def print_report(result: dict[str, Any]) -> None:
    print(f"\n{result['shoppers']} shoppers, {result['turns']} turns")
    print(
        f"{'fault':<28}{'sent':>6}{'answered':>9}{'failed':>7}{'share':>7}{'no answer':>10}"
        f"{'recovery s':>11}{'P50 ms':>8}{'P99 ms':>8}"
    )
    for f in result["faults"]:
        print(
            f"{f['fault']:<28}{f['sent']:>6}{f['answered']:>9}{f['failed']:>7}"
            f"{100 * f['failed_share']:>6.1f}%{f['no_answer']:>10}{f['recovery_s']:>11.1f}"
            f"{f['p50_ms']:>8.0f}{f['p99_ms']:>8.0f}"
        )
    for key, value in result["checks"].items():
        print(f"  {key}: {value}")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.failover")
    parser.add_argument("--shoppers", type=int, default=20)
    parser.add_argument("--warmup-s", type=float, default=30)
    parser.add_argument("--phase-s", type=float, default=45)
    parser.add_argument("--slow-s", type=float, default=30)
    parser.add_argument("--think-min-s", type=float, default=2)
    parser.add_argument("--think-max-s", type=float, default=5)
    parser.add_argument("--returns-share", type=float, default=0.3)
    parser.add_argument("--json", type=Path, help="also write the result here")
    args = parser.parse_args()
    role = postgres_role()
    if role is None:
        print("error: needs PostgreSQL on 127.0.0.1:5432 (trust auth)", file=sys.stderr)
        return 1
    if shutil.which("redis-cli") is None or shutil.which("rabbitmqctl") is None:
        print("error: needs redis-cli and rabbitmqctl to restart the services", file=sys.stderr)
        return 1
    proxy_port = free_port()
    print("starting production mode (about 90 s)...", flush=True)
    try:
        with production_beside(
            "aftercare_bench", role, COMMERCE_API_URL=f"http://127.0.0.1:{proxy_port}"
        ) as env:
            result = asyncio.run(bench(args, env, proxy_port))
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print_report(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
