"""One instance's lock store: a conversation's next message goes as soon as the previous is done."""

from __future__ import annotations

import asyncio
import time

import pytest
from rasa.core.lock_store import LockError

from stores.local_locks import LocalLockStore


async def turn(store: LocalLockStore, name: str, log: list[str], hold_s: float = 0.0) -> None:
    """One message's handling: take the conversation's lock, work, let go."""
    async with store.lock("shopper-1"):
        log.append(f"{name} in")
        await asyncio.sleep(hold_s)
        log.append(f"{name} out")


async def test_the_next_message_goes_the_moment_the_first_is_done() -> None:
    store, log = LocalLockStore(), []
    first = asyncio.create_task(turn(store, "a", log, hold_s=0.1))
    await asyncio.sleep(0)
    started = time.monotonic()
    await turn(store, "b", log)
    waited = time.monotonic() - started
    await first
    assert log == ["a in", "a out", "b in", "b out"]
    assert waited < 0.5  # Rasa's in-memory store looks again after a whole second


async def test_messages_are_served_in_arrival_order() -> None:
    store, log = LocalLockStore(), []
    tasks = []
    for name in "abcdef":
        tasks.append(asyncio.create_task(turn(store, name, log, hold_s=0.01)))
        await asyncio.sleep(0)
    await asyncio.gather(*tasks)
    assert [entry for entry in log if entry.endswith(" in")] == [f"{n} in" for n in "abcdef"]
    assert store.waiting() == 0


async def test_other_conversations_do_not_wait() -> None:
    store, log = LocalLockStore(), []
    held = asyncio.create_task(turn(store, "a", log, hold_s=5))
    await asyncio.sleep(0)
    async with store.lock("shopper-2"):
        assert not held.done()  # a still holds its lock (5 s): shopper-2 did not wait for it
    held.cancel()
    with pytest.raises(asyncio.CancelledError):
        await held


async def test_waiting_longer_than_the_lifetime_fails_and_keeps_nothing() -> None:
    store, log = LocalLockStore(), []
    held = asyncio.create_task(turn(store, "a", log, hold_s=0.3))
    await asyncio.sleep(0)
    with pytest.raises(LockError, match="shopper-1"):
        async with store.lock("shopper-1", lock_lifetime=0.1):
            log.append("b in")
    await held
    await turn(store, "c", log)
    assert log == ["a in", "a out", "c in", "c out"]
    assert store.waiting() == 0


async def test_a_cancelled_waiter_does_not_keep_the_lock() -> None:
    store, log = LocalLockStore(), []
    held = asyncio.create_task(turn(store, "a", log, hold_s=0.1))
    await asyncio.sleep(0)
    gone = asyncio.create_task(turn(store, "b", log))
    await asyncio.sleep(0.01)
    gone.cancel()  # the shopper's request went away while it waited
    await held
    await asyncio.wait_for(turn(store, "c", log), timeout=1)
    assert log == ["a in", "a out", "c in", "c out"]
    assert store.waiting() == 0


async def test_a_failing_message_releases_the_lock() -> None:
    store, log = LocalLockStore(), []
    with pytest.raises(RuntimeError):
        async with store.lock("shopper-1"):
            raise RuntimeError("the action server is down")
    await asyncio.wait_for(turn(store, "b", log), timeout=1)
    assert log == ["b in", "b out"]
