"""The stream followed while a server runs: which source, and the loop that reads it.

The desk runs this loop in the background (``desk/app.py``), so the embedded default needs
no process of its own for analytics. The source is the broker the Rasa server publishes to:

- ``EVENT_BROKER=file``: the log at ``EVENT_BROKER_URL`` (``var/events.log`` when empty),
  polled every ``ANALYTICS_POLL_S`` seconds from the committed offset;
- ``EVENT_BROKER=sql``: the broker's ``events`` table, polled the same way;
- ``EVENT_BROKER=pika``: the queue ``ANALYTICS_QUEUE``, which must be one of
  ``EVENT_BROKER_QUEUES``: Rasa binds every listed queue to one fanout exchange, so that
  queue gets its own copy of the stream and nobody else's consumer takes events from it;
- ``EVENT_BROKER=none``, or ``ANALYTICS_FOLLOW=off``: nothing is followed.

A read that fails (the analytics database is locked or down) is logged and tried again at
the next poll; the offsets are committed with the rows, so nothing is lost or counted twice.

Beside the stream, the desk fetches each tenant's purchases that followed a click on a
suggestion from its commerce backend (:mod:`analytics.purchases`) every
``ANALYTICS_PURCHASES_S`` seconds (300; ``off`` or 0: never, nor with ``ANALYTICS_FOLLOW=off``),
with an attribution window of ``ANALYTICS_ATTRIBUTION_DAYS`` days (30). A failed fetch is
logged and tried again after 5 s, 10 s, 20 s... (at most the interval); it never stops the desk.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from enum import Enum
from pathlib import Path
from urllib.parse import quote, urlsplit

import sqlalchemy as sa
from pydantic import BaseModel, Extra, Field
from sqlalchemy.engine import Engine

from analytics.consumer import FileSource, RabbitConsumer, SqlBrokerSource
from analytics.purchases import (
    DEFAULT_WINDOW_DAYS,
    MAX_WINDOW_DAYS,
    Backend,
    sync_tenant,
    tenants_to_sync,
)

logger = logging.getLogger(__name__)

DEFAULT_DB_URL = "sqlite:///var/analytics.db"
DEFAULT_EVENT_FILE = "var/events.log"  # the file broker's default (stores/brokers.py)
OFF = {"0", "false", "no", "off"}
RETRY_MAX_S = 30.0
DEFAULT_PURCHASES_S = 300.0
PURCHASES_RETRY_S = 5.0


class StreamKind(str, Enum):
    file = "file"
    sql = "sql"
    rabbitmq = "rabbitmq"


class StreamSource(BaseModel):
    """Where the followed stream is: a file path, an SQLAlchemy URL or an AMQP URL and queue."""

    kind: StreamKind
    location: str = Field(min_length=1)
    queue: str | None = None
    poll_s: float = Field(default=2.0, gt=0)

    class Config:
        extra = Extra.forbid
        allow_mutation = False

    def describe(self) -> str:
        """The source without a password, for the log."""
        if self.kind == StreamKind.rabbitmq:
            parts = urlsplit(self.location)
            return f"RabbitMQ queue {self.queue!r} on {parts.hostname}:{parts.port}"
        if self.kind == StreamKind.sql:
            return "sql broker " + sa.engine.make_url(self.location).render_as_string(True)
        return f"file broker log {self.location}"


class StreamSettingsError(ValueError):
    """The broker settings name a stream analytics cannot follow."""


def stream_source(env: Mapping[str, str]) -> StreamSource | None:
    """The stream to follow under these settings, or None (no broker, or following is off).

    Raises:
        StreamSettingsError: ``EVENT_BROKER=pika`` with ``ANALYTICS_QUEUE`` not among
            ``EVENT_BROKER_QUEUES`` (the queue would never get an event), or ``sql``
            without a URL.
    """
    if env.get("ANALYTICS_FOLLOW", "on").strip().lower() in OFF:
        return None
    backend = env.get("EVENT_BROKER", "none").strip().lower()
    url = env.get("EVENT_BROKER_URL", "").strip()
    poll_s = float(env.get("ANALYTICS_POLL_S") or 2.0)
    if backend == "file":
        return StreamSource(kind=StreamKind.file, location=url or DEFAULT_EVENT_FILE, poll_s=poll_s)
    if backend == "sql":
        if not url:
            raise StreamSettingsError("EVENT_BROKER=sql needs EVENT_BROKER_URL")
        return StreamSource(kind=StreamKind.sql, location=url, poll_s=poll_s)
    if backend == "pika":
        queue = env.get("ANALYTICS_QUEUE", "").strip()
        if not queue:
            return None  # another consumer (python -m analytics ingest --rabbitmq) may run
        queues = [q.strip() for q in env.get("EVENT_BROKER_QUEUES", "").split(",")]
        if queue not in queues:
            raise StreamSettingsError(
                f"ANALYTICS_QUEUE={queue!r} is not in EVENT_BROKER_QUEUES: it would get no event"
            )
        user = quote(env.get("EVENT_BROKER_USERNAME", "guest"), safe="")
        password = quote(env.get("EVENT_BROKER_PASSWORD", "guest"), safe="")
        port = env.get("EVENT_BROKER_PORT", "5672")
        amqp = f"amqp://{user}:{password}@{url}:{port}/"
        return StreamSource(kind=StreamKind.rabbitmq, location=amqp, queue=queue, poll_s=poll_s)
    return None


def analytics_engine(db_url: str) -> Engine:
    """The analytics database; a SQLite file's folder is created when missing."""
    url = sa.engine.make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(str(url.database)).parent.mkdir(parents=True, exist_ok=True)
    return sa.create_engine(db_url)


