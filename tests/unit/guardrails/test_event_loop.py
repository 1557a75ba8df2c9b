"""Rasa's switch to asyncio's debug mode at DEBUG, as the launcher and ``rasa`` leave it."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Iterator

import pytest
import rasa.utils.io

from guardrails.event_loop import install_loop_debug_on_request


@pytest.fixture
def loop(monkeypatch: pytest.MonkeyPatch) -> Iterator[asyncio.AbstractEventLoop]:
    """A new event loop, with Rasa's function put back after the test."""
    monkeypatch.setattr(
        rasa.utils.io, "enable_async_loop_debugging", rasa.utils.io.enable_async_loop_debugging
    )
    fresh = asyncio.new_event_loop()
    yield fresh
    fresh.close()


def enable_from_a_task(loop: asyncio.AbstractEventLoop, **settings: float) -> None:
    """Rasa's call as its server makes it: from a task on the loop it is about."""

    async def call() -> None:
        rasa.utils.io.enable_async_loop_debugging(loop, **settings)

    loop.run_until_complete(call())


def test_at_debug_rasas_server_loop_stays_out_of_asyncio_debug_mode(
    loop: asyncio.AbstractEventLoop,
) -> None:
    install_loop_debug_on_request(rasa.utils.io)

    enable_from_a_task(loop)

    assert not loop.get_debug()


def test_a_loop_python_put_in_debug_mode_gets_rasas_settings_for_it(
    loop: asyncio.AbstractEventLoop,
) -> None:
    loop.set_debug(True)  # as PYTHONASYNCIODEBUG=1 or python -X dev start it
    install_loop_debug_on_request(rasa.utils.io)

    with warnings.catch_warnings():
        enable_from_a_task(loop, slow_callback_duration=0.02)
        assert ("always", None, ResourceWarning, None, 0) in warnings.filters

    assert loop.get_debug() and loop.slow_callback_duration == 0.02


def test_installed_twice_rasas_function_is_wrapped_once(loop: asyncio.AbstractEventLoop) -> None:
    install_loop_debug_on_request(rasa.utils.io)
    once = rasa.utils.io.enable_async_loop_debugging
    install_loop_debug_on_request(rasa.utils.io)

    assert rasa.utils.io.enable_async_loop_debugging is once
