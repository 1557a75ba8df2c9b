"""A whole stack that shares nothing with any other on the machine: for tests and benchmarks.

End-to-end tests, the τ-bench tests and every benchmark start their own stack next to a
``make run`` that may be up on the default ports. They all need the same things: a seeded store
in a temporary folder, a free port for each server and every database in that folder.
"""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import sqlalchemy as sa

from stack.settings import ROOT

PG = "postgresql://{role}@127.0.0.1:5432/{name}"
PG_DATABASES = ("tracker", "commerce", "desk", "channels", "proactive", "analytics")


EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
LOWEST_PORT = 10000


def ephemeral_floor() -> int:
    """The lowest port the OS gives outgoing connections (Linux's default when unreadable)."""
    try:
        return int(EPHEMERAL_RANGE.read_text(encoding="ascii").split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A port nothing uses right now, below the range the OS takes outgoing ports from.

    Not the OS's own choice (port 0): that comes from the ephemeral range, and once a server
    the supervisor restarts has let go of such a port, any outgoing connection on the machine
    may take it, and the restarted server could never listen again.
    """
    ceiling = max(ephemeral_floor(), LOWEST_PORT + 1000)
    for _ in range(500):
        port = random.randrange(LOWEST_PORT, ceiling)
        if bindable(port):
            return port
    raise RuntimeError(f"no free port between {LOWEST_PORT} and {ceiling}")


def bindable(port: int) -> bool:
    """Whether a server could listen on ``port`` on every interface now."""
    with socket.socket() as sock:
        try:
            sock.bind(("0.0.0.0", port))  # a probe, closed at once
        except OSError:
            return False
    return True


def consecutive_free_ports() -> int:
    """A port p such that p and p + 1 are both free (instances take consecutive ports)."""
    for _ in range(50):
        port = free_port()
        if bindable(port + 1):
            return port
    raise RuntimeError("no two consecutive free ports")


def postgres_role() -> str | None:
    """The role this machine's PostgreSQL trusts on 127.0.0.1 (root or postgres), if any."""
    for role in ("root", "postgres"):
        engine = sa.create_engine(PG.format(role=role, name="postgres"))
        try:
            with engine.connect():
                return role
        except sa.exc.OperationalError:
            continue
        finally:
            engine.dispose()
    return None


def isolated_production_env(tmp: Path, run: str, role: str) -> dict[str, str]:
    """Overrides for production mode beside anything else here: databases named ``run_*``.

    The machine's PostgreSQL, Redis (key prefix ``run``) and RabbitMQ (queue ``run``, guest),
    free ports, configurations and logs under ``tmp``. Secrets are not included.
    """
    urls = {name: PG.format(role=role, name=f"{run}_{name}") for name in PG_DATABASES}
    env = isolated_env(tmp, urls["commerce"])
    env.update(
        {
            "TRACKER_STORE_URL": urls["tracker"],
            "DESK_DB_URL": urls["desk"],
            "CHANNEL_STATE_DB_URL": urls["channels"],
            "PROACTIVE_DB_URL": urls["proactive"],
            "ANALYTICS_DB_URL": urls["analytics"],
            "LOCK_STORE_TYPE": "redis",
            "LOCK_STORE_URL": "127.0.0.1",
            "LOCK_STORE_KEY_PREFIX": run.replace("_", ""),
            "EVENT_BROKER": "pika",
            "EVENT_BROKER_URL": "127.0.0.1",
            "EVENT_BROKER_USERNAME": "guest",
            "EVENT_BROKER_PASSWORD": "guest",
            # the stream's queue, and the desk's analytics copy of it (docs/analytics.md)
            "EVENT_BROKER_QUEUES": f"{run},{run}_analytics",
            "ANALYTICS_QUEUE": f"{run}_analytics",
            "PROD_RASA_FIRST_PORT": str(consecutive_free_ports()),
            "PROD_ACTION_FIRST_PORT": str(consecutive_free_ports()),
            "PROD_HAPROXY_STATS_PORT": str(free_port()),
            "PROD_RUN_DIR": str(tmp / "run"),
        }
    )
    return env


def drop_production_databases(run: str, role: str) -> None:
    """Drop the databases :func:`isolated_production_env` named."""
    admin = sa.create_engine(PG.format(role=role, name="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            for name in PG_DATABASES:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{run}_{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def isolated_env(tmp: Path, commerce_db_url: str, **extra: str) -> dict[str, str]:
    """Stack overrides: each server on a free port, each database a file under ``tmp``.

    ``extra`` (e.g. ``MERCHANT_POLICY``) wins over these.
    """
    rasa, actions, commerce, desk = free_port(), free_port(), free_port(), free_port()
    env = {
        "RASA_PORT": str(rasa),
        "ACTION_PORT": str(actions),
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions}/webhook",
        "COMMERCE_PORT": str(commerce),
        "COMMERCE_API_URL": f"http://127.0.0.1:{commerce}",
        "COMMERCE_DB_URL": commerce_db_url,
        "DESK_PORT": str(desk),
        "DESK_DB_URL": f"sqlite:///{tmp / 'desk.db'}",
        "TRACKER_STORE_URL": f"sqlite:///{tmp / 'tracker.db'}",
        "CHANNEL_STATE_DB_URL": f"sqlite:///{tmp / 'channels.db'}",
        "PROACTIVE_PORT": str(free_port()),
        "PROACTIVE_DB_URL": f"sqlite:///{tmp / 'proactive.db'}",
        "EVENT_BROKER_URL": str(tmp / "events.log"),
        "ANALYTICS_DB_URL": f"sqlite:///{tmp / 'analytics.db'}",
    }
    env.update(extra)
    return env


def seed_store(db_url: str, *options: str) -> None:
    """Build a store in ``db_url`` (``commerce.seed`` options, e.g. ``--store tau-bench``)."""
    subprocess.run(
        [sys.executable, "-m", "commerce.seed", "--db", db_url, *options],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )


def demo_orders(db_url: str) -> list[dict[str, str]]:
    """The store's sample orders, one per order state (``make demo-orders``)."""
    out = subprocess.run(
        [sys.executable, "-m", "commerce.demo_orders", "--db", db_url],
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def delete_queue(name: str) -> None:
    """Remove a queue from this machine's RabbitMQ (guest), if it is there."""
    import asyncio

    import aio_pika

    async def delete() -> None:
        connection = await aio_pika.connect(host="127.0.0.1", login="guest", password="guest")
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(name)

    asyncio.run(delete())


@contextmanager
def production_beside(prefix: str, role: str, **extra: str) -> Iterator[dict[str, str]]:
    """Production mode (``python -m stack prod start``) beside anything else on this machine.

    Databases, ports, Redis key prefix and RabbitMQ queue named ``<prefix>_<random>``, fresh
    secrets, ``extra`` on top. Yields the environment its processes see; on leaving, stops
    everything, drops the databases and deletes the queue.

    Raises:
        RuntimeError: production mode did not start (its stderr's end says why).
    """
    from stack.__main__ import secret_names  # the CLI module imports this one
    from stack.production import Topology, fresh_secrets, production_env, stop

    run = f"{prefix}_{uuid.uuid4().hex[:8]}"
    overrides = {
        **isolated_production_env(Path(tempfile.mkdtemp(prefix=f"{prefix}-")), run, role),
        **fresh_secrets(secret_names()),
        **extra,
    }
    env = production_env(overrides)
    started = subprocess.run(
        [sys.executable, "-m", "stack", "prod", "start"],
        env={**os.environ, **overrides},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    try:
        if started.returncode != 0:
            raise RuntimeError(f"production mode did not start: {started.stderr[-3000:]}")
        yield env
    finally:
        stop(Topology.from_env(env))
        drop_production_databases(run, role)
        for queue in (run, f"{run}_analytics"):
            with suppress(Exception):  # nothing may have declared it
                delete_queue(queue)
