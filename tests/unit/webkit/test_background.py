"""An app's lifetime tasks end as it starts to stop, before aiohttp waits for stray tasks; a
background loop's idle wait ends when it is woken."""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import AsyncIterator, Awaitable

from aiohttp import web

from stack.isolated import free_port
from tests.fakes.services import exit_code_after_sigterm
from webkit.background import BackgroundLoop, LifetimeTasks


async def test_the_tasks_have_ended_when_the_cleanup_contexts_exit() -> None:
    app = web.Application()
    tasks = LifetimeTasks(app)
    seen: dict[str, bool] = {}

    async def forever() -> None:
        while True:
            await asyncio.sleep(3600)

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        task = tasks.start(forever(), "forever")
        yield
        seen["ended before cleanup"] = task.done()

    app.cleanup_ctx.append(ctx)
    runner = web.AppRunner(app)
    await runner.setup()
    await runner.cleanup()
    assert seen == {"ended before cleanup": True}


# A service whose loop keeps creating tasks, as aio-pika's connection does: run by run_app as
# the desk is, it must exit on SIGTERM at once instead of after aiohttp's 60 s wait.
SERVICE = textwrap.dedent(
    """
    import asyncio, sys
    from aiohttp import web
    from webkit.background import LifetimeTasks

    async def churn():
        while True:
            await asyncio.wait_for(asyncio.sleep(3600), 3600)  # a task of its own each round

    async def ctx(app):
        app["tasks"].start(churn(), "churn")
        print("up", flush=True)
        yield

    app = web.Application()
    app["tasks"] = LifetimeTasks(app)
    app.cleanup_ctx.append(ctx)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
    """
)


def test_a_service_run_by_run_app_stops_on_sigterm_without_aiohttps_minute_of_waiting() -> None:
    # settled into the loop's first wait; aiohttp alone would wait 60 s for the churn
    assert exit_code_after_sigterm(SERVICE, str(free_port()), settle_s=0.3, within_s=20) == 0


async def test_a_woken_loop_stops_idling_at_once_and_keeps_a_wake_that_came_as_it_worked() -> None:
    loop = BackgroundLoop()
    waiting = asyncio.create_task(loop.idle(3600))
    await asyncio.sleep(0.05)
    assert not waiting.done() and loop.idling
    loop.wake()
    await asyncio.wait_for(waiting, 5)
    assert not loop.idling
    loop.wake()  # while the loop works, before its next wait
    await asyncio.wait_for(loop.idle(3600), 5)
    assert not await _returns_within(loop.idle(3600), 0.2)  # each wake ends one wait


async def _returns_within(wait: Awaitable[None], seconds: float) -> bool:
    try:
        await asyncio.wait_for(wait, seconds)
    except asyncio.TimeoutError:
        return False
    return True
