"""Tables of the desk: agents and their logins, tickets, transcripts, ratings, the audit log.

Transcript text is stored twice: masked (what the console shows by default) and sealed (the
original, encrypted with the desk's Fernet key), so personal data is never at rest in the
clear and a supervisor can still reveal it, which the audit log records.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Column, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, declarative_base, relationship

Base: Any = declarative_base()

QUEUED = "queued"
ASSIGNED = "assigned"
HANDED_BACK = "handed_back"
RESOLVED = "resolved"
OPEN_STATES = (QUEUED, ASSIGNED)


class Agent(Base):
    __tablename__ = "desk_agents"

    id: Mapped[int] = Column(Integer, primary_key=True)
    username: Mapped[str] = Column(String(40), unique=True, nullable=False)
    name: Mapped[str] = Column(String(80), nullable=False)
    merchant: Mapped[str] = Column(String(40), nullable=False, index=True)
    role: Mapped[str] = Column(String(20), nullable=False)
    password_hash: Mapped[str] = Column(String(255), nullable=False)


class LoginSession(Base):
    """A login: only the SHA-256 of the cookie's token is stored."""

    __tablename__ = "desk_sessions"

    token_hash: Mapped[str] = Column(String(64), primary_key=True)
    agent_id: Mapped[int] = Column(ForeignKey("desk_agents.id"), nullable=False)
    csrf_token: Mapped[str] = Column(String(64), nullable=False)
    expires_at: Mapped[dt.datetime] = Column(DateTime, nullable=False)
    agent: Mapped[Agent] = relationship("Agent", lazy="joined")


class Ticket(Base):
    __tablename__ = "desk_tickets"

    id: Mapped[int] = Column(Integer, primary_key=True)
    merchant: Mapped[str] = Column(String(40), nullable=False, index=True)
    sender_id: Mapped[str] = Column(String(255), nullable=False, index=True)
    channel: Mapped[str] = Column(String(40), nullable=False)
    reason: Mapped[str] = Column(String(40), nullable=False, index=True)
    priority: Mapped[int] = Column(Integer, nullable=False)
    status: Mapped[str] = Column(String(20), nullable=False, index=True)
    after_hours: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    summary_masked: Mapped[str] = Column(Text, nullable=False)
    assignee_id: Mapped[int | None] = Column(ForeignKey("desk_agents.id"), nullable=True)
    shopper_token_hash: Mapped[str] = Column(String(64), nullable=False, unique=True)
    synced_until: Mapped[float] = Column(Float, nullable=False, default=0.0)
    external_ref: Mapped[str | None] = Column(String(80), nullable=True, index=True)
    created_at: Mapped[dt.datetime] = Column(DateTime, nullable=False)
    closed_at: Mapped[dt.datetime | None] = Column(DateTime, nullable=True)
    assignee: Mapped[Agent | None] = relationship("Agent", lazy="joined")


class TicketMessage(Base):
    """One line of the transcript. ``author``: shopper | bot | agent."""

    __tablename__ = "desk_messages"

    id: Mapped[int] = Column(Integer, primary_key=True)
    ticket_id: Mapped[int] = Column(ForeignKey("desk_tickets.id"), index=True)
    author: Mapped[str] = Column(String(10), nullable=False)
    agent_name: Mapped[str | None] = Column(String(80), nullable=True)
    text_masked: Mapped[str] = Column(Text, nullable=False)
    text_sealed: Mapped[str] = Column(Text, nullable=False)
    to_shopper: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    created_at: Mapped[dt.datetime] = Column(DateTime, nullable=False)


class Rating(Base):
    __tablename__ = "desk_ratings"

    id: Mapped[int] = Column(Integer, primary_key=True)
    ticket_id: Mapped[int] = Column(ForeignKey("desk_tickets.id"), unique=True)
    score: Mapped[int] = Column(Integer, nullable=False)
    created_at: Mapped[dt.datetime] = Column(DateTime, nullable=False)


class AuditEntry(Base):
    """Who revealed which ticket's personal data, and when."""

    __tablename__ = "desk_audit"

    id: Mapped[int] = Column(Integer, primary_key=True)
    agent_id: Mapped[int] = Column(ForeignKey("desk_agents.id"), nullable=False)
    ticket_id: Mapped[int] = Column(ForeignKey("desk_tickets.id"), nullable=False)
    action: Mapped[str] = Column(String(40), nullable=False)
    created_at: Mapped[dt.datetime] = Column(DateTime, nullable=False)
