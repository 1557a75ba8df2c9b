"""The Redis lock store against a real Redis: one message of a conversation at a time.

Two store objects stand for two Rasa instances. Messages of one conversation are served in the
order they arrived, other conversations never wait, a dead holder blocks for one lease at most
while a slow live one is never overtaken, and a Redis restart delays a turn without failing it.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from rasa.core.lock_store import LockError
from rasa.utils.endpoints import EndpointConfig

from stack.isolated import free_port
from stores import locks
from stores.locks import LeaseRedisLockStore, SelectableLockStore

pytestmark = pytest.mark.timeout(60)

ROOT = Path(__file__).resolve().parents[3]


def start_redis(port: int, folder: Path) -> subprocess.Popen[bytes]:
    """A Redis of this test's own (the machine's stays untouched), ready to answer."""
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        pytest.fail("redis-server is needed: production mode's lock store is Redis")
    process = subprocess.Popen(
        [
            redis_server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while (
        subprocess.run(
            ["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True
        ).stdout.strip()
        != "PONG"
    ):
        assert time.monotonic() < deadline, "the test's Redis did not start"
        time.sleep(0.1)
    return process


def stop_redis(port: int, process: subprocess.Popen[bytes]) -> None:
    subprocess.run(["redis-cli", "-p", str(port), "shutdown", "nosave"], capture_output=True)
    process.wait(timeout=10)


@pytest.fixture
def redis_port(tmp_path: Path) -> Iterator[int]:
    port = free_port()
    process = start_redis(port, tmp_path)
    yield port
    stop_redis(port, process)


@pytest.fixture
def inspect(redis_port: int) -> Iterator[redis.Redis]:
    """A plain client on the test's Redis, to look at the keys the lock store leaves."""
    client = redis.Redis(port=redis_port, db=0, decode_responses=True, socket_timeout=3)
    yield client
    client.close()


@pytest.fixture
def short_lease(monkeypatch: pytest.MonkeyPatch) -> float:
    """A lease of 0.5 s, so that lapsing and renewing take a test a second, not six."""
    monkeypatch.setattr(locks, "LEASE_S", 0.5)
    return 0.5


def instance(port: int, key_prefix: str = "") -> LeaseRedisLockStore:
    """The lock store one Rasa instance builds from endpoints.yml's strings."""
    store = SelectableLockStore(
        EndpointConfig(
            url="127.0.0.1", backend="redis", port=str(port), db="0", key_prefix=key_prefix
        )
    )
    assert isinstance(store, LeaseRedisLockStore)
    return store


async def until(condition: Callable[[], bool], timeout_s: float = 5) -> None:
    """Wait for ``condition`` (checked every 20 ms), failing after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def turn(
    store: LeaseRedisLockStore,
    name: str,
    log: list[str],
    done: asyncio.Event | None = None,
    conversation_id: str = "shopper-1",
) -> None:
    """A message served under the conversation's lock; it lasts until ``done`` is set."""
    async with store.lock(conversation_id):
        log.append(f"{name} in")
        if done is not None:
            await done.wait()
        log.append(f"{name} out")


async def holding(
    store: LeaseRedisLockStore, log: list[str]
) -> tuple[asyncio.Task[None], asyncio.Event]:
    """Message "a" holding shopper-1's lock on ``store`` until the returned event is set."""
    done = asyncio.Event()
    task = asyncio.create_task(turn(store, "a", log, done))
    await until(lambda: log == ["a in"])
    return task, done


async def test_two_instances_serve_one_conversation_in_arrival_order(
    redis_port: int, inspect: redis.Redis
) -> None:
    first, second = instance(redis_port), instance(redis_port)
    queue = first.queue_key("shopper-1")
    log: list[str] = []
    a, a_done = await holding(first, log)
    b = asyncio.create_task(turn(second, "b", log))
    await until(lambda: inspect.llen(queue) == 2)
    c = asyncio.create_task(turn(first, "c", log))
    await until(lambda: inspect.llen(queue) == 3)
    await asyncio.sleep(0.3)
    assert log == ["a in"]  # b and c wait, on either instance

    a_done.set()
    await asyncio.wait_for(asyncio.gather(a, b, c), timeout=5)
    assert log == ["a in", "a out", "b in", "b out", "c in", "c out"]
    assert inspect.keys() == []


