"""A command driven through a pseudo-terminal, as a designer types into it.

``rasa shell`` and ``rasa interactive`` ask their questions with prompt_toolkit, which wants a
terminal: piping stdin is not enough, a pseudo-terminal is. prompt_toolkit also asks the
terminal where its cursor is (a cursor position request, ``ESC [ 6 n``) and, when no answer
comes, waits a second at every prompt before it goes on; a designer's terminal answers at
once, and so does this one.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import termios
import time
from pathlib import Path

from stack.processes import stop_process_group

ROWS, COLUMNS = 40, 120
CURSOR_POSITION_REQUEST = b"\x1b[6n"
ANSI = re.compile(r"\x1b(\[[0-9;?]*[ -/]*[@-~]|\][^\x07]*\x07|[()][0-9A-Za-z]|[=>])")


class Terminal:
    """One process on a pseudo-terminal: what it printed so far, and keys to send it."""

    def __init__(self, command: list[str], cwd: Path, env: dict[str, str]) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            env={**env, "TERM": "xterm"},
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
        )
        os.close(slave)
        self._fd = master
        self._raw = b""
        self._answered = 0  # cursor position requests answered so far

    @property
    def screen(self) -> str:
        """Everything printed so far, without terminal escape sequences."""
        return ANSI.sub("", self._raw.decode("utf-8", errors="replace")).replace("\r", "")

    def _read(self, timeout_s: float) -> bool:
        ready, _, _ = select.select([self._fd], [], [], timeout_s)
        if not ready:
            return False
        try:
            chunk = os.read(self._fd, 65536)
        except OSError:  # the process closed the terminal
            return False
        self._raw += chunk
        self._answer_cursor_requests()
        return bool(chunk)

    def _answer_cursor_requests(self) -> None:
        """Report the cursor's row and column (``ESC [ row ; col R``) for each new request.

        The position is where the text printed so far leaves it, the screen scrolled once the
        text is taller than it.
        """
        asked = self._raw.count(CURSOR_POSITION_REQUEST)
        if asked == self._answered:
            return
        screen = self.screen
        row = min(ROWS, screen.count("\n") + 1)
        column = min(COLUMNS, len(screen) - screen.rfind("\n"))
        for _ in range(asked - self._answered):
            os.write(self._fd, f"\x1b[{row};{column}R".encode())
        self._answered = asked

    def expect(self, pattern: str, timeout_s: float, start: int = 0) -> re.Match[str]:
        """Wait until ``pattern`` appears in the screen after character ``start``."""
        deadline = time.monotonic() + timeout_s
        while True:
            found = re.search(pattern, self.screen[start:])
            if found:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"no {pattern!r} within {timeout_s:.0f}s:\n{self.tail()}")
            if not self._read(min(1.0, deadline - time.monotonic())) and self.exited():
                raise AssertionError(f"exited before {pattern!r}:\n{self.tail()}")

    def send(self, keys: str) -> None:
        os.write(self._fd, keys.encode("utf-8"))

    def exited(self) -> bool:
        return self.process.poll() is not None

    def wait(self, timeout_s: float) -> int:
        """Wait for the process to end, reading what it prints meanwhile."""
        deadline = time.monotonic() + timeout_s
        while not self.exited() and time.monotonic() < deadline:
            self._read(0.5)
        return self.process.wait(timeout=max(0.1, deadline - time.monotonic()))

    def tail(self, chars: int = 3000) -> str:
        return self.screen[-chars:]

    def close(self) -> None:
        """Stop the process group if it is still running, and release the terminal."""
        if not self.exited():
            stop_process_group(self.process, grace_s=15)
        os.close(self._fd)
