"""Where the test suite's CPU goes: each test's CPU, its servers' included, per pytest worker.

``make pytest PYTEST_ADDOPTS="-p tests.cpu_usage --cpu-report=DIR"`` writes one JSON file per
worker into ``DIR``: ``[node id, CPU seconds, wall seconds]`` for each test, setup and teardown
included. A test's CPU is that of its worker, of the processes the worker has reaped, and of
every process still running below it (read from ``/proc``), so a stack a fixture started counts
for the tests during which it worked. Production mode's servers run under supervisord, outside
the worker's tree, and are not counted. Linux only (docs/performance.md, fifteenth step).
"""

from __future__ import annotations

import json
import os
import resource
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.network import descendants

TICKS = os.sysconf("SC_CLK_TCK")
ROWS: list[tuple[str, float, float]] = []


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--cpu-report", metavar="DIR", help="write each test's CPU seconds here")


def _cpu_seconds() -> float:
    """This process's CPU, its reaped children's, and that of every live process below it."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    for pid in descendants(os.getpid()) - {os.getpid()}:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended meanwhile: its time is in RUSAGE_CHILDREN once reaped
        total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    if not item.config.getoption("cpu_report"):
        yield
        return
    cpu, wall = _cpu_seconds(), time.monotonic()
    yield
    ROWS.append((_own_id(item), _cpu_seconds() - cpu, time.monotonic() - wall))


def _own_id(item: pytest.Item) -> str:
    """The test's node id without the ``@<group>`` that ``--dist loadgroup`` adds to it."""
    mark = item.get_closest_marker("xdist_group")
    suffix = f"@{mark.args[0]}" if mark and mark.args else None
    if suffix and item.nodeid.endswith(suffix):
        return item.nodeid[: -len(suffix)]
    return item.nodeid


def pytest_sessionfinish(session: pytest.Session) -> None:
    folder = session.config.getoption("cpu_report")
    if not folder or not ROWS:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    (Path(folder) / f"{worker}.json").write_text(json.dumps(ROWS), encoding="utf-8")
