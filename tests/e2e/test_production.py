"""Production mode for real: two Rasa and two action servers behind HAProxy, under supervisord.

The module starts ``python -m stack prod start`` as ``make run-prod`` does, with fresh secrets,
databases of its own on the machine's PostgreSQL, its own Redis key prefix and its own RabbitMQ
queue, on free ports. Shoppers talk to HAProxy only; the tests kill real processes with
``kill -9`` and check that no message goes unanswered and that supervisord brings each back.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import os
import re
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aio_pika
import pytest
import requests
import sqlalchemy as sa

from analytics.figures import Scope, conversations
from stack import production
from stack.isolated import demo_orders, postgres_role, production_beside
from stack.processes import healthy
from tests.e2e.conftest import Chat, order_in, wait_until


@dataclass
class Production:
    """The running production stack, seen from outside."""

    env: dict[str, str]
    topology: production.Topology

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.topology.rasa_port}/webhooks/rest/webhook"

    def status(self) -> dict[str, tuple[str, int | None]]:
        """supervisorctl's view: program → (state, pid)."""
        out = production.supervisorctl(self.topology, "status").stdout
        states = {}
        for line in out.splitlines():
            parts = line.split()
            pid = int(parts[3].rstrip(",")) if len(parts) > 3 and parts[2] == "pid" else None
            states[parts[0]] = (parts[1], pid)
        return states

    def served(self) -> dict[str, int]:
        """Requests each Rasa instance took, from HAProxy's statistics."""
        text = requests.get(
            f"http://127.0.0.1:{self.topology.stats_port}/stats;csv", timeout=5
        ).text.lstrip("# ")
        rows = csv.DictReader(io.StringIO(text))
        return {r["svname"]: int(r["stot"] or 0) for r in rows if r["pxname"] == "rasa_servers"}


@pytest.fixture(scope="module")
def prod() -> Iterator[Production]:
    role = postgres_role()
    if role is None:
        pytest.fail("production mode needs PostgreSQL on 127.0.0.1:5432 (trust auth)")
    with production_beside("aftercare_t", role) as env:
        yield Production(env=env, topology=production.Topology.from_env(env))


async def _queued(queue: str) -> int:
    connection = await aio_pika.connect(host="127.0.0.1", login="guest", password="guest")
    async with connection:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, passive=True)
        return int(declared.declaration_result.message_count or 0)


def queued_events(queue: str) -> int:
    """How many events wait in the RabbitMQ queue of this run."""
    return asyncio.run(_queued(queue))


def kill_program(prod: Production, name: str) -> int:
    """``kill -9`` a supervised program's whole process group; its old pid."""
    state, pid = prod.status()[production.supervised(name)]
    assert state == "RUNNING" and pid is not None
    os.killpg(pid, signal.SIGKILL)
    return pid


def back_again(prod: Production, name: str, old_pid: int, health_url: str) -> None:
    """supervisord restarted ``name`` (a new pid) and it answers its health check again."""

    def restarted() -> bool:
        state, pid = prod.status()[production.supervised(name)]
        return state == "RUNNING" and pid not in (None, old_pid)

    wait_until(restarted, 60, f"supervisord restarts {name}")
    wait_until(lambda: healthy(health_url), 180, f"{name} healthy again")


def test_a_verified_conversation_spreads_over_both_rasa_instances(
    prod: Production,
) -> None:
    order = order_in(demo_orders(prod.env["COMMERCE_DB_URL"]), "in_transit")
    before = prod.served()
    chat = Chat(prod.rest_url)
    assert "order number" in chat.text("where is my order?").lower()
    assert "e-mail" in chat.text(order["order_id"]).lower()
    reply = chat.text(order["email"])
    # Each turn went to another instance, and each knew what the one before had asked.
    assert order["order_id"] in reply
    assert "in transit" in reply.lower()
    after = prod.served()
    assert all(after[f"rasa{i}"] > before[f"rasa{i}"] for i in (1, 2)), after


def test_every_turn_is_stored_in_postgresql_and_published_to_rabbitmq(
    prod: Production,
) -> None:
    chat = Chat(prod.rest_url)
    queue = prod.env["EVENT_BROKER_QUEUES"].split(",")[0]  # the stream; the second: analytics
    before = queued_events(queue)
    for text in ("hi", "what is your return policy?", "thanks"):
        assert chat.text(text)
    engine = sa.create_engine(prod.env["TRACKER_STORE_URL"])
    try:
        with engine.connect() as connection:
            users = connection.execute(
                sa.text("SELECT count(*) FROM events WHERE sender_id = :s AND type_name = 'user'"),
                {"s": chat.sender},
            ).scalar()
    finally:
        engine.dispose()
    assert users == 3
    wait_until(lambda: queued_events(queue) >= before + 6, 10, "events on the stream")


def test_the_desk_follows_its_own_queue_into_the_postgresql_analytics_database(
    prod: Production,
) -> None:
    assert prod.env["ANALYTICS_DB_URL"].startswith("postgresql")
    assert prod.env["ANALYTICS_QUEUE"] in prod.env["EVENT_BROKER_QUEUES"].split(",")
    today = dt.datetime.now(dt.timezone.utc).date()
    scope = Scope("demo", today, today)
    engine = sa.create_engine(prod.env["ANALYTICS_DB_URL"])
    try:
        before = conversations(engine, scope).conversations
        for _ in range(2):
            assert Chat(prod.rest_url).text("what is your return policy?")
        wait_until(
            lambda: conversations(engine, scope).conversations >= before + 2,
            30,
            "the desk's analytics count both conversations",
        )
    finally:
        engine.dispose()


def test_a_killed_rasa_instance_loses_no_message_and_comes_back(prod: Production) -> None:
    old = kill_program(prod, "rasa-1")
    replies = [Chat(prod.rest_url).say("hello") for _ in range(8)]
    assert all(reply and reply[0].get("text") for reply in replies)
    base = f"http://127.0.0.1:{prod.topology.rasa_ports[0]}"
    back_again(prod, "rasa-1", old, f"{base}/webhooks/rest/ready")


def test_a_killed_action_server_loses_no_turn_and_comes_back(prod: Production) -> None:
    order = order_in(demo_orders(prod.env["COMMERCE_DB_URL"]), "shipped")
    old = kill_program(prod, "actions-1")
    for _ in range(3):
        reply = Chat(prod.rest_url).text(
            f"where is order {order['order_id']}? my email is {order['email']}"
        )
        assert order["order_id"] in reply and "tracking number" in reply
    port = prod.topology.action_ports[0]
    back_again(prod, "actions-1", old, f"http://127.0.0.1:{port}/health")


def test_stop_prod_stops_every_process_it_started(prod: Production) -> None:
    pids = [pid for _, pid in prod.status().values() if pid is not None]
    assert len(pids) == 4 + 2 * 2  # commerce, desk, proactive, haproxy, two Rasa, two actions
    assert production.stop(prod.topology)
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists() or _zombie(pid), f"pid {pid} still runs"
    assert not healthy(f"http://127.0.0.1:{prod.topology.rasa_port}/")
    # each program ended on SIGTERM, none had to be killed (and lose what it was doing)
    log = (prod.topology.log_dir / "supervisord.log").read_text(encoding="utf-8")
    assert "with SIGKILL" not in log, log[-3000:]
    # the Rasa servers were gone before anything they use (HAProxy included) was stopped
    stopped = [production.tier(name) for name in re.findall(r" stopped: (\S+) ", log)]
    assert stopped == [production.DIALOGUE] * 2 + [production.SERVICES] * 6, log[-3000:]


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True
