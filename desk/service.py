"""The desk's ticket rules, between the HTTP handlers and SQL.

Handlers parse requests and turn the errors of :mod:`desk.errors` into status codes;
everything a ticket goes through (open, claim, assign, reply, hand back, resolve, reveal, rate)
is a method here, and every read or change of an agent is scoped to the agent's merchant: a
ticket of another merchant is "not found", exactly like one that does not exist. Who the agent
is comes from :mod:`desk.accounts`, which knows nothing of tickets.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desk.accounts import AgentView, utc_now
from desk.auth import new_token, token_hash
from desk.config import Role
from desk.errors import Conflict, Forbidden, NotFound
from desk.masking import Masker
from desk.models import (
    ASSIGNED,
    HANDED_BACK,
    OPEN_STATES,
    QUEUED,
    RESOLVED,
    Agent,
    AuditEntry,
    Rating,
    Ticket,
    TicketMessage,
)
from webkit.db import SqlDatabase


@dataclass(frozen=True)
class NewTicket:
    """What the assistant sends when it hands a conversation over (text not yet masked)."""

    merchant: str
    sender_id: str
    channel: str
    reason: str
    priority: int
    after_hours: bool
    summary: dict[str, Any]
    transcript: list[tuple[str, str]]  # (author, text): the last turns before the handoff
    after_ts: float


@dataclass(frozen=True)
class Opened:
    ticket_id: int
    queue_position: int
    shopper_token: str


def ticket_json(ticket: Ticket, position: int | None = None) -> dict[str, Any]:
    """A ticket as the agent API shows it (masked summary)."""
    return {
        "ticket_id": ticket.id,
        "merchant": ticket.merchant,
        "reason": ticket.reason,
        "priority": ticket.priority,
        "status": ticket.status,
        "channel": ticket.channel,
        "after_hours": ticket.after_hours,
        "assignee": ticket.assignee.username if ticket.assignee else None,
        "created_at": ticket.created_at.isoformat() + "Z",
        "summary": json.loads(ticket.summary_masked),
        **({"queue_position": position} if position is not None else {}),
    }


class DeskService:
    """Tickets, their transcripts, ratings and the reveal audit on the desk's database.

    Args:
        database: The desk's database (thread-pool bridge from :mod:`webkit.db`).
        masker: Masks and seals transcript text before it is stored.
        clock: Naive-UTC now; tests pin it.
    """

    def __init__(
        self,
        database: SqlDatabase,
        masker: Masker,
        *,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self.db = database
        self.masker = masker
        self.clock = clock

    # ---- the assistant's side ------------------------------------------------------------
    async def open_ticket(self, new: NewTicket) -> Opened:
        """Store a ticket with its masked summary and transcript; returns its queue place.

        One open ticket per conversation: a second handoff while one is open joins it.
        """
        summary = await self.masker.seal_async(json.dumps(new.summary, ensure_ascii=False))
        lines = [(a, await self.masker.seal_async(t)) for a, t in new.transcript if t.strip()]
        token = new_token()

        def work(session: Session) -> Opened:
            existing = session.scalar(
                select(Ticket).where(
                    Ticket.sender_id == new.sender_id, Ticket.status.in_(OPEN_STATES)
                )
            )
            if existing is not None:
                existing.shopper_token_hash = token_hash(token)
                session.commit()
                return Opened(existing.id, self._position(session, existing), token)
            ticket = Ticket(
                merchant=new.merchant,
                sender_id=new.sender_id,
                channel=new.channel,
                reason=new.reason,
                priority=new.priority,
                status=QUEUED,
                after_hours=new.after_hours,
                summary_masked=summary.masked,
                shopper_token_hash=token_hash(token),
                synced_until=new.after_ts,
                created_at=self.clock(),
            )
            session.add(ticket)
            session.flush()
            for author, sealed in lines:
                session.add(self._message(ticket.id, author, sealed.masked, sealed.sealed))
            session.commit()
            return Opened(ticket.id, self._position(session, ticket), token)

        return await self.db.run(work, write=True)

    def _message(
        self,
        ticket_id: int,
        author: str,
        masked: str,
        sealed: str,
        *,
        agent_name: str | None = None,
        to_shopper: bool = False,
    ) -> TicketMessage:
        return TicketMessage(
            ticket_id=ticket_id,
            author=author,
            agent_name=agent_name,
            text_masked=masked,
            text_sealed=sealed,
            to_shopper=to_shopper,
            created_at=self.clock(),
        )

    @staticmethod
    def _position(session: Session, ticket: Ticket) -> int:
        """1 + queued tickets of the merchant served before this one (priority, then age)."""
        if ticket.status != QUEUED:
            return 0
        ahead = session.scalar(
            select(func.count(Ticket.id)).where(
                Ticket.merchant == ticket.merchant,
                Ticket.status == QUEUED,
                Ticket.id != ticket.id,
                (Ticket.priority > ticket.priority)
                | ((Ticket.priority == ticket.priority) & (Ticket.created_at <= ticket.created_at)),
            )
        )
        return int(ahead or 0) + 1

    async def add_shopper_messages(
        self, ticket_id: int, messages: list[tuple[float, str]]
    ) -> list[str]:
        """Append what a waiting shopper wrote (newer than the last copy); returns the texts."""
        sealed = [(ts, text, await self.masker.seal_async(text)) for ts, text in messages]

        def work(session: Session) -> list[str]:
            ticket = session.get(Ticket, ticket_id)
            if ticket is None:
                raise NotFound("no such ticket")
            added = []
            for ts, text, seal in sorted(sealed, key=lambda m: m[0]):
                if ts <= ticket.synced_until:
                    continue
                session.add(self._message(ticket.id, "shopper", seal.masked, seal.sealed))
                ticket.synced_until = ts
                added.append(text)
            session.commit()
            return added

        return await self.db.run(work, write=True)

    async def rate(self, sender_id: str, ticket_id: int, score: int) -> None:
        """Store the shopper's 1-5 rating of a resolved ticket (the first one counts)."""
        if not 1 <= score <= 5:
            raise ValueError("a rating is 1 to 5")

        def work(session: Session) -> None:
            ticket = session.get(Ticket, ticket_id)
            if ticket is None or ticket.sender_id != sender_id:
                raise NotFound("no such ticket for this conversation")
            if session.scalar(select(Rating).where(Rating.ticket_id == ticket_id)) is None:
                session.add(Rating(ticket_id=ticket_id, score=score, created_at=self.clock()))
                session.commit()

        await self.db.run(work, write=True)

    async def shopper_outbox(self, token: str, after_id: int) -> list[dict[str, Any]]:
        """Messages for the shopper holding ``token`` (REST clients poll this)."""

        def work(session: Session) -> list[dict[str, Any]]:
            ticket = session.scalar(
                select(Ticket).where(Ticket.shopper_token_hash == token_hash(token))
            )
            if ticket is None:
                raise NotFound("unknown token")
            rows = session.scalars(
                select(TicketMessage)
                .where(
                    TicketMessage.ticket_id == ticket.id,
                    TicketMessage.to_shopper.is_(True),
                    TicketMessage.id > after_id,
                )
                .order_by(TicketMessage.id)
            ).all()
            return [
                {
                    "id": m.id,
                    "from": m.author,
                    "agent": m.agent_name,
                    "text": self.masker.unseal(m.text_sealed),
                    "at": m.created_at.isoformat() + "Z",
                }
                for m in rows
            ]

        return await self.db.run(work)

    # ---- the agent's side ----------------------------------------------------------------
    def _ticket_for(self, session: Session, agent: AgentView, ticket_id: int) -> Ticket:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None or ticket.merchant != agent.merchant:
            raise NotFound("no such ticket")
        return ticket

    async def queue(self, agent: AgentView) -> list[dict[str, Any]]:
        """The merchant's open tickets, highest priority first, then longest waiting."""

        def work(session: Session) -> list[dict[str, Any]]:
            tickets = session.scalars(
                select(Ticket)
                .where(Ticket.merchant == agent.merchant, Ticket.status.in_(OPEN_STATES))
                .order_by(Ticket.priority.desc(), Ticket.created_at, Ticket.id)
            ).all()
            return [ticket_json(t, self._position(session, t)) for t in tickets]

        return await self.db.run(work)

    async def ticket(self, agent: AgentView, ticket_id: int) -> Ticket:
        return await self.db.run(lambda s: self._ticket_for(s, agent, ticket_id))

    async def transcript(
        self, agent: AgentView, ticket_id: int, *, reveal: bool = False
    ) -> dict[str, Any]:
        """The ticket with its transcript; ``reveal`` needs a supervisor and is audited."""
        if reveal and agent.role != Role.supervisor.value:
            raise Forbidden("revealing personal data needs the supervisor role")

        def work(session: Session) -> dict[str, Any]:
            ticket = self._ticket_for(session, agent, ticket_id)
            rows = session.scalars(
                select(TicketMessage)
                .where(TicketMessage.ticket_id == ticket.id)
                .order_by(TicketMessage.id)
            ).all()
            if reveal:
                session.add(
                    AuditEntry(
                        agent_id=agent.id,
                        ticket_id=ticket.id,
                        action="reveal_transcript",
                        created_at=self.clock(),
                    )
                )
                session.commit()
            body = ticket_json(ticket)
            body["revealed"] = reveal
            body["rating"] = session.scalar(
                select(Rating.score).where(Rating.ticket_id == ticket.id)
            )
            body["transcript"] = [
                {
                    "id": m.id,
                    "from": m.author,
                    "agent": m.agent_name,
                    "text": self.masker.unseal(m.text_sealed) if reveal else m.text_masked,
                    "at": m.created_at.isoformat() + "Z",
                }
                for m in rows
            ]
            return body

        return await self.db.run(work, write=reveal)

    async def audit_log(self, agent: AgentView) -> list[dict[str, Any]]:
        """Reveals of this merchant's tickets, newest first (supervisors only)."""
        if agent.role != Role.supervisor.value:
            raise Forbidden("the audit log needs the supervisor role")

        def work(session: Session) -> list[dict[str, Any]]:
            rows = session.execute(
                select(AuditEntry, Agent.username)
                .join(Agent, Agent.id == AuditEntry.agent_id)
                .join(Ticket, Ticket.id == AuditEntry.ticket_id)
                .where(Ticket.merchant == agent.merchant)
                .order_by(AuditEntry.id.desc())
            ).all()
            return [
                {
                    "agent": username,
                    "ticket_id": entry.ticket_id,
                    "action": entry.action,
                    "at": entry.created_at.isoformat() + "Z",
                }
                for entry, username in rows
            ]

        return await self.db.run(work)

    async def assign(self, agent: AgentView, ticket_id: int, assignee: AgentView) -> Ticket:
        """Claim (assignee is the agent) or assign an open ticket."""

        def work(session: Session) -> Ticket:
            ticket = self._ticket_for(session, agent, ticket_id)
            if ticket.status not in OPEN_STATES:
                raise Conflict(f"the ticket is {ticket.status}")
            ticket.assignee_id, ticket.status = assignee.id, ASSIGNED
            session.commit()
            session.refresh(ticket)
            return ticket

        return await self.db.run(work, write=True)

    async def record_outgoing(
        self, agent: AgentView | None, ticket_id: int, text: str, *, author: str = "agent"
    ) -> int:
        """Store a message that goes to the shopper (an agent's reply, or the bot's)."""
        seal = await self.masker.seal_async(text)

        def work(session: Session) -> int:
            ticket = session.get(Ticket, ticket_id)
            if ticket is None:
                raise NotFound("no such ticket")
            row = self._message(
                ticket.id,
                author,
                seal.masked,
                seal.sealed,
                agent_name=agent.name if agent else None,
                to_shopper=True,
            )
            session.add(row)
            session.commit()
            return row.id

        return await self.db.run(work, write=True)

    async def require_open(self, agent: AgentView, ticket_id: int, *, owned: bool) -> Ticket:
        """The ticket if it is open (and, with ``owned``, assigned to this agent)."""

        def work(session: Session) -> Ticket:
            ticket = self._ticket_for(session, agent, ticket_id)
            if ticket.status not in OPEN_STATES:
                raise Conflict(f"the ticket is {ticket.status}")
            if owned and ticket.assignee_id != agent.id:
                raise Conflict("claim the ticket before replying or closing it")
            return ticket

        return await self.db.run(work)

    async def close(self, agent: AgentView | None, ticket_id: int, *, resolved: bool) -> None:
        """Hand back (the bot takes over again) or resolve."""

        def work(session: Session) -> None:
            ticket = session.get(Ticket, ticket_id)
            if ticket is None or (agent is not None and ticket.merchant != agent.merchant):
                raise NotFound("no such ticket")
            ticket.status = RESOLVED if resolved else HANDED_BACK
            ticket.closed_at = self.clock()
            session.commit()

        await self.db.run(work, write=True)

    async def open_tickets(self) -> list[tuple[int, str, float]]:
        """(id, sender, synced_until) of every open ticket, for the transcript sync."""

        def work(session: Session) -> list[tuple[int, str, float]]:
            rows = session.execute(
                select(Ticket.id, Ticket.sender_id, Ticket.synced_until).where(
                    Ticket.status.in_(OPEN_STATES)
                )
            ).all()
            return [(int(r[0]), str(r[1]), float(r[2])) for r in rows]

        return await self.db.run(work)

    async def get(self, ticket_id: int) -> Ticket | None:
        """Any ticket by id, for the desk's own work (no merchant scope: never for agents)."""
        return await self.db.run(lambda s: s.get(Ticket, ticket_id))

    async def by_external_ref(self, ref: str) -> Ticket | None:
        return await self.db.run(
            lambda s: s.scalar(select(Ticket).where(Ticket.external_ref == ref))
        )

    async def set_external_ref(self, ticket_id: int, ref: str) -> None:
        def work(session: Session) -> None:
            ticket = session.get(Ticket, ticket_id)
            if ticket is not None:
                ticket.external_ref = ref
                session.commit()

        await self.db.run(work, write=True)

    async def rating_of(self, ticket_id: int) -> int | None:
        return await self.db.run(
            lambda s: s.scalar(select(Rating.score).where(Rating.ticket_id == ticket_id))
        )
