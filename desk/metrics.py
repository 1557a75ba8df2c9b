"""The hand-off queue for Prometheus: how long the longest-waiting shopper has waited.

Read from the desk's database at each scrape, so the figure is exact whichever desk process
Prometheus asks. A merchant with nobody waiting reports 0 once it has had a ticket; the alert
on it is in deploy/prometheus/alerts.yml (``AftercareHandoffQueueWaiting``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

from prometheus_client import REGISTRY
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desk.models import QUEUED, Ticket
from webkit.db import SqlDatabase

NAME = "aftercare_handoff_queue_oldest_seconds"


class QueueAge(Collector):
    """Seconds the oldest queued ticket of each merchant has waited."""

    def __init__(self, database: SqlDatabase, clock: Callable[[], dt.datetime]) -> None:
        self.database = database
        self.clock = clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            NAME, "Seconds the oldest queued hand-off has waited, by tenant.", labels=["tenant"]
        )
        now = self.clock()
        for merchant, oldest in self.database.run_sync(_oldest_queued):
            waited = (now - oldest).total_seconds() if oldest is not None else 0.0
            gauge.add_metric([merchant], max(waited, 0.0))
        yield gauge


def _oldest_queued(session: Session) -> list[tuple[str, dt.datetime | None]]:
    """Each merchant that has tickets, with its oldest queued ticket's creation (or None)."""
    queued = func.min(Ticket.created_at).filter(Ticket.status == QUEUED)
    rows = session.execute(select(Ticket.merchant, queued).group_by(Ticket.merchant)).all()
    return [(merchant, oldest) for merchant, oldest in rows]


_current: list[QueueAge] = []


def watch_queue(database: SqlDatabase, clock: Callable[[], dt.datetime]) -> QueueAge:
    """Report this database's queue on ``/metrics`` (replacing a desk app started before)."""
    for collector in _current:
        REGISTRY.unregister(collector)
    _current[:] = [QueueAge(database, clock)]
    REGISTRY.register(_current[0])
    return _current[0]