async def follow(engine: Engine, source: StreamSource) -> None:
    """Ingest ``source`` into ``engine`` until cancelled; failures are retried, never raised."""
    logger.info("analytics: following the %s", source.describe())
    if source.kind == StreamKind.rabbitmq:
        await _follow_queue(engine, source)
        return
    reader: FileSource | SqlBrokerSource
    if source.kind == StreamKind.file:
        reader = FileSource(engine, source.location)
    else:
        reader = SqlBrokerSource(engine, source.location)
    failures = 0
    try:
        while True:
            pause = source.poll_s
            try:
                if not isinstance(reader, FileSource) or reader.path.exists():
                    report = await asyncio.to_thread(reader.read)
                    if report.received:
                        logger.info("analytics: ingested %s", report)
                failures = 0
            except Exception as exc:  # the next poll tries again from the committed offset
                failures += 1
                pause = min(RETRY_MAX_S, source.poll_s * 2**failures)
                logger.warning(
                    "analytics: reading the stream failed (%s); retry in %.0f s", exc, pause
                )
            await asyncio.sleep(pause)
    finally:
        if isinstance(reader, SqlBrokerSource):
            reader.close()


async def _follow_queue(engine: Engine, source: StreamSource) -> None:
    assert source.queue is not None  # stream_source sets it for RabbitMQ
    failures = 0
    while True:
        try:
            await RabbitConsumer(engine, source.location, source.queue).run()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # RabbitMQ down at start: connect_robust gives up at once
            failures += 1
            pause = min(RETRY_MAX_S, source.poll_s * 2**failures)
            logger.warning("analytics: RabbitMQ consumer stopped (%s); again in %.0f s", exc, pause)
            await asyncio.sleep(pause)


class PurchaseSync(BaseModel):
    """Whose purchases the desk fetches (each tenant's backend), how often, with which window."""

    backends: dict[str, Backend]
    interval_s: float = Field(default=DEFAULT_PURCHASES_S, gt=0)
    window_days: int = Field(default=DEFAULT_WINDOW_DAYS, ge=1, le=MAX_WINDOW_DAYS)

    class Config:
        extra = Extra.forbid
        allow_mutation = False


def purchase_sync(env: Mapping[str, str]) -> PurchaseSync | None:
    """The purchases to fetch while the desk runs; None with ``ANALYTICS_FOLLOW=off`` or
    ``ANALYTICS_PURCHASES_S`` off or 0. A malformed number stops the start."""
    every = env.get("ANALYTICS_PURCHASES_S", "").strip().lower()
    if env.get("ANALYTICS_FOLLOW", "on").strip().lower() in OFF or every in OFF:
        return None
    return PurchaseSync.parse_obj(  # pydantic reads the numbers: a bad one is a ValidationError
        {
            "backends": tenants_to_sync(env),
            "interval_s": every or DEFAULT_PURCHASES_S,
            "window_days": env.get("ANALYTICS_ATTRIBUTION_DAYS") or DEFAULT_WINDOW_DAYS,
        }
    )


async def follow_purchases(engine: Engine, sync: PurchaseSync) -> None:
    """Fetch every tenant's purchases until cancelled; failures are retried, never raised."""
    failures = 0
    while True:
        failed = False
        for tenant, backend in sync.backends.items():
            try:
                report = await sync_tenant(engine, tenant, backend, window_days=sync.window_days)
            except Exception as exc:  # backend down, database locked: the next round retries
                failed = True
                logger.warning("analytics: fetching the purchases of %s failed (%s)", tenant, exc)
            else:
                if report.new:
                    logger.info("analytics: %s: %d new purchases after a click", tenant, report.new)
        failures = failures + 1 if failed else 0
        pause = sync.interval_s
        if failures:
            pause = min(pause, PURCHASES_RETRY_S * 2 ** (failures - 1))
            logger.warning("analytics: purchases again in %.0f s", pause)
        await asyncio.sleep(pause)
