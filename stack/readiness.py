"""When production mode counts as up: every server answers, and HAProxy sends turns to each.

Kept apart from the rendering and supervision in :mod:`stack.production`: these checks only
read health URLs, HAProxy's statistics and the servers' logs.
"""

from __future__ import annotations

import csv
import http.client
import io
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from stack.processes import healthy

BALANCED = ("rasa_servers", "action_servers")


class NotHealthy(RuntimeError):
    """Some servers did not answer in time; ``pending`` names them."""

    def __init__(self, pending: list[str], timeout_s: float) -> None:
        super().__init__(f"not healthy after {timeout_s:.0f} s: {', '.join(pending)}")
        self.pending = pending


def wait_until_healthy(
    urls: dict[str, str], timeout_s: float, check: Callable[[str], bool] = healthy
) -> None:
    """Wait for every URL to answer; name the ones that did not."""
    deadline = time.monotonic() + timeout_s
    pending = dict(urls)
    while pending:
        for name, url in list(pending.items()):
            if check(url):
                del pending[name]
        if pending and time.monotonic() > deadline:
            raise NotHealthy(list(pending), timeout_s)
        if pending:
            time.sleep(1)


def every_server_up(stats_csv_url: str) -> bool:
    """True when HAProxy's statistics show every Rasa and action server UP.

    A server answering its own health URL is not yet one HAProxy sends turns to: HAProxy
    waits for two good checks in a row (``rise 2``), two seconds apart.
    """
    try:
        with urllib.request.urlopen(stats_csv_url, timeout=2) as response:
            text = response.read().decode("utf-8")
    except (urllib.error.URLError, OSError, http.client.HTTPException):
        return False
    rows = csv.DictReader(io.StringIO(text.lstrip("# ")))
    servers = [
        row["status"]
        for row in rows
        if row["pxname"] in BALANCED and row["svname"] not in ("FRONTEND", "BACKEND")
    ]
    return bool(servers) and all(status == "UP" for status in servers)


def log_tails(log_dir: Path, names: list[str], lines: int = 8) -> str:
    """The last lines of each named program's log.

    An error that only said that a server never answered would not say why, and the run
    folder with the logs may be gone by the time anyone reads it.
    """
    tails = []
    for name in names:
        path = log_dir / f"{name}.log"
        if path.is_file():
            last = path.read_text(errors="replace").splitlines()[-lines:]
            tails.append(f"\n--- {path} (last {len(last)} lines)\n" + "\n".join(last))
    return "".join(tails)
