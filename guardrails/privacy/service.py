"""Every store that holds a conversation, and what export, deletion and retention do there."""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from guardrails.pii import get_scrubber
from guardrails.pii.events import EventProtector, fernet_from_env
from webkit.db import erase_rows, in_batches

DEFAULT_EVENT_FILE = "var/events.log"
# Rasa's events table, in the tracker store and in the sql broker's database alike.
EVENTS = sa.table("events", sa.column("sender_id"))


# Other packages' stores that keep something of a conversation register an eraser here
# (pyproject.toml): ``name = "package.module:erase"``, with ``erase(env, sender_ids)``
# returning the rows it deleted, reported as ``<name>_rows``. This package imports none of them
# (the desk is a service of its own), and a store added later is erased without a change here.
SHOPPER_STORES = "aftercare.shopper_stores"

Eraser = Callable[[Mapping[str, str], Sequence[str]], int]


class UnknownShopper(LookupError):
    """Nothing is stored about this shopper."""


class ErasureIncomplete(RuntimeError):
    """A store could not be erased; the others were, and the conversation can still be found.

    Args:
        removed: What was removed where (the report so far).
        failures: One line per store that failed, with the reason.
    """

    def __init__(self, removed: dict[str, int], failures: list[str]) -> None:
        super().__init__("; ".join(failures))
        self.removed = removed
        self.failures = failures


def shopper_stores() -> dict[str, Eraser]:
    """Each registered store's eraser, by the key of its count in a deletion's report.

    Raises:
        RuntimeError: none is registered: the project is not installed (``make install``),
            and a deletion would silently leave the desk's, analytics' and proactive rows.
    """
    found = {f"{ep.name}_rows": ep.load() for ep in entry_points(group=SHOPPER_STORES)}
    if not found:
        raise RuntimeError(f"no {SHOPPER_STORES} entry point: install the project (make install)")
    return dict(sorted(found.items()))


