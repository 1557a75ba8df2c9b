"""The designers' pseudo-terminal answers a cursor position request as a real terminal does."""

from __future__ import annotations

import sys

from tests.conftest import ROOT
from tests.designers.terminal import Terminal

# Asks where the cursor is in two writes (a request split across reads), once, and prints the
# answer it read from the terminal in raw mode, as prompt_toolkit does.
ASKS = r"""
import os, sys, time, tty
tty.setraw(0)
os.write(1, b"ready\r\n\x1b[")
time.sleep(0.2)
os.write(1, b"6n")
answer = b""
while not answer.endswith(b"R"):
    answer += os.read(0, 1)
os.write(1, b"\r\nanswer=" + answer[1:] + b"\r\n")
"""


def test_a_cursor_position_request_gets_one_answer_with_row_and_column() -> None:
    terminal = Terminal([sys.executable, "-c", ASKS], ROOT, {})
    try:
        found = terminal.expect(r"answer=\[(\d+);(\d+)R", timeout_s=30)
        assert terminal.wait(timeout_s=30) == 0, terminal.tail()
    finally:
        terminal.close()
    assert int(found.group(1)) == 2  # one line printed before the request: the second row
    assert int(found.group(2)) >= 1
    assert terminal.screen.count("answer=") == 1
