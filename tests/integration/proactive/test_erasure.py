"""A shopper's erasure from the proactive tables, on a real SQLite file and PostgreSQL."""

from __future__ import annotations

import pytest

from merchants.proactive import Channel, Kind
from proactive.erasure import erase
from proactive.senders import sms_conversation_id
from proactive.store import ProactiveStore
from proactive.tables import CONSENTS
from tests.integration.proactive.test_outbox import NOON, any_store, consent, queue

pytestmark = pytest.mark.timeout(60)
__all__ = ["any_store"]

OTHER_PHONE = "+12025550188"


def url_of(store: ProactiveStore) -> dict[str, str]:
    return {"PROACTIVE_DB_URL": store.engine.url.render_as_string(hide_password=False)}


def consents(store: ProactiveStore, conversation: str) -> list[bool]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            CONSENTS.select().where(CONSENTS.c.conversation_id == conversation)
        ).all()
    return [row.granted for row in rows]


def test_the_conversations_consents_and_waiting_message_go_and_the_others_stay(
    any_store: ProactiveStore,
) -> None:
    mine = consent(any_store)
    other = consent(any_store, conversation=sms_conversation_id("demo", OTHER_PHONE),
                    customer="C-2002")  # fmt: skip
    assert queue(any_store, NOON) == "sent"  # queued for C-1001 in ``mine``
    granted = len(consents(any_store, mine))
    removed = erase(url_of(any_store), [mine])
    assert removed == {"proactive_rows": granted + 1}  # its consents and its queued message
    assert consents(any_store, mine) == [] and any_store.outbox() == []
    assert all(consents(any_store, other))
    assert [d["order_id"] for d in any_store.decisions()] == ["AC-104233"]  # ids only: kept


def test_a_withdrawal_stays_as_the_record_that_it_was_honoured(
    any_store: ProactiveStore,
) -> None:
    mine = consent(any_store)
    any_store.record_stop("demo", mine, NOON)
    consent(any_store, Channel.webchat, conversation="webchat-session-1")
    removed = erase(url_of(any_store), [mine, "webchat-session-1"])
    assert removed["proactive_rows"] == len(Kind)  # the web chat's consents
    assert consents(any_store, mine) == [False] * len(Kind)  # every kind still withdrawn
