"""A shopper's erasure from the proactive tables: what their conversations left there.

- **Consents given in the conversation** go (``source`` ``conversation``: the shopper's "yes"
  to order news, asked by the assistant). A consent the shop's system sent
  (``consent.updated``, source ``backend``) is the merchant's own record, like its orders, and
  stays: a retention purge of an old chat must not stop the news the shop was asked for.
- **A withdrawal** (STOP, or a "no" in the conversation) stays: it is the merchant's record that
  the shopper's wish was honoured, which the law asks them to keep (GDPR art. 17(3)(b)), and it
  lets nothing be sent.
- **Messages already sent, suppressed or failed** go. A message still waiting stays, to be
  judged again when it is due, as every message is: without a consent it is not sent.
- **The decisions** name the backend's customer and order ids only, no conversation, and stay
  as the record of why a message was or was not sent.

The shoppers'-rights tool finds this function through the ``aftercare.shopper_stores``
entry point.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from proactive.tables import CONSENTS, OUTBOX, PENDING
from webkit.db import erase_rows, in_batches


def erase(env: Mapping[str, str], sender_ids: Sequence[str]) -> int:
    """Delete the consents given in the conversations and the messages done with; the rows
    deleted.

    Args:
        env: The stack's settings; ``PROACTIVE_DB_URL`` (none: nothing to do).
        sender_ids: The conversations (Rasa sender ids) to erase.
    """
    url = env.get("PROACTIVE_DB_URL")
    if not url:
        return 0
    given = CONSENTS.c.granted.is_(True) & (CONSENTS.c.source == "conversation")
    done = OUTBOX.c.status != PENDING
    return erase_rows(
        url,
        [
            *(
                (CONSENTS, ours & given)
                for ours in in_batches(CONSENTS.c.conversation_id, sender_ids)
            ),
            *((OUTBOX, ours & done) for ours in in_batches(OUTBOX.c.conversation_id, sender_ids)),
        ],
    )
