"""Export, deletion and retention on real stores: the tracker database, the sql and file
brokers, and log files, as the CLI and the admin API see them."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient, TestServer
from rasa.core.brokers.sql import SQLEventBroker
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet

from analytics.tables import create_tables
from guardrails.export import Fakes, export
from guardrails.privacy.__main__ import main as privacy_cli
from guardrails.privacy.api import create_app
from guardrails.privacy.service import PrivacyStores, UnknownShopper
from stack.settings import ROOT
from stores.tracker import ScrubbingTrackerStore
from tests.integration.stores.test_tracker import ADDRESS, EMAIL, NAME, shopper_turns
from webkit.db import IDS_PER_QUERY

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture
def stores(tmp_path: Path, domain: Domain) -> Iterator[PrivacyStores]:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    (tmp_path / "log").mkdir()
    yield PrivacyStores(
        tracker_url=url,
        broker="sql",
        broker_url=f"sqlite:///{tmp_path / 'events.db'}",
        log_dirs=[tmp_path / "log"],
    )


async def converse(stores: PrivacyStores, domain: Domain, sender: str, customer: str) -> None:
    """A stored conversation, its broker events and a log line naming it."""
    store = ScrubbingTrackerStore(domain=domain, host=stores.tracker_url)
    tracker = shopper_turns(domain, sender)
    tracker.update(SlotSet("customer_id", customer))
    await store.save(tracker)
    store.engine.dispose()
    broker = SQLEventBroker(host=stores.broker_url)
    for event in tracker.events:
        broker.publish({"sender_id": sender, **event.as_dict()})
    await broker.close()
    with (stores.log_dirs[0] / "rasa.log").open("a") as log:
        log.write(f"INFO processor - Logged UserUtterance for {sender}\nINFO other line\n")


async def test_customer_export_returns_their_conversations_with_their_values(
    stores: PrivacyStores, domain: Domain
) -> None:
    await converse(stores, domain, "s-ann-1", "C-1")
    await converse(stores, domain, "s-bob-1", "C-2")
    assert stores.sender_ids_for_customer("C-1") == ["s-ann-1"]
    data = stores.export(stores.sender_ids_for_customer("C-1"))
    slots = {e["name"]: e["value"] for e in data["s-ann-1"] if e["event"] == "slot"}
    assert slots["new_address"] == ADDRESS  # decrypted: it is the shopper's own data
    assert "s-bob-1" not in data
    with pytest.raises(UnknownShopper):
        stores.export(["nobody"])


async def test_deletion_leaves_nothing_in_any_store(stores: PrivacyStores, domain: Domain) -> None:
    await converse(stores, domain, "s-ann-2", "C-1")
    await converse(stores, domain, "s-bob-2", "C-2")
    report = stores.delete(["s-ann-2"])
    assert report["tracker_events"] == 12 and report["broker_events"] == 12
    assert report["log_lines"] == 1
    for path in (Path(stores.tracker_url[10:]), Path(stores.broker_url[10:])):  # type: ignore[index]
        assert b"s-ann-2" not in path.read_bytes()  # secure_delete: not even in free pages
    assert "s-ann-2" not in (stores.log_dirs[0] / "rasa.log").read_text()
    assert stores.export(["s-bob-2"])["s-bob-2"]


async def test_deletion_also_erases_copies_sqlite_left_in_free_space(
    stores: PrivacyStores, domain: Domain
) -> None:
    """A row another connection deleted without secure delete (the stock SQLite default), as
    the Rasa server removes an outbox row once it is published, stays in the file's free pages
    until the file is rewritten."""
    await converse(stores, domain, "s-ann-3", "C-1")
    tracker_db = Path(stores.tracker_url.removeprefix("sqlite:///"))
    stored = tracker_db.read_bytes().count(b"s-ann-3")
    with sqlite3.connect(tracker_db) as conn:
        conn.execute("PRAGMA secure_delete = OFF")
        conn.execute("CREATE TABLE published (body TEXT)")
        conn.execute("INSERT INTO published VALUES (?)", ('{"sender_id": "s-ann-3"}' * 200,))
        conn.execute("DELETE FROM published")
    conn.close()
    assert tracker_db.read_bytes().count(b"s-ann-3") > stored + 100  # deleted, still there
    stores.delete(["s-ann-3"])
    assert b"s-ann-3" not in tracker_db.read_bytes()


async def test_retention_purges_only_conversations_older_than_the_limit(
    stores: PrivacyStores, domain: Domain
) -> None:
    await converse(stores, domain, "s-old", "C-1")
    await converse(stores, domain, "s-new", "C-2")
    engine = sa.create_engine(stores.tracker_url)
    with engine.begin() as conn:  # the old conversation ended 100 days ago
        conn.execute(sa.text("UPDATE events SET timestamp = timestamp - 100 * 86400 "
                             "WHERE sender_id = 's-old'"))  # fmt: skip
    engine.dispose()
    expired, report = stores.purge(90)
    assert expired == ["s-old"] and report["tracker_events"] == 12
    assert stores.export(["s-new"])
    with pytest.raises(ValueError, match="at least 1"):
        stores.purge(0)


async def test_a_purge_of_more_conversations_than_one_query_takes_removes_every_one(
    stores: PrivacyStores, domain: Domain
) -> None:
    await converse(stores, domain, "s-old-0", "C-1")
    await converse(stores, domain, "s-new", "C-2")
    old = [f"s-old-{n}" for n in range(2 * IDS_PER_QUERY + 1)]
    for url in (stores.tracker_url, stores.broker_url):  # each old one a copy of the first
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            names = [c["name"] for c in sa.inspect(conn).get_columns("events")]
            rest = ", ".join(name for name in names if name not in ("id", "sender_id"))
            copy = f"INSERT INTO events (sender_id, {rest}) SELECT :s, {rest} FROM events "
            copy += "WHERE sender_id = 's-old-0'"
            conn.execute(sa.text(copy), [{"s": sender} for sender in old[1:]])
            if url == stores.tracker_url:
                conn.execute(sa.text("UPDATE events SET timestamp = timestamp - 100 * 86400 "
                                     "WHERE sender_id LIKE 's-old-%'"))  # fmt: skip
        engine.dispose()
    with (stores.log_dirs[0] / "rasa.log").open("a") as log:
        log.writelines(f"INFO processor - Logged UserUtterance for {s}\n" for s in old[1:])

    expired, report = stores.purge(90)

    assert sorted(expired) == sorted(old)
    assert report["tracker_events"] == report["broker_events"] == 12 * len(old)
    assert report["log_lines"] == len(old)
    assert stores.export(["s-new"])
    with pytest.raises(UnknownShopper):
        stores.export(old)


async def test_cli_deletes_by_customer(
    stores: PrivacyStores,
    domain: Domain,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await converse(stores, domain, "s-cli", "C-9")
    monkeypatch.setenv("TRACKER_STORE_URL", stores.tracker_url)
    monkeypatch.setenv("EVENT_BROKER", "sql")
    monkeypatch.setenv("EVENT_BROKER_URL", str(stores.broker_url))
    monkeypatch.setenv("AFTERCARE_LOG_DIRS", str(stores.log_dirs[0]))
    assert privacy_cli(["delete", "--customer", "C-9"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["deleted"] == ["s-cli"] and out["removed"]["tracker_events"] == 12
    assert privacy_cli(["export", "--sender", "s-cli"]) == 1


async def test_export_for_designers_holds_fakes_and_no_tokens(
    stores: PrivacyStores, domain: Domain, tmp_path: Path
) -> None:
    await converse(stores, domain, "s-export", "C-1")
    examples, stories = export(stores.tracker_url, tmp_path / "out", seed=3)
    assert examples == 2 and stories == 1
    nlu = (tmp_path / "out" / "nlu.yml").read_text()
    for value in (
        EMAIL,
        NAME,
        "Larkspur",
        "<PERSON>",
        "<EMAIL_ADDRESS",
        "<STREET_ADDRESS>",
        "****",
    ):
        assert value not in nlu
    assert "- intent: order_status" in nlu and "- intent: change_address" in nlu
    with sqlite3.connect(stores.tracker_url[10:]) as conn:
        stored = "\n".join(r[0] for r in conn.execute("select data from events"))
    assert "<EMAIL_ADDRESS_" in stored  # the export worked from scrubbed data


def test_the_same_pseudonym_always_gets_the_same_fake() -> None:
    fakes = Fakes(seed=1)
    text = fakes.fill("mail <EMAIL_ADDRESS_0123456789> or <EMAIL_ADDRESS_0123456789>, <PERSON>")
    first, second = text.split(" or ")[0][5:], text.split(" or ")[1].split(",")[0]
    assert first == second and "@" in first
    assert "<" not in text and "****" not in fakes.fill("card **** **** **** 4242")


async def test_when_a_store_cannot_be_erased_the_api_says_503_and_a_retry_finishes(
    stores: PrivacyStores, domain: Domain, tmp_path: Path
) -> None:
    """Analytics can find a conversation's rows only with the key they were digested with."""
    await converse(stores, domain, "s-ann-4", "C-1")
    analytics = sa.create_engine(f"sqlite:///{tmp_path / 'analytics.db'}")
    create_tables(analytics)
    analytics.dispose()
    stores.env = {"ANALYTICS_DB_URL": f"sqlite:///{tmp_path / 'analytics.db'}"}  # no key
    auth = {"Authorization": "Bearer admin-token"}
    async with TestClient(TestServer(create_app(stores, "admin-token"))) as client:
        refused = await client.delete("/privacy/v1/customers/C-1", headers=auth)
        assert refused.status == 503
        assert "analytics: MissingSenderKey" in (await refused.json())["error"]
        stores.env["AFTERCARE_PII_PSEUDONYM_KEY"] = os.environ["AFTERCARE_PII_PSEUDONYM_KEY"]
        again = await client.delete("/privacy/v1/customers/C-1", headers=auth)  # still found
        assert again.status == 200
        assert (await again.json())["removed"]["tracker_events"] == 12
    assert stores.sender_ids_for_customer("C-1") == []
