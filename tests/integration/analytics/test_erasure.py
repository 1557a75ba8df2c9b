"""A shopper's erasure from the analytics tables, as the shoppers'-rights tool runs it.

The tool removes the conversation's lines from the file broker's log (rewritten in place,
shorter) and then the analytics rows; the follower must then go on reading the log without
losing or mangling a line, and bring back nothing of the erased conversation.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

import analytics.consumer
from analytics.consumer import FileSource
from analytics.ingest import ingest
from guardrails.privacy.service import PrivacyStores
from tests.integration.analytics.conftest import tables
from tests.unit.analytics.chats import Chat, a_day_at_the_store, stream

pytestmark = pytest.mark.timeout(120)


def log_lines(chats: list[Chat]) -> bytes:
    return b"".join((json.dumps(m.body) + "\n").encode() for m in stream(chats))


def reference(chats: list[Chat], tmp_path: Path) -> dict[str, Any]:
    """The tables from ingesting these conversations alone, at once."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'reference.db'}")
    ingest(engine, stream(chats))
    found = tables(engine)
    engine.dispose()
    (tmp_path / "reference.db").unlink()
    return found


def privacy_stores(engine: Engine, tmp_path: Path, log: Path) -> PrivacyStores:
    """The shoppers'-rights tool on this log and this analytics database."""
    return PrivacyStores(
        tracker_url=f"sqlite:///{tmp_path / 'tracker.db'}",
        broker="file",
        broker_url=str(log),
        env={
            "ANALYTICS_DB_URL": str(engine.url),
            "AFTERCARE_PII_PSEUDONYM_KEY": os.environ["AFTERCARE_PII_PSEUDONYM_KEY"],
        },
    )


def test_the_erased_conversation_leaves_no_row_and_the_follower_reads_on(
    engine: Engine, tmp_path: Path
) -> None:
    day = sorted(a_day_at_the_store(), key=lambda chat: len(chat.events))
    erased, kept, later = day[0], day[1:-2], day[-2:]  # the shortest goes, the longest come
    log = tmp_path / "events.log"
    log.write_bytes(log_lines([erased, *kept]))
    FileSource(engine, log).read()
    stores = privacy_stores(engine, tmp_path, log)
    report = stores.delete([erased.sender])
    assert report["broker_events"] == len(erased.events) and report["analytics_rows"] > 0
    assert tables(engine) == reference(kept, tmp_path)
    # Rasa appends on: the log is now longer than where the follower had stopped reading
    with log.open("ab") as out:
        out.write(log_lines(later))
    assert log.stat().st_size > len(log_lines([erased, *kept]))
    outcome = FileSource(engine, log).read()
    assert outcome.rejected == 0
    assert tables(engine) == reference([*kept, *later], tmp_path)


def test_a_batch_read_before_the_erasure_and_committed_after_it_is_read_again(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The follower has read the erased conversation's lines when the erasure runs; its
    commit must not bring them back."""
    day = a_day_at_the_store()
    erased, kept = day[0], day[1:]
    log = tmp_path / "events.log"
    log.write_bytes(log_lines(day[1:2]))
    FileSource(engine, log).read()  # a stored position, as a running follower has
    with log.open("ab") as out:
        out.write(log_lines([erased, *day[2:]]))
    stores = privacy_stores(engine, tmp_path, log)
    real_ingest = analytics.consumer.ingest

    def erasure_in_between(*args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(analytics.consumer, "ingest", real_ingest)
        stores.delete([erased.sender])  # between the follower's read and its commit
        return real_ingest(*args, **kwargs)

    monkeypatch.setattr(analytics.consumer, "ingest", erasure_in_between)
    FileSource(engine, log).read()  # rolled back: the position had moved
    FileSource(engine, log).read()  # read again, from the rewritten log
    assert tables(engine) == reference(kept, tmp_path)
