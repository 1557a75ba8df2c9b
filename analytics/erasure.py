"""A shopper's erasure from the analytics tables: every row derived from their conversations.

The rows hold no text anyone wrote, but they are still about one shopper (a pseudonymous
digest of the conversation, when and how it went), so a shopper's erasure removes them. The
shoppers'-rights tool finds this function through the ``aftercare.shopper_stores`` entry
point. ``analytics_conversions`` names no conversation and stays.

The erasure runs after the conversation's lines left the file broker's log, which was
rewritten in place, shorter: the follower's saved position in it no longer points where it
did, so it is dropped and the log is read again from its start. What is read again is
recognised by its event id and stored once.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from analytics.facts import sender_key
from analytics.tables import OFFSETS, metadata
from webkit.db import erase_rows, in_batches


def erase(env: Mapping[str, str], sender_ids: Sequence[str]) -> int:
    """Delete every row of the conversations, facts and derived tables alike; the rows deleted.

    The follower's positions change in the same transaction: the file broker's are dropped
    (its log was rewritten shorter), the sql broker's get a new marker (its ids do not
    shift). Either way a batch read before the erasure and committed after it is rolled back
    (:func:`analytics.ingest.save_checkpoint`).

    Args:
        env: The stack's settings: ``ANALYTICS_DB_URL`` (none: nothing to do) and the key the
            conversation ids were digested with.
        sender_ids: The conversations (Rasa sender ids) to erase.

    Raises:
        MissingSenderKey: the key is unset, so the rows cannot be found (fail closed).
    """
    url = env.get("ANALYTICS_DB_URL")
    if not url:
        return 0
    keys = sorted({sender_key(s, env) for s in sender_ids})
    deletions = [
        (table, where)
        for table in metadata.sorted_tables
        if "sender_key" in table.c
        for where in in_batches(table.c.sender_key, keys)
    ]
    positions = [
        OFFSETS.delete().where(OFFSETS.c.source.startswith("file:")),
        OFFSETS.update()
        .where(OFFSETS.c.source.startswith("sql:"))
        .values(marker=f"erased:{uuid.uuid4().hex}"),
    ]
    return erase_rows(url, deletions, also=positions)
