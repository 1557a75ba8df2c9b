"""Consent, decisions and the transactional outbox of proactive messages (SQLite or PostgreSQL).

A decision and its outbox row are committed in one transaction, so a crash leaves either
both or neither: no message is decided and forgotten, none is queued without its reason.
Senders claim due rows with a lease (a conditional UPDATE, safe on both databases); a sender
that dies leaves its rows to be claimed again once the lease lapses. Delivery is at least
once; the row's idempotency key, derived from ids only, lets each step recognise what a dead
sender already did (see ``proactive.dispatcher``).

Nothing personal is stored: shoppers and orders are the backend's ids, conversations are
Rasa's sender ids (an SMS number is sealed in it, as the channels store it), and no message
text is kept. An error is kept as its code (``TwilioRestException:21211``), never its text,
which can quote a phone number.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from merchants.proactive import Channel, Kind, ProactiveSettings, zone
from proactive.events import EventType, OrderEvent
from proactive.rules import (
    Contact,
    Decision,
    Facts,
    Outcome,
    Planned,
    choose_contact,
    decide,
    plan,
)
from proactive.rules import idempotency_key as key_of
from proactive.tables import (
    CONSENTS,
    DECISIONS,
    FAILED,
    INQUIRIES,
    LOOKBACK,
    OUTBOX,
    PENDING,
    SEEN_EVENTS,
    SENT,
    SUPPRESSED,
    OutboxRow,
    as_dict,
    metadata,
    naive,
    outbox_row,
    sqlite_engine,
    utc,
)


class Replayed(Exception):
    """This event id was already received for this tenant; nothing was done again."""


@dataclass(frozen=True)
class Verdict:
    """What became of one planned message (the webhook's answer)."""

    kind: Kind
    decision: Decision
    channel: Channel | None


class ProactiveStore:
    """The proactive tables in one database (``sqlite:///…`` or ``postgresql://…``)."""

    def __init__(self, url: str) -> None:
        parsed = sa.engine.make_url(url)
        if parsed.drivername.startswith("sqlite"):
            self.engine = sqlite_engine(url)
        else:
            self.engine = sa.create_engine(url, future=True, pool_pre_ping=True)
        self._postgres = self.engine.dialect.name == "postgresql"

    def create_schema(self) -> None:
        metadata.create_all(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    @contextlib.contextmanager
    def _begin(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def _lock_shopper(self, conn: Connection, tenant: str, customer_id: str) -> None:
        """Serialise decisions about one shopper (caps count what others queued)."""
        if self._postgres:
            digest = hashlib.sha256(f"{tenant}\n{customer_id}".encode()).digest()
            key = int.from_bytes(digest[:8], "big", signed=True)
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

    # ---- consent and inquiries ------------------------------------------------------------

    def record_consent(
        self,
        tenant: str,
        customer_id: str,
        channel: Channel,
        conversation_id: str,
        kinds: Iterable[Kind],
        granted: bool,
        source: str,
        at: dt.datetime,
    ) -> None:
        """Record that the shopper agreed (or withdrew) to hear about ``kinds`` there."""
        with self._begin() as conn:
            self._set_consent(
                conn, tenant, customer_id, channel, conversation_id, kinds, granted, source, at
            )

    def _set_consent(
        self,
        conn: Connection,
        tenant: str,
        customer_id: str,
        channel: Channel,
        conversation_id: str,
        kinds: Iterable[Kind],
        granted: bool,
        source: str,
        at: dt.datetime,
    ) -> None:
        for kind in kinds:
            where = sa.and_(
                CONSENTS.c.tenant == tenant,
                CONSENTS.c.customer_id == customer_id,
                CONSENTS.c.channel == channel.value,
                CONSENTS.c.conversation_id == conversation_id,
                CONSENTS.c.kind == kind.value,
            )
            values = {"granted": granted, "source": source, "changed_at": naive(at)}
            if not conn.execute(CONSENTS.update().where(where).values(**values)).rowcount:
                conn.execute(
                    CONSENTS.insert().values(
                        tenant=tenant,
                        customer_id=customer_id,
                        channel=channel.value,
                        conversation_id=conversation_id,
                        kind=kind.value,
                        **values,
                    )
                )

    def record_stop(self, tenant: str, conversation_id: str, at: dt.datetime) -> int:
        """STOP: withdraw every kind on this conversation at once; the rows changed."""
        with self._begin() as conn:
            return int(
                conn.execute(
                    CONSENTS.update()
                    .where(CONSENTS.c.tenant == tenant)
                    .where(CONSENTS.c.conversation_id == conversation_id)
                    .values(granted=False, source="stop", changed_at=naive(at))
                ).rowcount
            )

    def record_inquiry(self, tenant: str, customer_id: str, order_id: str, at: dt.datetime) -> None:
        """The shopper asked about this order (the action server calls this on a lookup)."""
        with self._begin() as conn:
            conn.execute(
                INQUIRIES.insert().values(
                    tenant=tenant, customer_id=customer_id, order_id=order_id, asked_at=naive(at)
                )
            )

    def _contacts(self, conn: Connection, tenant: str, customer_id: str) -> list[Contact]:
        rows = conn.execute(
            sa.select(CONSENTS)
            .where(CONSENTS.c.tenant == tenant)
            .where(CONSENTS.c.customer_id == customer_id)
        ).all()
        grouped: dict[tuple[str, str], tuple[set[Kind], dt.datetime]] = {}
        for row in rows:
            kinds, last = grouped.get(
                (row.channel, row.conversation_id), (set(), utc(row.changed_at))
            )
            if row.granted:
                kinds.add(Kind(row.kind))
            grouped[(row.channel, row.conversation_id)] = (kinds, max(last, utc(row.changed_at)))
        return [
            Contact(Channel(channel), conversation, frozenset(kinds), changed)
            for (channel, conversation), (kinds, changed) in grouped.items()
        ]

    def _inquiries(
        self, conn: Connection, tenant: str, order_id: str, now: dt.datetime
    ) -> list[dt.datetime]:
        rows = conn.execute(
            sa.select(INQUIRIES.c.asked_at)
            .where(INQUIRIES.c.tenant == tenant)
            .where(INQUIRIES.c.order_id == order_id)
            .where(INQUIRIES.c.asked_at >= naive(now - LOOKBACK))
        ).all()
        return [utc(r.asked_at) for r in rows]

    def _others(
        self,
        conn: Connection,
        tenant: str,
        customer_id: str,
        now: dt.datetime,
        statuses: tuple[str, ...],
        but: int | None = None,
        started: bool = False,
    ) -> list[dt.datetime]:
        """Delivery times of the shopper's messages counting towards the caps (``started``:
        also those whose send began, which may have gone though no sender marked them)."""
        counted = OUTBOX.c.status.in_(statuses)
        if started:
            counted = counted | OUTBOX.c.send_started_at.isnot(None)
        query = (
            sa.select(OUTBOX.c.not_before, OUTBOX.c.sent_at)
            .where(OUTBOX.c.tenant == tenant)
            .where(OUTBOX.c.customer_id == customer_id)
            .where(counted)
            .where(sa.func.coalesce(OUTBOX.c.sent_at, OUTBOX.c.not_before) >= naive(now - LOOKBACK))
        )
        if but is not None:
            query = query.where(OUTBOX.c.id != but)
        return [utc(r.sent_at or r.not_before) for r in conn.execute(query).all()]

    def _queued(self, conn: Connection, tenant: str, order_id: str, kind: Kind) -> bool:
        found = conn.execute(
            sa.select(OUTBOX.c.id)
            .where(OUTBOX.c.tenant == tenant)
            .where(OUTBOX.c.order_id == order_id)
            .where(OUTBOX.c.kind == kind.value)
        ).first()
        return found is not None

    # ---- events -> decisions + outbox, in one transaction ---------------------------------

    def accept_event(
        self,
        tenant: str,
        event: OrderEvent,
        settings: ProactiveSettings,
        now: dt.datetime,
        conversation_id: str | None = None,
    ) -> list[Verdict]:
        """Record the event, judge each message it may lead to, queue those that go.

        Args:
            conversation_id: For ``consent.updated``: the conversation the consent is for
                (an SMS event's phone already sealed into it by the caller).

        Raises:
            Replayed: the tenant already received this event id; nothing changed.
        """
        with self._begin() as conn:
            self._lock_shopper(conn, tenant, event.customer_id)
            try:
                conn.execute(
                    SEEN_EVENTS.insert().values(
                        tenant=tenant,
                        event_id=event.event_id,
                        type=event.type.value,
                        received_at=naive(now),
                    )
                )
            except IntegrityError as exc:  # the transaction rolls back: nothing else happens
                raise Replayed(event.event_id) from exc
            if event.type is EventType.consent_updated:
                assert event.channel is not None and conversation_id is not None
                self._set_consent(
                    conn,
                    tenant,
                    event.customer_id,
                    event.channel,
                    conversation_id,
                    event.kinds,
                    bool(event.granted),
                    "backend",
                    event.happened_at,
                )
                return []
            return [
                self._judge(conn, tenant, event, settings, now, p) for p in plan(event, settings)
            ]

    def _judge(
        self,
        conn: Connection,
        tenant: str,
        event: OrderEvent,
        settings: ProactiveSettings,
        now: dt.datetime,
        planned: Planned,
    ) -> Verdict:
        assert event.order_id is not None
        time_zone = event.time_zone or settings.time_zone
        contact = choose_contact(self._contacts(conn, tenant, event.customer_id), planned.kind)
        facts = Facts(
            contact=contact,
            others=self._others(conn, tenant, event.customer_id, now, (PENDING, SENT)),
            inquiries=self._inquiries(conn, tenant, event.order_id, now),
            duplicate=self._queued(conn, tenant, event.order_id, planned.kind),
        )
        decision = decide(planned.kind, planned.earliest, now, zone(time_zone), settings, facts)
        self._log(
            conn,
            tenant,
            event.event_id,
            event.customer_id,
            event.order_id,
            planned.kind,
            "event",
            decision,
            now,
        )
        if decision.outcome is not Outcome.suppress:
            assert contact is not None
            conn.execute(
                OUTBOX.insert().values(
                    key=key_of(tenant, event.order_id, planned.kind),
                    tenant=tenant,
                    customer_id=event.customer_id,
                    order_id=event.order_id,
                    kind=planned.kind.value,
                    detail=planned.detail,
                    channel=contact.channel.value,
                    conversation_id=contact.conversation_id,
                    time_zone=time_zone,
                    not_before=naive(decision.not_before or now),
                    status=PENDING,
                    attempts=0,
                    created_at=naive(now),
                )
            )
        return Verdict(planned.kind, decision, contact.channel if contact else None)

    def _log(
        self,
        conn: Connection,
        tenant: str,
        event_id: str,
        customer_id: str,
        order_id: str,
        kind: Kind,
        stage: str,
        decision: Decision,
        now: dt.datetime,
    ) -> None:
        conn.execute(
            DECISIONS.insert().values(
                tenant=tenant,
                event_id=event_id,
                customer_id=customer_id,
                order_id=order_id,
                kind=kind.value,
                stage=stage,
                outcome=decision.outcome.value,
                reason=decision.reason.value if decision.reason else None,
                not_before=naive(decision.not_before) if decision.not_before else None,
                decided_at=naive(now),
            )
        )

    # ---- the sender's side ----------------------------------------------------------------

    def claim(self, now: dt.datetime, lease: dt.timedelta, batch: int = 20) -> list[OutboxRow]:
        """Take up to ``batch`` due rows for ``lease``; rows another sender holds are skipped.

        Each row is taken by a conditional UPDATE that only succeeds while the row is
        pending and unclaimed (or its lease lapsed), so two senders never hold one row.
        """
        token = uuid.uuid4().hex
        free = sa.or_(OUTBOX.c.claimed_until.is_(None), OUTBOX.c.claimed_until <= naive(now))
        with self._begin() as conn:
            due = conn.execute(
                sa.select(OUTBOX.c.id)
                .where(OUTBOX.c.status == PENDING)
                .where(OUTBOX.c.not_before <= naive(now))
                .where(free)
                .order_by(OUTBOX.c.not_before, OUTBOX.c.id)
                .limit(batch)
            ).all()
            for row in due:
                conn.execute(
                    OUTBOX.update()
                    .where(OUTBOX.c.id == row.id)
                    .where(OUTBOX.c.status == PENDING)
                    .where(free)
                    .values(
                        claim_token=token,
                        claimed_until=naive(now + lease),
                        attempts=OUTBOX.c.attempts + 1,
                    )
                )
            rows = conn.execute(
                sa.select(OUTBOX).where(OUTBOX.c.claim_token == token).order_by(OUTBOX.c.id)
            ).all()
        return [outbox_row(r) for r in rows]

    def facts_at_send(self, row: OutboxRow, now: dt.datetime) -> Facts:
        """The facts again, just before sending: consent on this very conversation, the
        shopper's messages sent or begun (a sender may have died after the provider took
        one), their questions about the order."""
        with self._begin() as conn:
            contact = next(
                (
                    c
                    for c in self._contacts(conn, row.tenant, row.customer_id)
                    if c.channel is row.channel
                    and c.conversation_id == row.conversation_id
                    and row.kind in c.kinds
                ),
                None,
            )
            return Facts(
                contact=contact,
                others=self._others(
                    conn, row.tenant, row.customer_id, now, (SENT,), row.id, started=True
                ),
                inquiries=self._inquiries(conn, row.tenant, row.order_id, now),
            )

    def _owned(self, row: OutboxRow) -> Any:
        return sa.and_(OUTBOX.c.id == row.id, OUTBOX.c.claim_token == row.claim_token)

    def _update(self, row: OutboxRow, **values: Any) -> bool:
        with self._begin() as conn:
            changed = conn.execute(OUTBOX.update().where(self._owned(row)).values(**values))
            return bool(changed.rowcount)

    def mark_sending(self, row: OutboxRow, now: dt.datetime) -> bool:
        """Note that a send begins: if this sender dies, the next one looks before sending."""
        return self._update(row, send_started_at=naive(now))

    def mark_sent(self, row: OutboxRow, now: dt.datetime) -> bool:
        """Done; False when the lease lapsed and another sender owns the row now."""
        return self._update(
            row, status=SENT, sent_at=naive(now), claim_token=None, claimed_until=None
        )

    def release(self, row: OutboxRow, retry_at: dt.datetime, error: str) -> bool:
        """Give the row back for another attempt at ``retry_at`` (a transient failure)."""
        return self._update(
            row,
            not_before=naive(retry_at),
            claim_token=None,
            claimed_until=None,
            last_error=error[:80],
        )

    def fail(self, row: OutboxRow, error: str) -> bool:
        """The channel refused for good (an invalid number): keep the code, stop trying."""
        return self._update(
            row, status=FAILED, claim_token=None, claimed_until=None, last_error=error[:80]
        )

    def judged_again(self, row: OutboxRow, decision: Decision, now: dt.datetime) -> bool:
        """Apply a send-time verdict that is not "send": held again, or suppressed."""
        with self._begin() as conn:
            values: dict[str, Any] = {"claim_token": None, "claimed_until": None}
            if decision.outcome is Outcome.hold:
                assert decision.not_before is not None
                values["not_before"] = naive(decision.not_before)
            else:
                values.update(
                    status=SUPPRESSED, reason=decision.reason.value if decision.reason else None
                )
            if not conn.execute(OUTBOX.update().where(self._owned(row)).values(**values)).rowcount:
                return False
            self._log(
                conn, row.tenant, "", row.customer_id, row.order_id, row.kind, "send", decision, now
            )
            return True

    # ---- reading, for operations and tests ------------------------------------------------

    def outbox(self, tenant: str | None = None) -> list[dict[str, Any]]:
        """Every outbox row (oldest first) as a dict; times in UTC."""
        query = sa.select(OUTBOX).order_by(OUTBOX.c.id)
        if tenant is not None:
            query = query.where(OUTBOX.c.tenant == tenant)
        with self.engine.connect() as conn:
            return [as_dict(r._mapping) for r in conn.execute(query).all()]

    def decisions(self, tenant: str | None = None) -> list[dict[str, Any]]:
        query = sa.select(DECISIONS).order_by(DECISIONS.c.id)
        if tenant is not None:
            query = query.where(DECISIONS.c.tenant == tenant)
        with self.engine.connect() as conn:
            return [as_dict(r._mapping) for r in conn.execute(query).all()]
