"""A shopper's erasure from what the channels remember: their last menu and a START.

A STOP stays: it is the record that the number asked not to be texted, which the merchant
must keep and honour (GDPR art. 17(3)(b); carriers and TCPA audits ask for it), and without
it the next proactive message would go out. The shoppers'-rights tool finds this function
through the ``aftercare.shopper_stores`` entry point.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from channels.state import consent_table, menu_table
from webkit.db import erase_rows, in_batches


def erase(env: Mapping[str, str], sender_ids: Sequence[str]) -> int:
    """Delete the conversations' menus and their START records; the rows deleted.

    Args:
        env: The stack's settings; ``CHANNEL_STATE_DB_URL`` (none: nothing to do).
        sender_ids: The conversations (Rasa sender ids; SMS numbers sealed in them).
    """
    url = env.get("CHANNEL_STATE_DB_URL")
    if not url:
        return 0
    started = consent_table.c.opted_out.is_(False)
    return erase_rows(
        url,
        [
            *((menu_table, theirs) for theirs in in_batches(menu_table.c.sender_id, sender_ids)),
            *(
                (consent_table, theirs & started)
                for theirs in in_batches(consent_table.c.sender_id, sender_ids)
            ),
        ],
    )
