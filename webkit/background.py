"""Loops a service keeps running beside its requests: started once, cancelled on stop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine, Sequence
from typing import Any

from aiohttp import web


class BackgroundLoop:
    """A loop that idles until woken or its poll is due: the outbox relay of each Rasa process
    (run between :meth:`start` and :meth:`stop`) and the proactive dispatcher (run as one of its
    app's :class:`LifetimeTasks`)."""

    task_name = "background"
    _task: asyncio.Task[None] | None = None
    _woken: asyncio.Event | None = None
    # True while the loop waits for work (its ``idle``): nothing it was woken for is pending
    idling: bool = False

    def wake(self) -> None:
        """New work was committed: end the loop's idle wait now instead of at its timeout."""
        self._wake_event().set()

    async def idle(self, timeout_s: float) -> None:
        """Wait until :meth:`wake` is called or ``timeout_s`` has passed.

        A wake that comes while the loop works is kept, so the next wait returns at once and
        nothing committed meanwhile waits for the timeout.
        """
        woken = self._wake_event()
        self.idling = not woken.is_set()
        try:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(woken.wait(), timeout_s)
        finally:
            self.idling = False
        woken.clear()

    def _wake_event(self) -> asyncio.Event:
        if self._woken is None:
            self._woken = asyncio.Event()
        return self._woken

    def start(self) -> None:
        """Run on the running event loop (once; again if it ever stopped)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self.run(), name=self.task_name)

    async def stop(self) -> None:
        """Cancel the loop and wait until it has ended."""
        if self._task is not None:
            await cancel_and_wait([self._task])

    async def run(self) -> None:
        raise NotImplementedError


class LifetimeTasks:
    """Tasks an aiohttp app runs for as long as it serves, cancelled when it starts to stop.

    aiohttp's ``run_app`` (3.9) stops in this order: the ``on_shutdown`` handlers, then a
    wait of up to 60 s for every task created after start-up, then the ``cleanup_ctx`` exits.
    A loop cancelled only in its ``cleanup_ctx`` is still running during that wait, and the
    tasks it creates as it goes (aio-pika's connection tasks, ``asyncio.wait_for``'s) are
    waited for: the process outlives its supervisor's patience and is killed (the desk took
    15 s and a SIGKILL to stop in production mode). Cancelled at ``on_shutdown``, those loops
    have ended before the wait begins.
    """

    def __init__(self, app: web.Application) -> None:
        self._tasks: list[asyncio.Task[None]] = []
        app.on_shutdown.append(self._cancel)  # type: ignore[arg-type]  # aiohttp 3.9 types it for aiosignal<1.4

    def start(self, loop: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        """Run ``loop`` until the app stops."""
        task = asyncio.get_running_loop().create_task(loop, name=name)
        self._tasks.append(task)
        return task

    async def _cancel(self, _app: web.Application) -> None:
        tasks, self._tasks = self._tasks, []
        await cancel_and_wait(tasks)


async def cancel_and_wait(tasks: Sequence[asyncio.Task[None]]) -> None:
    """Cancel every task, then wait until each has ended (all cancelled before any wait)."""
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
