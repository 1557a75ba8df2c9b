"""A shopper's erasure from the proactive tables, on a real SQLite file and PostgreSQL."""

from __future__ import annotations

import datetime as dt

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


def test_consents_given_in_the_conversation_and_messages_done_go_and_the_rest_stays(
    any_store: ProactiveStore,
) -> None:
    mine = consent(any_store)  # the shopper's "yes" in the conversation
    other = consent(any_store, conversation=sms_conversation_id("demo", OTHER_PHONE),
                    customer="C-2002")  # fmt: skip
    assert queue(any_store, NOON) == "sent"
    (row,) = any_store.claim(NOON, dt.timedelta(minutes=5))
    assert any_store.mark_sending(row, NOON) and any_store.mark_sent(row, NOON)
    assert queue(any_store, NOON, event_id="evt-2", order="AC-104234") == "sent"  # waiting
    granted, others = len(consents(any_store, mine)), consents(any_store, other)
    assert granted == len(Kind) and others == [True] * len(Kind)

    removed = erase(url_of(any_store), [mine])

    assert removed == granted + 1  # its consents and the message sent
    assert consents(any_store, mine) == []
    assert [(r["order_id"], r["status"]) for r in any_store.outbox()] == [("AC-104234", "pending")]
    assert consents(any_store, other) == others
    assert {d["order_id"] for d in any_store.decisions()} == {"AC-104233", "AC-104234"}


def test_a_withdrawal_and_the_shops_own_consent_stay(any_store: ProactiveStore) -> None:
    mine = consent(any_store)
    any_store.record_stop("demo", mine, NOON)
    any_store.record_consent("demo", "C-1001", Channel.webchat, "webchat-session-1", list(Kind),
                             True, "backend", NOON)  # fmt: skip
    assert erase(url_of(any_store), [mine, "webchat-session-1"]) == 0
    assert consents(any_store, mine) == [False] * len(Kind)  # every kind still withdrawn
    assert consents(any_store, "webchat-session-1") == [True] * len(Kind)
