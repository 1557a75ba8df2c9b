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
from webkit.db import erase_rows, in_batches


def erase(env: Mapping[str, str], sender_ids: Sequence[str]) -> int:
    """Delete every ticket of the conversations, with what hangs off it; the rows deleted.

    Args:
        env: The stack's settings; ``DESK_DB_URL`` is the desk's database (none: nothing to do).
        sender_ids: The conversations (Rasa sender ids) to erase.
    """
    url = env.get("DESK_DB_URL")
    if not url:
        return 0
    tickets = Ticket.__table__
    hanging = (TicketMessage.__table__, Rating.__table__, AuditEntry.__table__)
    deletions = []
    for theirs in in_batches(tickets.c.sender_id, sender_ids):  # what hangs off, then tickets
        deletions += [
            (table, table.c.ticket_id.in_(sa.select(tickets.c.id).where(theirs)))
            for table in hanging
        ]
        deletions.append((tickets, theirs))
    return erase_rows(url, deletions)
