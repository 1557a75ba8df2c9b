"""A shopper's erasure from the desk's database: their tickets and all that hangs off them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desk.db import DeskDatabase
from desk.erasure import erase
from desk.models import Agent, AuditEntry, Rating, Ticket, TicketMessage
from tests.integration.desk.conftest import BOT_TOKEN, open_ticket
from webkit.db import IDS_PER_QUERY

pytestmark = pytest.mark.timeout(60)


def count(db: DeskDatabase, model: type) -> int:
    return db.run_sync(lambda s: s.scalar(select(func.count()).select_from(model)))


async def test_the_shoppers_tickets_go_with_their_transcript_rating_and_audit(
    desk: TestClient, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    mine = await open_ticket(desk, [("shopper", "my parcel never came")],
                             sender_id="shopper-erased")  # fmt: skip
    await open_ticket(desk, [("shopper", "where is my parcel")], sender_id="shopper-kept")
    rated = await desk.post(
        "/api/bot/ratings",
        json={"sender_id": "shopper-erased", "ticket_id": mine, "score": 5},
        headers={"Authorization": f"Bearer {BOT_TOKEN}"},
    )
    assert rated.status < 300, await rated.text()
    db = DeskDatabase(url)
    try:

        def revealed(session: Session) -> None:  # as a supervisor's reveal records it
            agent = session.scalars(select(Agent)).first()
            assert agent is not None
            session.add(AuditEntry(agent_id=agent.id, ticket_id=mine, action="reveal",
                                   created_at=dt.datetime.now()))  # fmt: skip
            session.commit()

        db.run_write_sync(revealed)
        assert (count(db, Rating), count(db, AuditEntry)) == (1, 1)
        messages = count(db, TicketMessage)

        # the ticket, its message, its rating and its audit entry
        assert erase({"DESK_DB_URL": url}, ["shopper-erased"]) == 1 + messages // 2 + 1 + 1
        senders = db.run_sync(lambda s: list(s.scalars(select(Ticket.sender_id))))
        assert senders == ["shopper-kept"]
        assert (count(db, TicketMessage), count(db, Rating), count(db, AuditEntry)) == (
            messages // 2, 0, 0,
        )  # fmt: skip
    finally:
        db.close()
    assert b"shopper-erased" not in (tmp_path / "desk.db").read_bytes()  # nor in free pages


def test_a_desk_that_never_started_is_left_uncreated(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    assert erase({"DESK_DB_URL": url}, ["anyone"]) == 0
    assert not (tmp_path / "desk.db").exists()


async def test_a_shopper_in_the_last_batch_of_a_long_erasure_goes_with_their_transcript(
    desk: TestClient, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    await open_ticket(desk, [("shopper", "my parcel never came")], sender_id="shopper-late")
    db = DeskDatabase(url)
    try:
        messages = count(db, TicketMessage)
        others = [f"someone-{n}" for n in range(2 * IDS_PER_QUERY)]
        assert erase({"DESK_DB_URL": url}, [*others, "shopper-late"]) == 1 + messages
        assert (count(db, Ticket), count(db, TicketMessage)) == (0, 0)
    finally:
        db.close()
