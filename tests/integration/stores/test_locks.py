"""A Redis restart delays the lock store for a moment; it does not fail the turn."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa.core.lock_store import RedisLockStore, TicketLock
from rasa.utils.endpoints import EndpointConfig

from stack.isolated import free_port
from stores.locks import SelectableLockStore


def start_redis(port: int, folder: Path) -> subprocess.Popen[bytes]:
    """A Redis of this test's own (the machine's stays untouched), ready to answer."""
    redis = shutil.which("redis-server")
    if redis is None:
        pytest.fail("redis-server is needed: production mode's lock store is Redis")
    process = subprocess.Popen(
        [redis, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(folder)],
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


@pytest.fixture
def redis_port(tmp_path: Path) -> Iterator[int]:
    port = free_port()
    process = start_redis(port, tmp_path)
    yield port
    subprocess.run(["redis-cli", "-p", str(port), "shutdown", "nosave"], capture_output=True)
    process.wait(timeout=10)


def test_a_lock_read_during_a_redis_restart_waits_and_succeeds(
    redis_port: int, tmp_path: Path
) -> None:
    store = SelectableLockStore(
        EndpointConfig(url="127.0.0.1", backend="redis", port=str(redis_port), db="0")
    )
    assert isinstance(store, RedisLockStore)
    store.save_lock(TicketLock("shopper-1"))
    subprocess.run(["redis-cli", "-p", str(redis_port), "shutdown", "nosave"], check=True)
    restarted: list[subprocess.Popen[bytes]] = []
    timer = threading.Timer(1.5, lambda: restarted.append(start_redis(redis_port, tmp_path)))
    timer.start()
    try:
        started = time.monotonic()
        # Redis is down for 1.5 s: the read waits for it instead of raising.
        assert store.get_lock("shopper-1") is None  # a fresh Redis (no save) holds no lock
        assert 1.0 < time.monotonic() - started < 8
    finally:
        timer.join()
        for process in restarted:
            subprocess.run(
                ["redis-cli", "-p", str(redis_port), "shutdown", "nosave"], capture_output=True
            )
            process.wait(timeout=10)
