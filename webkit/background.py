"""A loop a service keeps running beside its requests: started once, cancelled on stop."""

from __future__ import annotations

import asyncio
import contextlib


class BackgroundLoop:
    """Runs :meth:`run` as a task of the running event loop between :meth:`start` and
    :meth:`stop`: the outbox relay of each Rasa process, the proactive dispatcher."""

    task_name = "background"
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Run on the running event loop (once; again if it ever stopped)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self.run(), name=self.task_name)

    async def stop(self) -> None:
        """Cancel the loop and wait until it has ended."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def run(self) -> None:
        raise NotImplementedError
