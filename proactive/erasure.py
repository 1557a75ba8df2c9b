"""A shopper's erasure from the proactive tables: their conversations' consents and messages.

A consent given in a conversation, and every message queued or sent to one, name that
conversation (for SMS, the sealed phone number), so they go with it; a message still
waiting is never sent. A withdrawal (STOP, or a "no" in the conversation) stays: it is the
merchant's record that the shopper's wish was honoured, which the law asks them to keep
(GDPR art. 17(3)(b)), and it lets nothing be sent. The decisions name the backend's customer
and order ids only, no conversation, and stay as the record of why a message was or was not
sent.

The shoppers'-rights tool finds this function through the ``aftercare.shopper_stores``
entry point.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from proactive.tables import CONSENTS, OUTBOX
from webkit.db import erase_rows


def erase(env: Mapping[str, str], sender_ids: Sequence[str]) -> dict[str, int]:
    """Delete the consents given in the conversations and the messages sent to them.

    Args:
        env: The stack's settings; ``PROACTIVE_DB_URL`` (none: nothing to do).
        sender_ids: The conversations (Rasa sender ids) to erase.

    Returns:
        ``{"proactive_rows": n}``.
    """
    url = env.get("PROACTIVE_DB_URL")
    if not url or not sender_ids:
        return {"proactive_rows": 0}
    ids = list(sender_ids)
    deletions = [
        (CONSENTS, CONSENTS.c.conversation_id.in_(ids) & CONSENTS.c.granted.is_(True)),
        (OUTBOX, OUTBOX.c.conversation_id.in_(ids)),
    ]
    return {"proactive_rows": sum(erase_rows(url, deletions).values())}
