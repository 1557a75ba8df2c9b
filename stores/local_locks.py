"""The lock store of a single Rasa instance: a waiting message goes the moment its turn comes.

Rasa handles one message of a conversation at a time; the next waits for the conversation's
lock. Rasa's ``InMemoryLockStore`` waits by looking again every second, so a shopper's second
message, sent while the first is being answered (the web chat lets them type on), waited up to
a whole second longer than the first took. ``LocalLockStore`` gives each conversation an
``asyncio.Lock``, which hands the lock to the next waiter in arrival order as soon as it is
released. Like Rasa's, it serves one process only; several instances use the Redis lease
store (``stores/locks.py``).

A message that waits longer than the lock's lifetime fails with ``LockError``, as with Rasa's
store. A waiter that gives up, or whose request is cancelled, never keeps the lock.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError


@dataclass
class _Conversation:
    lock: asyncio.Lock
    users: int = 0


class LocalLockStore(InMemoryLockStore):
    """Rasa's in-memory lock store, with waiters woken when the lock is free (module notes).

    It stays an ``InMemoryLockStore``, so Rasa still refuses it for several Sanic workers.
    """

    def __init__(self) -> None:
        super().__init__()
        self._conversations: dict[str, _Conversation] = {}

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncIterator[None]:
        """Hold the conversation's lock for the ``async with`` block.

        ``wait_time_in_seconds`` is Rasa's polling interval, unused: nobody polls here.
        """
        conversation = self._conversations.setdefault(
            conversation_id, _Conversation(asyncio.Lock())
        )
        conversation.users += 1
        try:
            if not await _acquire_within(conversation.lock, lock_lifetime):
                raise LockError(
                    f"Waited {lock_lifetime:g} s for the lock of conversation "
                    f"'{conversation_id}'; giving up."
                )
            try:
                yield None
            finally:
                conversation.lock.release()
        finally:
            conversation.users -= 1
            if not conversation.users:  # nothing kept for a conversation nobody is in
                del self._conversations[conversation_id]

    def waiting(self) -> int:
        """How many conversations have a message holding or waiting for their lock."""
        return len(self._conversations)


async def _acquire_within(lock: asyncio.Lock, timeout_s: float) -> bool:
    """Take ``lock`` within ``timeout_s``; never hold it after giving up or being cancelled."""
    attempt: asyncio.Future[bool] = asyncio.ensure_future(lock.acquire())
    try:
        done, _ = await asyncio.wait({attempt}, timeout=timeout_s)
    except BaseException:
        _abandon(attempt, lock)
        raise
    if done:
        return True
    _abandon(attempt, lock)
    return False


def _abandon(attempt: asyncio.Future[bool], lock: asyncio.Lock) -> None:
    """Cancel a pending acquire; if it got the lock all the same, release it at once."""

    def release_if_taken(finished: asyncio.Future[bool]) -> None:
        if not finished.cancelled() and finished.exception() is None:
            lock.release()

    attempt.cancel()
    attempt.add_done_callback(release_if_taken)
