"""What one conversation yields while :mod:`analytics.derive` walks it, and the rows it becomes.

Each record is one row of a derived table (:mod:`analytics.tables`), minus the keys every row
shares (conversation, sender, tenant) and its number within the conversation, which
:func:`analytics.derive.derive` adds. A record's day is the UTC day of its own first moment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from typing import Any

import sqlalchemy as sa

from analytics.tables import BOT_RATINGS, CONVERSATIONS, FORMS, HANDOFFS, REPLIES, TURNS
from analytics.vocabulary import FALLBACK_INTENT, RATING_SKIPPED, RATINGS, REPHRASED

Row = dict[str, Any]


def utc_day(ts: float) -> dt.date:
    """The UTC calendar day of a Rasa timestamp."""
    return dt.datetime.fromtimestamp(ts, tz=dt.timezone.utc).date()


@dataclass
class Derived:
    """Rows for the derived tables, one list per table."""

    conversations: list[Row] = field(default_factory=list)
    turns: list[Row] = field(default_factory=list)
    forms: list[Row] = field(default_factory=list)
    handoffs: list[Row] = field(default_factory=list)
    replies: list[Row] = field(default_factory=list)
    bot_ratings: list[Row] = field(default_factory=list)

    def extend(self, other: Derived) -> None:
        """Add ``other``'s rows to these."""
        for each in fields(self):
            getattr(self, each.name).extend(getattr(other, each.name))

    def by_table(self) -> list[tuple[sa.Table, list[Row]]]:
        """Each derived table with its rows."""
        return [
            (CONVERSATIONS, self.conversations),
            (TURNS, self.turns),
            (FORMS, self.forms),
            (HANDOFFS, self.handoffs),
            (REPLIES, self.replies),
            (BOT_RATINGS, self.bot_ratings),
        ]


@dataclass
class Turn:
    """A message the shopper sent."""

    ts: float
    intent: str | None
    confidence: float | None
    flow: str
    form: str | None
    requested_slot: str | None
    with_person: bool
    injection: bool
    signal: str | None
    latency_ms: float | None = None

    def row(self, threshold: float) -> Row:
        return {
            "day": utc_day(self.ts),
            "flow": self.flow,
            "ts": self.ts,
            "intent": self.intent,
            "confidence": self.confidence,
            "fallback": self.intent == FALLBACK_INTENT,
            "low_confidence": self.confidence is not None and self.confidence < threshold,
            "with_person": self.with_person,
            "latency_ms": self.latency_ms,
            "form": self.form,
            "requested_slot": self.requested_slot,
            "injection": self.injection,
            "handoff_signal": self.signal,
        }


@dataclass
class Run:
    """A form run, from ``active_loop: <form>`` to ``active_loop: null``."""

    form: str
    flow: str
    started_at: float
    ended_at: float | None = None
    outcome: str | None = None
    last_step: str | None = None
    handed_off: bool = False

    def row(self) -> Row:
        return {
            "day": utc_day(self.started_at),
            "flow": self.flow,
            "form": self.form,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "outcome": self.outcome or "left",
            "last_step": None if self.outcome == "completed" else self.last_step,
        }


@dataclass
class Handoff:
    """A run of a handoff action, and what the desk made of it (the desk's rating too)."""

    ts: float
    flow: str
    reason: str
    opened: bool = False
    outcome: str | None = None
    rating: int | None = None
    rating_skipped: bool = False

    def row(self) -> Row:
        return {
            "day": utc_day(self.ts),
            "flow": self.flow,
            "ts": self.ts,
            "reason": self.reason,
            "opened": self.opened,
            "outcome": self.outcome,
            "rating": self.rating,
            "rating_skipped": self.rating_skipped,
        }


@dataclass
class Reply:
    """A bot reply eligible for rewording, with the generative layer's decision."""

    ts: float
    response: str | None
    flow: str
    reason: str

    def row(self) -> Row:
        return {
            "day": utc_day(self.ts),
            "flow": self.flow,
            "ts": self.ts,
            "response": self.response,
            "rephrased": self.reason == REPHRASED,
            "reason": self.reason,
        }


@dataclass
class BotRating:
    """The assistant's own question at goodbye: when it was asked, and the answer if any."""

    ts: float
    rating: int | None = None
    skipped: bool = False

    def answer(self, value: str) -> None:
        """A 1-5 rating, or ``skipped``: the slot's last value wins."""
        self.rating = int(value) if value in RATINGS else None
        self.skipped = value == RATING_SKIPPED

    def row(self, flow: str) -> Row:
        return {
            "day": utc_day(self.ts),
            "flow": flow,
            "ts": self.ts,
            "rating": self.rating,
            "skipped": self.skipped,
        }
