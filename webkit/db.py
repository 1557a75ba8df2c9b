"""Engine, sessions and the bridge from asyncio handlers to synchronous SQLAlchemy.

`aiosqlite` is not a dependency of the project, so SQLAlchemy's asyncio extension cannot
drive SQLite here. Instead each unit of database work is a plain synchronous function that
receives a `Session`; `Database.run` executes it on a small dedicated thread pool so the
event loop never blocks on I/O. Swapping in `create_async_engine` later changes this module
and the repositories only.

Changes run with `write=True`. On SQLite they are serialised by a lock in the process:
SQLite allows one writer anyway, and two threads that both read and then try to write
would otherwise deadlock on its file lock and fail with "database is locked" instead of
waiting. Other databases need no lock; row locks and unique keys do that job.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import MetaData, create_engine, event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import Delete, TableClause, Update

logger = logging.getLogger(__name__)

T = TypeVar("T")


def safe_url(url: str) -> str:
    """A database URL fit for a log line: its password, if any, shown as ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy reads: say so without echoing it
        return "<unreadable database URL>"


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite"):
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def create_engine_for(url: str) -> Engine:
    """Create an engine, preparing SQLite so it is safe to use from the worker threads.

    For a SQLite file the parent directory is created (the default `var/commerce.db` lives
    in a folder git does not track), connections may cross threads, and foreign keys are
    enforced, which SQLite does not do unless asked on every connection.
    """
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite"):
        return create_engine(url, future=True, pool_pre_ping=True)

    path = sqlite_path(url)
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
    if path is None:
        # One shared connection, or every thread would see its own empty in-memory database.
        kwargs["poolclass"] = StaticPool
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True, **kwargs)

    @event.listens_for(engine, "connect")
    def _enable_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


# Ids a database is asked about at a time: each is a bound parameter of the query, and
# databases cap those (SQLite at 999 before 3.32).
IDS_PER_QUERY = 500


def chunks(items: Sequence[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of at most ``size``: what one query or one request may name."""
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def in_batches(column: ColumnElement[Any], ids: Sequence[str]) -> list[ColumnElement[bool]]:
    """``column IN (...)`` over ``ids``, :data:`IDS_PER_QUERY` at a time (none for no ids).

    Given to :func:`erase_rows` together, the batches are deleted in one transaction, with
    one rewrite of a SQLite file.
    """
    return [column.in_(chunk) for chunk in chunks(list(ids), IDS_PER_QUERY)]


def erase_rows(
    url: str,
    deletions: Sequence[tuple[TableClause, ColumnElement[bool]]],
    also: Sequence[Delete | Update] = (),
) -> int:
    """Delete the rows each ``(table, where)`` selects, leaving nothing of them behind; the
    number deleted.

    ``also`` runs in the same transaction, uncounted (bookkeeping that must change with the
    erasure). On SQLite, ``secure_delete`` zeroes the rows this connection deletes, and the
    file is then written afresh (:func:`rewrite_sqlite`) for the copies it cannot reach, if
    anything was deleted. A database or a table that does not exist yet holds nothing: it is
    not created, and counts 0. The engine is disposed afterwards: erasure is rare, and a
    pooled connection would hold the file open.
    """
    path = sqlite_path(url)
    if path is not None and not path.is_file():
        return 0
    deleted = 0
    engine = create_engine(url, future=True)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                conn.execute(text("PRAGMA secure_delete = ON"))
            existing = set(inspect(conn).get_table_names())
            for table, where in deletions:
                if table.name in existing:
                    deleted += int(conn.execute(table.delete().where(where)).rowcount or 0)
            for statement in also:
                if statement.table.name in existing:
                    conn.execute(statement)
    finally:
        engine.dispose()
    if deleted:
        rewrite_sqlite(url)
    return deleted


def rewrite_sqlite(url: str) -> None:
    """Write a SQLite file afresh (``VACUUM``), so nothing of the deleted rows survives in it.

    ``secure_delete`` zeroes the rows its own connection deletes, but not the copies SQLite
    left behind earlier: the free space of a page another connection rearranged, or rows a
    connection deleted on a SQLite built without secure delete (the stock default), such as
    the outbox rows the Rasa server removes once RabbitMQ confirmed them. Only a rewrite
    reaches those. It locks the file for its duration: a writer waits for it. Other databases
    are left to their own vacuum.
    """
    path = sqlite_path(url)
    if path is None or not path.is_file():
        return
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("VACUUM")


class SqlDatabase:
    """An engine, a session factory and the thread pool database work runs on.

    A service subclasses it with its own ``metadata`` (its models' tables), so the schema
    methods know which tables are its own.

    Args:
        url: SQLAlchemy database URL.
        max_workers: Threads for database work; SQLite serialises writers anyway, and most
            requests only read, so a handful is plenty.
    """

    metadata: MetaData

    def __init__(self, url: str, *, max_workers: int = 4, thread_name: str = "db") -> None:
        self.url = url
        self.engine = create_engine_for(url)
        self._write_lock: threading.Lock | None = (
            threading.Lock() if self.engine.dialect.name == "sqlite" else None
        )
        self._sessions = sessionmaker(bind=self.engine, future=True, expire_on_commit=False)
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=thread_name)

    def session(self) -> Session:
        """A new session; use it as a context manager."""
        return self._sessions()

    def run_sync(self, work: Callable[[Session], T]) -> T:
        """Run `work` in a fresh session on the calling thread."""
        with self._sessions() as session:
            return work(session)

    def run_write_sync(self, work: Callable[[Session], T]) -> T:
        """Run `work`, which writes and commits itself, in a fresh session on this thread."""
        if self._write_lock is None:
            return self.run_sync(work)
        with self._write_lock:
            return self.run_sync(work)

    async def run(self, work: Callable[[Session], T], *, write: bool = False) -> T:
        """Run `work` in a fresh session on the database thread pool.

        Whatever `work` returns must be fully loaded before the session closes: ORM objects
        come back detached, so relationships have to be eager-loaded inside `work`.

        Args:
            work: The unit of work; it commits itself if it writes.
            write: True for work that writes (serialised on SQLite, see the module notes).
        """
        loop = asyncio.get_running_loop()
        runner = self.run_write_sync if write else self.run_sync
        return await loop.run_in_executor(self._executor, runner, work)

    def create_schema(self) -> None:
        self.metadata.create_all(self.engine)

    def drop_schema(self) -> None:
        self.metadata.drop_all(self.engine)

    def has_schema(self) -> bool:
        """True when every table and column of the models exists.

        A store seeded by an older version lacks the newer tables or columns; it has to be
        seeded again rather than fail on the first request that needs them.
        """
        inspector = inspect(self.engine)
        existing = set(inspector.get_table_names())
        if not set(self.metadata.tables) <= existing:
            return False
        return all(
            set(table.columns.keys()) <= {column["name"] for column in inspector.get_columns(name)}
            for name, table in self.metadata.tables.items()
        )

    def close(self) -> None:
        """Stop the worker threads and close pooled connections."""
        self._executor.shutdown(wait=True)
        self.engine.dispose()
