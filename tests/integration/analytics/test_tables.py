"""The analytics tables on a fresh database, created by several threads or processes at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from analytics.live import analytics_engine
from analytics.tables import create_tables, metadata

THREADS = 8
ATTEMPTS = 10


def at_once(work: list[Callable[[], object]]) -> list[BaseException | None]:
    """Run each callable on its own thread, all released together; what each one raised."""
    start = threading.Barrier(len(work))
    raised: list[BaseException | None] = [None] * len(work)

    def run(index: int) -> None:
        start.wait()
        try:
            work[index]()
        except BaseException as exc:  # kept: a thread's exception is lost otherwise
            raised[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return raised


def tables_of(engine: Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def test_threads_that_create_the_tables_at_once_all_succeed(tmp_path: Path) -> None:
    """The desk's follower and a supervisor's first figures request both create the tables of
    a fresh database; neither may fail because the other got there first."""
    for attempt in range(ATTEMPTS):
        engine = analytics_engine(f"sqlite:///{tmp_path}/threads-{attempt}.db")
        assert at_once([partial(create_tables, engine)] * THREADS) == [None] * THREADS
        assert tables_of(engine) == set(metadata.tables)
        engine.dispose()


def test_a_table_another_process_creates_meanwhile_does_not_fail_the_desk(
    tmp_path: Path,
) -> None:
    """The analytics consumer (``python -m analytics``) and the desk may share one database:
    the other process, here a second engine outside the desk's lock, creates the same tables
    at the same moment."""
    for attempt in range(ATTEMPTS):
        url = f"sqlite:///{tmp_path}/processes-{attempt}.db"
        desk, consumer = analytics_engine(url), analytics_engine(url)
        desk_raised, _ = at_once(
            [partial(create_tables, desk), partial(metadata.create_all, consumer)]
        )
        assert desk_raised is None
        assert tables_of(desk) == set(metadata.tables)
        desk.dispose()
        consumer.dispose()
