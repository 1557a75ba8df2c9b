"""A second stack is refused while the lock is held or a port answers; the first is untouched."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from stack.isolated import free_port
from stack.running import AlreadyRunning, claim, ensure_not_running


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "STACK_LOCK_FILE": str(tmp_path / "stack.lock"),
        "RASA_PORT": str(free_port()),
        "ACTION_PORT": str(free_port()),
        "COMMERCE_PORT": str(free_port()),
        "DESK_PORT": str(free_port()),
    }


@pytest.fixture
def listening(env: dict[str, str]) -> Iterator[None]:
    """Something answers on the action server's port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", int(env["ACTION_PORT"])))
        sock.listen()
        yield


def test_when_nothing_runs_then_the_stack_may_start_and_records_where(env: dict[str, str]) -> None:
    ensure_not_running(env)
    lock = claim(env)
    content = Path(env["STACK_LOCK_FILE"]).read_text(encoding="utf-8")
    assert str(os.getpid()) in content and env["RASA_PORT"] in content
    lock.release()
    ensure_not_running(env)  # released: a new start is allowed


def test_when_the_lock_is_held_then_a_second_start_is_told_where_the_first_runs(
    env: dict[str, str],
) -> None:
    lock = claim(env)
    try:
        for attempt in (claim, ensure_not_running):
            with pytest.raises(AlreadyRunning) as refused:
                attempt(env)
            message = str(refused.value)
            assert message.startswith("Aftercare is already running")
            assert f"pid {os.getpid()}" in message
            assert f"http://127.0.0.1:{env['RASA_PORT']}/" in message
        assert str(os.getpid()) in Path(env["STACK_LOCK_FILE"]).read_text(encoding="utf-8")
    finally:
        lock.release()


@pytest.mark.usefixtures("listening")
def test_when_a_port_is_taken_then_the_start_is_refused_and_names_it(env: dict[str, str]) -> None:
    with pytest.raises(AlreadyRunning, match="Aftercare is already running") as refused:
        claim(env)
    assert f"port {env['ACTION_PORT']} (action server) is in use" in str(refused.value)
    ensure_not_running({**env, "ACTION_PORT": str(free_port())})
