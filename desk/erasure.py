"""A shopper's erasure from the desk: their tickets, transcripts, ratings and audit entries.

The shoppers'-rights tool (``python -m guardrails.privacy delete|purge``) finds this function
through the ``aftercare.shopper_stores`` entry point, so it never imports the desk.

The audit entries of a ticket go with it: they record which agent revealed the shopper's
sealed messages, and once those messages are gone there is nothing left to account for (the
ticket's row, which they point at, is gone too).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sqlalchemy as sa

from desk.models import AuditEntry, Rating, Ticket, TicketMessage
from webkit.db import erase_rows


def erase(env: Mapping[str, str], sender_ids: Sequence[str]) -> dict[str, int]:
    """Delete every ticket of the conversations, with what hangs off it.

    Args:
        env: The stack's settings; ``DESK_DB_URL`` is the desk's database (none: nothing to do).
        sender_ids: The conversations (Rasa sender ids) to erase.

    Returns:
        ``{"desk_rows": n}``: the rows deleted, tickets and what hung off them.
    """
    url = env.get("DESK_DB_URL")
    if not url or not sender_ids:
        return {"desk_rows": 0}
    tickets = sa.select(Ticket.__table__.c.id).where(
        Ticket.__table__.c.sender_id.in_(list(sender_ids))
    )
    deletions = [
        (table, table.c.ticket_id.in_(tickets))
        for table in (TicketMessage.__table__, Rating.__table__, AuditEntry.__table__)
    ]
    deletions.append((Ticket.__table__, Ticket.__table__.c.sender_id.in_(list(sender_ids))))
    return {"desk_rows": sum(erase_rows(url, deletions).values())}
