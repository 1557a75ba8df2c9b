"""Is Aftercare already running here? Checked before anything starts, seeds or trains.

A second ``make run`` next to a running one used to get half-way: its servers found their ports
taken, and it then stopped them all and exited 0. Now ``python -m stack run`` first takes an
exclusive lock on ``STACK_LOCK_FILE`` (``var/stack.lock``) for its whole life and writes its
pid and ports into it, then checks that none of the four ports answers. Either finding stops
the second start with "Aftercare is already running", where, and a non-zero exit; the running
stack is not touched. The kernel drops the lock when its holder dies, even by ``kill -9``, so a
stale file never blocks a start.

``python -m stack.running`` answers the same question for the Makefile: exit 0 when nothing
runs, else the message and exit 1 (``make run`` and ``make seed`` ask before they seed or train).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from stack.settings import ROOT, stack_env

# (port variable, server, path of the page worth opening)
SERVERS = (
    ("RASA_PORT", "Rasa server", "/"),
    ("ACTION_PORT", "action server", "/health"),
    ("COMMERCE_PORT", "commerce backend", "/openapi.json"),
    ("DESK_PORT", "agent desk", "/console"),
)


class AlreadyRunning(RuntimeError):
    """Another stack holds the lock or the ports; the message says where."""


def lock_path(env: dict[str, str]) -> Path:
    """``STACK_LOCK_FILE``, relative to the repository unless absolute."""
    path = Path(env.get("STACK_LOCK_FILE") or "var/stack.lock")
    return path if path.is_absolute() else ROOT / path


def port_answers(port: int, host: str = "127.0.0.1") -> bool:
    """True if something accepts connections on ``host:port``."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def where(env: dict[str, str]) -> list[str]:
    """One line per server: its name and URL."""
    return [
        f"  {name:<17} http://127.0.0.1:{env[var]}{path}"
        for var, name, path in SERVERS
        if env.get(var)
    ]


def _holder_message(info: dict[str, Any], env: dict[str, str]) -> str:
    pid = info.get("pid")
    ports = info.get("ports") or {}
    shown = {**env, **{k: str(v) for k, v in ports.items()}}
    started = f", started {info['started']}" if info.get("started") else ""
    stop = f"Ctrl+C in its terminal, or kill {pid}" if pid else "Ctrl+C in its terminal"
    return "\n".join(
        [
            f"Aftercare is already running (pid {pid or 'unknown'}{started}):",
            *where(shown),
            f"Stop it first ({stop}), or give this one other ports (RASA_PORT, ACTION_PORT,",
            "COMMERCE_PORT, DESK_PORT and STACK_LOCK_FILE).",
        ]
    )


def busy_ports(env: dict[str, str]) -> list[tuple[str, str]]:
    """(server, port) for each of the stack's ports that already answers."""
    return [
        (name, env[var]) for var, name, _ in SERVERS if env.get(var) and port_answers(int(env[var]))
    ]


def _ports_message(busy: list[tuple[str, str]]) -> str:
    lines = [f"  port {port} ({name}) is in use" for name, port in busy]
    return "\n".join(
        [
            "Aftercare is already running, or another program holds its ports:",
            *lines,
            "Stop it first, or give this one other ports (RASA_PORT, ACTION_PORT, "
            "COMMERCE_PORT, DESK_PORT).",
        ]
    )


@dataclass
class RunLock:
    """The lock a running stack holds for its whole life (released by the kernel at exit)."""

    path: Path
    handle: IO[str]

    def release(self) -> None:
        """Clear the file's content and drop the lock."""
        with contextlib.suppress(OSError):
            self.handle.truncate(0)
        self.handle.close()


def _open(path: Path) -> IO[str]:
    path.parent.mkdir(parents=True, exist_ok=True)
    # read and write without truncating: the holder's content must survive a second opener
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    return os.fdopen(fd, "r+", encoding="utf-8")


def _read_holder(handle: IO[str]) -> dict[str, Any]:
    handle.seek(0)
    try:
        info = json.loads(handle.read() or "{}")
    except ValueError:
        return {}
    return info if isinstance(info, dict) else {}


def ensure_not_running(env: dict[str, str]) -> None:
    """Raise :class:`AlreadyRunning` if a stack holds the lock or any of the ports."""
    handle = _open(lock_path(env))
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning(_holder_message(_read_holder(handle), env)) from None
    finally:
        handle.close()  # closing drops a lock taken here
    busy = busy_ports(env)
    if busy:
        raise AlreadyRunning(_ports_message(busy))


def claim(env: dict[str, str]) -> RunLock:
    """Take the lock for this stack, or raise :class:`AlreadyRunning` and change nothing."""
    path = lock_path(env)
    handle = _open(path)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        info = _read_holder(handle)
        handle.close()
        raise AlreadyRunning(_holder_message(info, env)) from None
    busy = busy_ports(env)
    if busy:
        handle.close()
        raise AlreadyRunning(_ports_message(busy))
    handle.seek(0)
    handle.truncate(0)
    json.dump(
        {
            "pid": os.getpid(),
            "started": time.strftime("%Y-%m-%d %H:%M:%S"),
            "ports": {var: env[var] for var, _, _ in SERVERS if env.get(var)},
        },
        handle,
    )
    handle.flush()
    return RunLock(path, handle)


def main() -> int:
    """Exit 0 when no stack runs here; else say where it runs and exit 1."""
    try:
        ensure_not_running(stack_env())
    except AlreadyRunning as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
