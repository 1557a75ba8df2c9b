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

import sqlalchemy as sa

from analytics.facts import sender_key
from analytics.tables import OFFSETS, metadata
from webkit.db import erase_rows, sqlite_path


def erase(env: Mapping[str, str], sender_ids: Sequence[str]) -> dict[str, int]:
    """Delete every row of the conversations, facts and derived tables alike.

    Args:
        env: The stack's settings: ``ANALYTICS_DB_URL`` (none: nothing to do) and the key the
            conversation ids were digested with.
        sender_ids: The conversations (Rasa sender ids) to erase.

    Returns:
        ``{"analytics_rows": n}``.

    Raises:
        MissingSenderKey: the key is unset, so the rows cannot be found (fail closed).
    """
    url = env.get("ANALYTICS_DB_URL")
    if not url or not sender_ids:
        return {"analytics_rows": 0}
    keys = sorted({sender_key(s, env) for s in sender_ids})
    deletions = [
        (table, table.c.sender_key.in_(keys))
        for table in metadata.sorted_tables
        if "sender_key" in table.c
    ]
    # a batch read before the erasure and committed after it is rolled back (save_checkpoint)
    deleted = erase_rows(url, [*deletions, (OFFSETS, OFFSETS.c.source.startswith("file:"))])
    renew_sql_markers(url)
    return {"analytics_rows": sum(n for name, n in deleted.items() if name != OFFSETS.name)}


def renew_sql_markers(url: str) -> None:
    """Give the sql broker's stored positions a new marker (the position stays: ids do not
    shift), so a batch read before the erasure and committed after it is rolled back."""
    path = sqlite_path(url)
    if path is not None and not path.is_file():
        return
    engine = sa.create_engine(url, future=True)
    try:
        with engine.begin() as conn:
            if sa.inspect(conn).has_table(OFFSETS.name):
                conn.execute(
                    OFFSETS.update()
                    .where(OFFSETS.c.source.startswith("sql:"))
                    .values(marker=f"erased:{uuid.uuid4().hex}")
                )
    finally:
        engine.dispose()
