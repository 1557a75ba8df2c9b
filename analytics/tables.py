"""The analytics tables (SQLAlchemy Core, any URL: SQLite in the embedded default, PostgreSQL).

``analytics_events`` holds one fact per stream event (:mod:`analytics.facts`); it is the only
table ingest appends to. The others are derived from it, one conversation at a time, and
rebuilt whenever a conversation gets new events (:mod:`analytics.derive`), so the same events
always give the same rows, whatever order or batches they came in. No column holds text a
person wrote: names, numbers, flags and digests only. ``analytics_conversions`` alone comes
from elsewhere: the commerce backend's list of clicks a purchase followed (store ids and
times, no customer).

Every derived row carries its tenant and its UTC day, the keys every figure is asked by.
"""

from __future__ import annotations

import threading

import sqlalchemy as sa
from sqlalchemy.engine import Engine

metadata = sa.MetaData()

NAME = 128  # Rasa's names (intents, actions, slots, responses) as facts keep them
KEY = 64

EVENTS = sa.Table(
    "analytics_events",
    metadata,
    sa.Column("event_id", sa.String(KEY), primary_key=True),
    sa.Column("sender_key", sa.String(KEY), nullable=False, index=True),
    sa.Column("ts", sa.Float, nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("name", sa.String(NAME), nullable=True),
    sa.Column("value", sa.String(NAME), nullable=True),
    sa.Column("intent", sa.String(NAME), nullable=True),
    sa.Column("confidence", sa.Float, nullable=True),
    sa.Column("flags", sa.String(255), nullable=True),
    sa.Column("channel_tenant", sa.String(NAME), nullable=True),
    sa.Column("message_id", sa.String(KEY), nullable=True),
)

CONVERSATIONS = sa.Table(
    "analytics_conversations",
    metadata,
    sa.Column("conversation_id", sa.String(KEY), primary_key=True),
    sa.Column("sender_key", sa.String(KEY), nullable=False, index=True),
    sa.Column("tenant", sa.String(NAME), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("flow", sa.String(40), nullable=False),
    sa.Column("channel", sa.String(NAME), nullable=True),
    sa.Column("started_at", sa.Float, nullable=False),
    sa.Column("ended_at", sa.Float, nullable=False),
    sa.Column("shopper_turns", sa.Integer, nullable=False),
    sa.Column("handoffs", sa.Integer, nullable=False),
    sa.Column("involved", sa.Boolean, nullable=False),
    sa.Column("resolved", sa.Boolean, nullable=False),
    sa.Column("resolved_by", sa.String(10), nullable=True),  # bot | person
    sa.Column("contained", sa.Boolean, nullable=False),
    sa.Column("resolution_s", sa.Float, nullable=True),
    sa.Column("suggestions_offered", sa.Integer, nullable=False),
    sa.Column("suggestions_shown", sa.Integer, nullable=False),
    sa.Column("suggestions_clicked", sa.Integer, nullable=False),
    sa.Column("suggestions_declined", sa.Integer, nullable=False),
    sa.Index("ix_analytics_conversations_tenant_day", "tenant", "day"),
)

TURNS = sa.Table(
    "analytics_turns",
    metadata,
    sa.Column("conversation_id", sa.String(KEY), primary_key=True),
    sa.Column("turn", sa.Integer, primary_key=True),
    sa.Column("sender_key", sa.String(KEY), nullable=False, index=True),
    sa.Column("tenant", sa.String(NAME), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("flow", sa.String(40), nullable=False),
    sa.Column("ts", sa.Float, nullable=False),
    sa.Column("intent", sa.String(NAME), nullable=True),
    sa.Column("confidence", sa.Float, nullable=True),
    sa.Column("fallback", sa.Boolean, nullable=False),
    sa.Column("low_confidence", sa.Boolean, nullable=False),
    sa.Column("with_person", sa.Boolean, nullable=False),
    sa.Column("latency_ms", sa.Float, nullable=True),
    sa.Column("form", sa.String(NAME), nullable=True),
    sa.Column("requested_slot", sa.String(NAME), nullable=True),
    sa.Column("injection", sa.Boolean, nullable=False),
    sa.Column("handoff_signal", sa.String(40), nullable=True),
    sa.Index("ix_analytics_turns_tenant_day", "tenant", "day"),
)

FORMS = sa.Table(
    "analytics_forms",
    metadata,
    sa.Column("conversation_id", sa.String(KEY), primary_key=True),
    sa.Column("run", sa.Integer, primary_key=True),
    sa.Column("sender_key", sa.String(KEY), nullable=False, index=True),
    sa.Column("tenant", sa.String(NAME), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("flow", sa.String(40), nullable=False),
    sa.Column("form", sa.String(NAME), nullable=False),
    sa.Column("started_at", sa.Float, nullable=False),
    sa.Column("ended_at", sa.Float, nullable=True),
    sa.Column("outcome", sa.String(20), nullable=False),  # completed|handed_off|left|abandoned
    sa.Column("last_step", sa.String(NAME), nullable=True),
    sa.Index("ix_analytics_forms_tenant_day", "tenant", "day"),
)

HANDOFFS = sa.Table(
    "analytics_handoffs",
    metadata,
    sa.Column("conversation_id", sa.String(KEY), primary_key=True),
    sa.Column("n", sa.Integer, primary_key=True),
    sa.Column("sender_key", sa.String(KEY), nullable=False, index=True),
    sa.Column("tenant", sa.String(NAME), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("flow", sa.String(40), nullable=False),
    sa.Column("ts", sa.Float, nullable=False),
    sa.Column("reason", sa.String(40), nullable=False),
    sa.Column("opened", sa.Boolean, nullable=False),
    sa.Column("outcome", sa.String(20), nullable=True),  # resolved | handed_back
    sa.Column("rating", sa.Integer, nullable=True),
    sa.Column("rating_skipped", sa.Boolean, nullable=False),
    sa.Index("ix_analytics_handoffs_tenant_day", "tenant", "day"),
)

# One row per bot reply that was eligible for rewording (generative layer on): the decision.
# A table of its own, not columns of another: create_tables adds a missing table to an existing
# database, never a missing column.
REPLIES = sa.Table(
    "analytics_replies",
    metadata,
    sa.Column("conversation_id", sa.String(KEY), primary_key=True),
    sa.Column("n", sa.Integer, primary_key=True),
    sa.Column("sender_key", sa.String(KEY), nullable=False, index=True),
    sa.Column("tenant", sa.String(NAME), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("flow", sa.String(40), nullable=False),
    sa.Column("ts", sa.Float, nullable=False),
    sa.Column("response", sa.String(NAME), nullable=True),
    sa.Column("rephrased", sa.Boolean, nullable=False),
    sa.Column("reason", sa.String(40), nullable=False),  # guardrails/generation/decisions.py
    sa.Index("ix_analytics_replies_tenant_day", "tenant", "day"),
)

# One row per time the assistant asked its own rating question at goodbye (actions/rating.py),
# with the answer: a 1-5 rating, skipped, or neither (the shopper asked something new or left).
# ``flow`` is the flow of the conversation the question closed. A table of its own, as above.
BOT_RATINGS = sa.Table(
    "analytics_bot_ratings",
    metadata,
    sa.Column("conversation_id", sa.String(KEY), primary_key=True),
    sa.Column("n", sa.Integer, primary_key=True),
    sa.Column("sender_key", sa.String(KEY), nullable=False, index=True),
    sa.Column("tenant", sa.String(NAME), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("flow", sa.String(40), nullable=False),
    sa.Column("ts", sa.Float, nullable=False),
    sa.Column("rating", sa.Integer, nullable=True),
    sa.Column("skipped", sa.Boolean, nullable=False),
    sa.Index("ix_analytics_bot_ratings_tenant_day", "tenant", "day"),
)

# Clicks on suggestions that a purchase followed, fetched from the tenant's commerce backend
# (analytics/purchases.py), one row per list and product. Not derived from the events, so
# `rebuild` leaves it alone. Times are naive UTC; `day` is the click's.
CONVERSIONS = sa.Table(
    "analytics_conversions",
    metadata,
    sa.Column("tenant", sa.String(NAME), primary_key=True),
    sa.Column("recommendation_id", sa.String(KEY), primary_key=True),
    sa.Column("product_id", sa.String(KEY), primary_key=True),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("clicked_at", sa.DateTime, nullable=False),
    sa.Column("order_id", sa.String(KEY), nullable=False),
    sa.Column("placed_at", sa.DateTime, nullable=False),
    sa.Index("ix_analytics_conversions_tenant_day", "tenant", "day"),
)

# Where each resumable source has been read up to (committed with the rows it produced).
OFFSETS = sa.Table(
    "analytics_offsets",
    metadata,
    sa.Column("source", sa.String(255), primary_key=True),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column("marker", sa.String(255), nullable=True),
)

DERIVED = (CONVERSATIONS, TURNS, FORMS, HANDOFFS, REPLIES, BOT_RATINGS)


# create_all looks for each table and then creates the missing ones: two threads doing so on a
# fresh database (the desk's follower and a figures request) both see a table missing, and the
# second CREATE TABLE fails. One lock per process serialises them.
_CREATING = threading.Lock()


def create_tables(engine: Engine) -> None:
    """Create the analytics tables that are missing (nothing else is touched).

    Safe to call from several threads at once. A table that another process creates between
    the look and the CREATE fails that round only: the next round sees it. Each failed round
    means the other process created one more table, so there are at most as many rounds as
    tables.
    """
    with _CREATING:
        for _ in range(len(metadata.tables)):
            try:
                metadata.create_all(engine)
                return
            except sa.exc.DBAPIError:
                continue
        metadata.create_all(engine)  # one last round, whose failure is a real one
