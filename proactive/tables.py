"""The proactive tables, and how rows and times cross between Python and the database.

Times are stored as naive UTC (SQLite keeps no zone) and come back aware; see
``proactive.store`` for what the tables hold and why no personal data is among it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from merchants.proactive import Channel, Kind

UTC = dt.timezone.utc
PENDING, SENT, SUPPRESSED, FAILED = "pending", "sent", "suppressed", "failed"
# How far back the caps and "asked today" look (a week of the shopper's days, and a margin).
LOOKBACK = dt.timedelta(days=9)

metadata = sa.MetaData()
CONSENTS = sa.Table(
    "proactive_consents",
    metadata,
    sa.Column("tenant", sa.String(63), primary_key=True),
    sa.Column("customer_id", sa.String(100), primary_key=True),
    sa.Column("channel", sa.String(20), primary_key=True),
    sa.Column("conversation_id", sa.String(255), primary_key=True),
    sa.Column("kind", sa.String(20), primary_key=True),
    sa.Column("granted", sa.Boolean, nullable=False),
    sa.Column("source", sa.String(40), nullable=False),  # "backend", "conversation", "stop"
    sa.Column("changed_at", sa.DateTime, nullable=False),
)
SEEN_EVENTS = sa.Table(
    "proactive_seen_events",
    metadata,
    sa.Column("tenant", sa.String(63), primary_key=True),
    sa.Column("event_id", sa.String(100), primary_key=True),
    sa.Column("type", sa.String(40), nullable=False),
    sa.Column("received_at", sa.DateTime, nullable=False),
)
DECISIONS = sa.Table(
    "proactive_decisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("tenant", sa.String(63), nullable=False),
    sa.Column("event_id", sa.String(100), nullable=False),
    sa.Column("customer_id", sa.String(100), nullable=False, index=True),
    sa.Column("order_id", sa.String(100), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("stage", sa.String(10), nullable=False),  # "event" | "send"
    sa.Column("outcome", sa.String(10), nullable=False),
    sa.Column("reason", sa.String(20)),
    sa.Column("not_before", sa.DateTime),
    sa.Column("decided_at", sa.DateTime, nullable=False),
)
OUTBOX = sa.Table(
    "proactive_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(40), nullable=False, unique=True),
    sa.Column("tenant", sa.String(63), nullable=False),
    sa.Column("customer_id", sa.String(100), nullable=False),
    sa.Column("order_id", sa.String(100), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("detail", sa.String(40), nullable=False, default=""),
    sa.Column("channel", sa.String(20), nullable=False),
    sa.Column("conversation_id", sa.String(255), nullable=False),
    sa.Column("time_zone", sa.String(64), nullable=False),
    sa.Column("not_before", sa.DateTime, nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("claim_token", sa.String(32)),
    sa.Column("claimed_until", sa.DateTime),
    sa.Column("send_started_at", sa.DateTime),
    sa.Column("sent_at", sa.DateTime),
    sa.Column("reason", sa.String(20)),
    sa.Column("last_error", sa.String(80)),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("tenant", "order_id", "kind", name="proactive_one_per_order_kind"),
    sa.Index("proactive_outbox_due", "status", "not_before"),
    sa.Index("proactive_outbox_shopper", "tenant", "customer_id"),
)
INQUIRIES = sa.Table(
    "proactive_inquiries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("tenant", sa.String(63), nullable=False),
    sa.Column("customer_id", sa.String(100), nullable=False),
    sa.Column("order_id", sa.String(100), nullable=False),
    sa.Column("asked_at", sa.DateTime, nullable=False),
    sa.Index("proactive_inquiries_order", "tenant", "order_id", "asked_at"),
)


@dataclass(frozen=True)
class OutboxRow:
    """A claimed message: everything a sender needs, ids only."""

    id: int
    key: str
    tenant: str
    customer_id: str
    order_id: str
    kind: Kind
    detail: str
    channel: Channel
    conversation_id: str
    time_zone: str
    not_before: dt.datetime
    attempts: int
    claim_token: str
    maybe_sent: bool  # an earlier claim began sending: look before sending again


def utc(value: dt.datetime) -> dt.datetime:
    """Aware UTC from what the database returns (SQLite drops the zone)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def naive(value: dt.datetime) -> dt.datetime:
    return utc(value).replace(tzinfo=None)


def sqlite_engine(url: str) -> Engine:
    """SQLite with every transaction taken as a write lock at BEGIN (BEGIN IMMEDIATE).

    pysqlite would otherwise read outside any transaction and take the lock only at the
    first write, so two processes could both count a shopper's messages, both see room
    under the cap and both queue one. Waiting up to 30 s for the lock beats failing.
    """
    engine = sa.create_engine(
        url, future=True, connect_args={"check_same_thread": False, "timeout": 30}
    )

    @sa.event.listens_for(engine, "connect")
    def _manual(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def _immediate(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def as_dict(mapping: Any) -> dict[str, Any]:
    return {k: utc(v) if isinstance(v, dt.datetime) else v for k, v in dict(mapping).items()}


def outbox_row(row: Any) -> OutboxRow:
    return OutboxRow(
        id=row.id,
        key=row.key,
        tenant=row.tenant,
        customer_id=row.customer_id,
        order_id=row.order_id,
        kind=Kind(row.kind),
        detail=row.detail or "",
        channel=Channel(row.channel),
        conversation_id=row.conversation_id,
        time_zone=row.time_zone,
        not_before=utc(row.not_before),
        attempts=row.attempts,
        claim_token=row.claim_token,
        maybe_sent=row.send_started_at is not None,
    )
