"""The signed event webhook on a real aiohttp server, with the store on a real SQLite file."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from merchants.proactive import Channel, Kind, MissingSecret
from proactive.senders import sms_conversation_id
from proactive.store import ProactiveStore
from proactive.webhook import SIGNATURE_HEADER, create_app, sign
from tests.integration.proactive.conftest import SETTINGS, WEBHOOK_SECRET

pytestmark = pytest.mark.timeout(60)

UTC = dt.timezone.utc
NOON = dt.datetime(2026, 6, 10, 16, 0, tzinfo=UTC)  # 12:00 in New York
PHONE = "+12025550143"


class Client:
    """Posts events to the running webhook as a backend would."""

    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self.http, self.base = http, base

    async def post(
        self,
        body: bytes | dict[str, Any],
        *,
        tenant: str = "demo",
        secret: str = WEBHOOK_SECRET,
        signature: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        header = sign(secret, raw) if signature is None else signature
        if header:
            headers[SIGNATURE_HEADER] = header
        async with self.http.post(
            f"{self.base}/proactive/{tenant}/events", data=raw, headers=headers
        ) as resp:
            return resp.status, await resp.json()


@pytest.fixture
def clock() -> list[dt.datetime]:
    return [NOON]


@pytest.fixture
async def client(store: ProactiveStore, clock: list[dt.datetime]) -> AsyncIterator[Client]:
    app = create_app(store, {"demo": SETTINGS}, clock=lambda: clock[0])
    async with TestServer(app, host="127.0.0.1") as server, aiohttp.ClientSession() as http:
        yield Client(http, str(server.make_url("")).rstrip("/"))


def event(event_id: str = "evt-1", **fields: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": "shipment.delayed",
        "sent_at": NOON.isoformat(),
        "customer_id": "C-1001",
        "order_id": "AC-104233",
        **fields,
    }


def consent(store: ProactiveStore, kinds: list[Kind] | None = None) -> str:
    conversation = sms_conversation_id("demo", PHONE)
    store.record_consent(
        "demo",
        "C-1001",
        Channel.sms,
        conversation,
        kinds or list(Kind),
        True,
        "conversation",
        NOON - dt.timedelta(days=1),
    )
    return conversation


async def test_a_signed_event_is_accepted_and_its_message_queued(
    client: Client, store: ProactiveStore
) -> None:
    conversation = consent(store)
    status, body = await client.post(event())
    assert status == 202
    assert body["messages"] == [
        {
            "kind": "delay",
            "outcome": "send",
            "reason": None,
            "not_before": None,
            "channel": "sms",
            "verdict": "sent",
        }
    ]
    (row,) = store.outbox()
    assert (row["order_id"], row["kind"], row["conversation_id"]) == (
        "AC-104233",
        "delay",
        conversation,
    )
    assert [d["outcome"] for d in store.decisions()] == ["send"]


async def test_the_answer_says_why_a_message_will_not_go(client: Client) -> None:
    status, body = await client.post(event())
    assert status == 202 and body["messages"][0]["verdict"] == "suppressed: consent"


async def test_a_delivery_late_in_the_evening_is_held_until_the_morning_with_a_review_later(
    client: Client, store: ProactiveStore, clock: list[dt.datetime]
) -> None:
    consent(store)
    clock[0] = dt.datetime(2026, 6, 11, 3, 0, tzinfo=UTC)  # 23:00 in New York
    status, body = await client.post(
        event(type="shipment.delivered", sent_at=clock[0].isoformat(), time_zone="America/New_York")
    )
    assert status == 202
    verdicts = {m["kind"]: m["verdict"] for m in body["messages"]}
    assert verdicts == {
        "delivered": "held until 2026-06-11T12:00:00+00:00",  # 8 a.m. in New York
        # Five days on is 23:00 again, so the review request waits for that morning too.
        "review_request": "held until 2026-06-16T12:00:00+00:00",
    }
    assert [r["status"] for r in store.outbox()] == ["pending", "pending"]


@pytest.mark.parametrize(
    ("signature", "secret", "code"),
    [
        ("", WEBHOOK_SECRET, "missing_signature"),
        ("bm90IGEgc2lnbmF0dXJl", WEBHOOK_SECRET, "bad_signature"),
        (None, "another-tenants-secret", "bad_signature"),
    ],
)
async def test_an_unsigned_or_forged_event_is_refused_and_changes_nothing(
    client: Client, store: ProactiveStore, signature: str | None, secret: str, code: str
) -> None:
    consent(store)
    status, body = await client.post(event(), signature=signature, secret=secret)
    assert status == 401 and body["error"]["code"] == code
    assert store.outbox() == [] and store.decisions() == []


async def test_a_signature_over_other_bytes_is_refused(client: Client) -> None:
    raw = json.dumps(event()).encode()
    status, body = await client.post(raw + b"\n", signature=sign(WEBHOOK_SECRET, raw))
    assert status == 401 and body["error"]["code"] == "bad_signature"


@pytest.mark.parametrize("minutes", [-6, 6, -60 * 24])
async def test_an_event_signed_more_than_five_minutes_away_is_refused(
    client: Client, store: ProactiveStore, minutes: int
) -> None:
    consent(store)
    sent_at = (NOON + dt.timedelta(minutes=minutes)).isoformat()
    status, body = await client.post(event(sent_at=sent_at))
    assert status == 401 and body["error"]["code"] == "stale_timestamp"
    assert store.outbox() == []


async def test_an_event_signed_four_minutes_ago_is_still_accepted(client: Client) -> None:
    status, _ = await client.post(event(sent_at=(NOON - dt.timedelta(minutes=4)).isoformat()))
    assert status == 202


async def test_a_replayed_event_id_is_refused_and_nothing_is_sent_twice(
    client: Client, store: ProactiveStore
) -> None:
    consent(store)
    assert (await client.post(event()))[0] == 202
    status, body = await client.post(event())  # the same bytes again
    assert status == 409 and body["error"]["code"] == "replayed_event"
    status, _ = await client.post(event(time_zone="Europe/Berlin"))  # same id, new body
    assert status == 409
    assert len(store.outbox()) == 1


async def test_another_event_with_the_same_news_is_a_duplicate_not_a_second_message(
    client: Client, store: ProactiveStore
) -> None:
    consent(store)
    await client.post(event("evt-1"))
    status, body = await client.post(event("evt-2"))
    assert status == 202 and body["messages"][0]["verdict"] == "suppressed: duplicate"
    assert len(store.outbox()) == 1


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"", "malformed_body"),
        (b"not json", "malformed_body"),
        (b"\xff\xfe", "malformed_body"),
        (b"[1, 2]", "malformed_body"),
        (b"null", "malformed_body"),
        (b'{"event_id": "evt-1"}', "invalid_event"),
        (json.dumps(event(type="shipment.exception")).encode(), "invalid_event"),
        (json.dumps(event(sent_at="yesterday")).encode(), "invalid_event"),
        (json.dumps({**event(), "extra": 1}).encode(), "invalid_event"),
    ],
)
async def test_a_malformed_body_gets_400_with_the_reason(
    client: Client, store: ProactiveStore, raw: bytes, code: str
) -> None:
    status, body = await client.post(raw)
    assert status == 400 and body["error"]["code"] == code
    assert body["error"]["message"]
    assert store.decisions() == []


async def test_an_invalid_event_names_the_fields_at_fault(client: Client) -> None:
    status, body = await client.post(event(customer_id="C 1001!", time_zone="Mars/Base"))
    assert status == 400
    assert {p["field"] for p in body["error"]["problems"]} == {"customer_id", "time_zone"}


async def test_an_unknown_tenant_and_an_oversized_body_are_refused(client: Client) -> None:
    status, body = await client.post(event(), tenant="nobody")
    assert status == 404 and body["error"]["code"] == "unknown_tenant"
    status, body = await client.post(b"{" + b" " * 70_000 + b"}")
    assert status == 413 and body["error"]["code"] == "body_too_large"


async def test_sms_consent_from_the_shop_is_stored_without_the_number(
    client: Client, store: ProactiveStore
) -> None:
    status, body = await client.post(
        {
            "event_id": "evt-consent",
            "type": "consent.updated",
            "sent_at": NOON.isoformat(),
            "customer_id": "C-1001",
            "channel": "sms",
            "phone": PHONE,
            "kinds": ["delay", "delivered"],
            "granted": True,
        }
    )
    assert (status, body) == (202, {"event_id": "evt-consent", "consent": "recorded"})
    status, body = await client.post(event("evt-2"))
    assert body["messages"][0]["verdict"] == "sent"
    (row,) = store.outbox()
    assert row["conversation_id"] == sms_conversation_id("demo", PHONE)
    with store.engine.connect() as conn:
        dump = "\n".join(
            str(tuple(r))
            for t in (
                "proactive_consents",
                "proactive_outbox",
                "proactive_decisions",
                "proactive_seen_events",
            )
            for r in conn.exec_driver_sql(f"SELECT * FROM {t}")
        )
    assert "2025550143" not in dump and "C-1001" in dump


async def test_consent_for_another_tenants_conversation_is_refused(client: Client) -> None:
    status, body = await client.post(
        {
            "event_id": "evt-c2",
            "type": "consent.updated",
            "sent_at": NOON.isoformat(),
            "customer_id": "C-1001",
            "channel": "messenger",
            "conversation_id": "messenger:outdoor:7001",
            "kinds": ["delay"],
            "granted": True,
        }
    )
    assert status == 400 and body["error"]["code"] == "invalid_event"


@pytest.mark.parametrize(
    "raw",
    [
        b"{}",
        b'{"type": 5}',
        b'{"event_id": []}',
        b"\x00" * 10,
        b'{"sent_at": "9999-99-99"}',
        json.dumps(event(sent_at=1e30)).encode(),
        json.dumps(event(item_categories="x" * 10)).encode(),
    ],
)
async def test_no_request_causes_a_server_error(client: Client, raw: bytes) -> None:
    status, body = await client.post(raw)
    assert 400 <= status < 500 and "error" in body


async def test_a_failed_decision_leaves_nothing_behind_so_the_retry_is_accepted(
    client: Client, store: ProactiveStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    consent(store)
    import proactive.store as store_module

    real = store_module.decide

    def fail_on_review(kind: Kind, *args: Any) -> Any:
        if kind is Kind.review_request:
            raise RuntimeError("the process died here")
        return real(kind, *args)

    monkeypatch.setattr(store_module, "decide", fail_on_review)
    status, _ = await client.post(event(type="shipment.delivered"))
    assert status == 500  # our bug, not the request's: the sender will retry
    assert store.outbox() == [] and store.decisions() == []  # not even the delivery news
    monkeypatch.setattr(store_module, "decide", real)
    status, body = await client.post(event(type="shipment.delivered"))
    assert status == 202 and [m["kind"] for m in body["messages"]] == [
        "delivered",
        "review_request",
    ]
    assert len(store.outbox()) == 2


def test_a_tenant_whose_secret_is_not_set_stops_the_start(
    store: ProactiveStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PROACTIVE_WEBHOOK_SECRET_DEMO")
    with pytest.raises(MissingSecret):
        create_app(store, {"demo": SETTINGS})