@dataclass
class PrivacyStores:
    """Where conversations rest, from the same settings the stack gives the Rasa server.

    Args:
        tracker_url: The tracker store's SQLAlchemy URL (``TRACKER_STORE_URL``).
        broker: ``EVENT_BROKER`` (only ``sql`` and ``file`` keep events where we can reach
            them; RabbitMQ and Kafka hand them to consumers, who own their retention).
        broker_url: ``EVENT_BROKER_URL``.
        log_dirs: Folders of the servers' log files.
        env: The stack's settings, for the other stores that keep something of a
            conversation (the desk, analytics, proactive messages: :func:`shopper_stores`).
    """

    tracker_url: str
    broker: str = "none"
    broker_url: str | None = None
    log_dirs: list[Path] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> PrivacyStores:
        """From the stack's variables (``AFTERCARE_LOG_DIRS``: folders separated by ``:``)."""
        env = dict(os.environ if env is None else env)
        dirs = env.get("AFTERCARE_LOG_DIRS") or "var/log"
        return cls(
            tracker_url=env["TRACKER_STORE_URL"],
            broker=(env.get("EVENT_BROKER") or "none").strip().lower(),
            broker_url=env.get("EVENT_BROKER_URL") or None,
            log_dirs=[Path(d) for d in dirs.split(":") if d],
            env=env,
        )

    # --- finding a shopper ---------------------------------------------------------------

    def sender_ids_for_customer(self, customer_id: str) -> list[str]:
        """Conversations in which the shopper was identified as ``customer_id``.

        The slot is stored encrypted (some stores spell a customer id with the name), so each
        candidate row is decrypted to compare.
        """
        found = []
        protector = self._protector()
        with self._tracker() as conn:
            if not _has_events(conn):
                return []
            rows = conn.execute(
                sa.text(
                    "SELECT DISTINCT sender_id, data FROM events WHERE type_name = 'slot' "
                    "AND data LIKE :pattern"
                ),
                {"pattern": '%"customer_id"%'},
            ).all()
        for sender_id, data in rows:
            event = protector.reveal(json.loads(data))
            if event.get("name") == "customer_id" and event.get("value") == customer_id:
                found.append(sender_id)
        return sorted(set(found))

    @staticmethod
    def _protector() -> EventProtector:
        """Reads what the tracker store encrypted (the key is needed: fail if it is missing)."""
        scrubber = get_scrubber()
        rules = scrubber.config.tracker
        return EventProtector(scrubber, rules, fernet_from_env(rules))

    # --- export ------------------------------------------------------------------------

    def export(self, sender_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        """Every stored event of the conversations, encrypted slots decrypted for the shopper."""
        protector = self._protector()
        out: dict[str, list[dict[str, Any]]] = {}
        with self._tracker() as conn:
            for sender_id in sender_ids if _has_events(conn) else []:
                rows = conn.execute(
                    sa.text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"),
                    {"s": sender_id},
                ).all()
                if rows:
                    out[sender_id] = [protector.reveal(json.loads(r[0])) for r in rows]
        if not out:
            raise UnknownShopper("nothing is stored for this shopper")
        return out

    # --- deletion ------------------------------------------------------------------------

    def delete(self, sender_ids: Iterable[str]) -> dict[str, int]:
        """Remove the conversations from every store; the count removed from each.

        Each store is erased once: the files (the file broker's log, the servers' logs) are
        read and rewritten once, and each database deletes in one transaction, asked
        :data:`webkit.db.IDS_PER_QUERY` conversations at a time (:func:`webkit.db.in_batches`).
        """
        ids = sorted(set(sender_ids))
        erasers = shopper_stores()
        report = {"tracker_events": 0, "broker_events": 0, "log_lines": 0}
        report.update({key: 0 for key in erasers})
        if not ids:
            return report
        report["broker_events"] = self._delete_from_broker(ids)
        report["log_lines"] = self._delete_from_logs(ids)
        failed = []
        for key, erase in erasers.items():  # every one, even after one failed
            try:
                report[key] = erase(self.env, ids)
            except Exception as exc:  # a locked database, a missing key: said, not hidden
                failed.append(f"{key.removesuffix('_rows')}: {type(exc).__name__}: {exc}")
        if failed:
            raise ErasureIncomplete(report, failed)
        # The tracker last: it is how a conversation (and a customer's) is found, so an
        # erasure that failed above can be asked again and finds what is left.
        report["tracker_events"] = erase_rows(self.tracker_url, _events_of(ids))
        return report

    def purge(
        self, older_than_days: int, now: float | None = None
    ) -> tuple[list[str], dict[str, int]]:
        """Delete every conversation whose latest event is older than ``older_than_days``."""
        if older_than_days < 1:
            raise ValueError("older_than_days must be at least 1")
        cutoff = (time.time() if now is None else now) - older_than_days * 86400
        with self._tracker() as conn:
            if not _has_events(conn):
                return [], self.delete([])
            rows = conn.execute(
                sa.text(
                    "SELECT sender_id FROM events GROUP BY sender_id "
                    "HAVING MAX(timestamp) < :cutoff"
                ),
                {"cutoff": cutoff},
            ).all()
        expired = [r[0] for r in rows]
        return expired, self.delete(expired)

    def _delete_from_broker(self, sender_ids: list[str]) -> int:
        if self.broker == "sql" and self.broker_url:
            return erase_rows(self.broker_url, _events_of(sender_ids))
        if self.broker == "file":
            wanted = set(sender_ids)

            def mentions(line: str) -> bool:
                try:
                    return json.loads(line).get("sender_id") in wanted
                except (ValueError, AttributeError):
                    return False

            return _remove_lines(Path(self.broker_url or DEFAULT_EVENT_FILE), mentions)
        return 0

    def _delete_from_logs(self, sender_ids: list[str]) -> int:
        """Log lines that name the conversation (the text in them is already scrubbed)."""
        pattern = re.compile(
            r"(?<![\w-])(?:" + "|".join(re.escape(s) for s in sender_ids) + r")(?![\w-])"
        )
        removed = 0
        for folder in self.log_dirs:
            for path in sorted(folder.glob("*.log*")) if folder.is_dir() else []:
                removed += _remove_lines(path, lambda line: bool(pattern.search(line)))
        return removed

    @contextlib.contextmanager
    def _tracker(self) -> Iterator[sa.engine.Connection]:
        """The tracker store to read, on a fresh engine disposed afterwards (rare requests)."""
        engine = sa.create_engine(self.tracker_url)
        try:
            with engine.connect() as conn:
                yield conn
        finally:
            engine.dispose()


def _events_of(sender_ids: list[str]) -> list[tuple[sa.TableClause, sa.ColumnElement[bool]]]:
    """Rasa's events of the conversations, one deletion per batch of ids."""
    return [(EVENTS, where) for where in in_batches(EVENTS.c.sender_id, sender_ids)]


def _has_events(conn: sa.engine.Connection) -> bool:
    """False before Rasa wrote its first event (the table does not exist yet)."""
    return bool(sa.inspect(conn).has_table("events"))


def _remove_lines(path: Path, matches: Any) -> int:
    """Rewrite ``path`` in place without the matching lines; the count removed.

    In place (not a new file) so a server appending to it (``O_APPEND``) keeps writing to the
    same file; lines appended while this runs may be lost, which a log can afford.
    """
    if not path.is_file():
        return 0
    with path.open("r+", encoding="utf-8", errors="replace") as handle:
        lines = handle.readlines()
        kept = [line for line in lines if not matches(line)]
        if len(kept) == len(lines):
            return 0
        handle.seek(0)
        handle.writelines(kept)
        handle.truncate()
    return len(lines) - len(kept)