async def test_other_conversations_do_not_wait(redis_port: int) -> None:
    first, second = instance(redis_port), instance(redis_port)
    log: list[str] = []
    a, a_done = await holding(first, log)
    await asyncio.wait_for(turn(second, "b", log, conversation_id="shopper-2"), timeout=2)
    assert log == ["a in", "b in", "b out"]  # b came and went while a still held its lock
    a_done.set()
    await a


async def test_a_holder_that_died_blocks_the_next_message_for_one_lease(
    redis_port: int, inspect: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(locks, "LEASE_S", 1.0)
    store = instance(redis_port)
    queue = store.queue_key("shopper-1")
    # Another instance took the lock and was killed: its token and lease, never renewed.
    inspect.rpush(queue, "deadbeef")
    inspect.set(store.lease_key_prefix() + "deadbeef", 1, px=1000)
    log: list[str] = []
    started = time.monotonic()
    await asyncio.wait_for(turn(store, "b", log), timeout=5)
    waited = time.monotonic() - started
    assert 0.5 < waited < locks.LEASE_S + 2
    assert log == ["b in", "b out"]
    assert inspect.keys() == []  # the dead token went with its lease


async def test_a_killed_instance_holds_the_lock_for_one_lease_at_most(
    redis_port: int, inspect: redis.Redis
) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import asyncio, sys\n"
            "from stores import locks\n"
            "locks.LEASE_S = 1.0\n"
            "async def main():\n"
            f"    store = locks.LeaseRedisLockStore(port={redis_port}, db=0)\n"
            "    async with store.lock('shopper-1'):\n"
            "        print('held', flush=True)\n"
            "        await asyncio.sleep(60)\n"
            "asyncio.run(main())\n",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        await asyncio.sleep(1.5)  # longer than a lease: its heartbeat renews it
        store = instance(redis_port)
        token = inspect.lindex(store.queue_key("shopper-1"), 0)
        assert token is not None and inspect.exists(store.lease_key_prefix() + token)
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        log: list[str] = []
        started = time.monotonic()
        await asyncio.wait_for(turn(store, "b", log), timeout=5)
        assert 0.5 < time.monotonic() - started < 1.0 + 2
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(timeout=10)
    assert inspect.keys() == []


async def test_a_live_holder_slower_than_its_lease_is_not_overtaken(
    redis_port: int, short_lease: float
) -> None:
    first, second = instance(redis_port), instance(redis_port)
    log: list[str] = []
    a, a_done = await holding(first, log)
    b = asyncio.create_task(turn(second, "b", log))
    await asyncio.sleep(3 * short_lease)  # the heartbeat renews a's lease meanwhile
    assert log == ["a in"]
    a_done.set()
    await asyncio.wait_for(asyncio.gather(a, b), timeout=5)
    assert log == ["a in", "a out", "b in", "b out"]


async def test_a_waiter_given_up_leaves_no_token_behind(
    redis_port: int, inspect: redis.Redis
) -> None:
    first, second = instance(redis_port), instance(redis_port)
    queue = first.queue_key("shopper-1")
    log: list[str] = []
    a, a_done = await holding(first, log)
    holder = inspect.lindex(queue, 0)
    b = asyncio.create_task(turn(second, "b", log))  # the shopper's request is dropped
    await until(lambda: inspect.llen(queue) == 2)
    b.cancel()
    with pytest.raises(asyncio.CancelledError):
        await b
    assert inspect.lrange(queue, 0, -1) == [holder]
    assert sorted(inspect.keys()) == sorted([queue, first.lease_key_prefix() + holder])
    a_done.set()
    await a
    assert log == ["a in", "a out"]
    assert inspect.keys() == []


async def test_keys_carry_the_prefix_and_none_remain(redis_port: int, inspect: redis.Redis) -> None:
    first, second = instance(redis_port, "shopB"), instance(redis_port, "shopB")
    log: list[str] = []
    a_done = asyncio.Event()
    a = asyncio.create_task(turn(first, "a", log, a_done))
    b = asyncio.create_task(turn(second, "b", log, conversation_id="shopper-2"))
    await until(lambda: len(log) == 3)  # a in; b in, b out
    keys = inspect.keys()
    assert len(keys) == 2  # a's queue and lease
    assert all(key.startswith("shopB:lock:") for key in keys), keys
    # a queue outlives a crash of all its members by a few leases only
    assert 0 < inspect.pttl(first.queue_key("shopper-1")) <= 4 * locks.LEASE_S * 1000
    a_done.set()
    await asyncio.gather(a, b)
    assert inspect.keys() == []


async def test_waiting_longer_than_the_lock_lifetime_raises_lock_error(
    redis_port: int, inspect: redis.Redis
) -> None:
    first, second = instance(redis_port), instance(redis_port)
    log: list[str] = []
    a, a_done = await holding(first, log)
    started = time.monotonic()
    with pytest.raises(LockError, match="shopper-1"):
        async with second.lock("shopper-1", lock_lifetime=0.5):
            log.append("b in")
    # at its own lifetime (0.5 s), not never: a never lets go (the bound leaves a loaded
    # machine room; speed is for the benchmarks)
    assert 0.4 < time.monotonic() - started < 5
    assert inspect.llen(first.queue_key("shopper-1")) == 1  # b left the queue
    a_done.set()
    await a
    assert log == ["a in", "a out"]


def restart_later(port: int, folder: Path, after_s: float) -> tuple[threading.Timer, list]:
    """Stop the test's Redis now and start it again (empty) after ``after_s`` seconds."""
    subprocess.run(["redis-cli", "-p", str(port), "shutdown", "nosave"], check=True)
    restarted: list[subprocess.Popen[bytes]] = []
    timer = threading.Timer(after_s, lambda: restarted.append(start_redis(port, folder)))
    timer.start()
    return timer, restarted


async def test_a_lock_taken_during_a_redis_restart_waits_and_succeeds(
    redis_port: int, tmp_path: Path
) -> None:
    store = instance(redis_port)
    async with store.lock("shopper-0"):  # the client's connection exists before the restart
        pass
    timer, restarted = restart_later(redis_port, tmp_path, 1.5)
    try:
        started = time.monotonic()
        # Redis is down for 1.5 s: the lock waits for it instead of raising.
        log: list[str] = []
        await asyncio.wait_for(turn(store, "a", log), timeout=10)
        assert 1.0 < time.monotonic() - started < 8
        assert log == ["a in", "a out"]
    finally:
        timer.join()
        for process in restarted:
            stop_redis(redis_port, process)


async def test_a_waiting_message_survives_a_redis_restart(redis_port: int, tmp_path: Path) -> None:
    first, second = instance(redis_port), instance(redis_port)
    log: list[str] = []
    a, a_done = await holding(first, log)
    b = asyncio.create_task(turn(second, "b", log))
    await asyncio.sleep(0.3)
    timer, restarted = restart_later(redis_port, tmp_path, 1.5)
    try:
        started = time.monotonic()
        # The restart emptied the queue: b queues again and is served (the documented
        # trade-off: a, whose token is gone too, is still serving its message).
        await asyncio.wait_for(b, timeout=10)
        assert 1.0 < time.monotonic() - started < 8
        a_done.set()
        await asyncio.wait_for(a, timeout=5)  # leaving a queue Redis forgot is no error
        assert log == ["a in", "b in", "b out", "a out"]
    finally:
        timer.join()
        for process in restarted:
            stop_redis(redis_port, process)
