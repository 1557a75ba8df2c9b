"""Idempotency records: a change commits once with its answer; a retry replays it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commerce.db import Database
from commerce.errors import IdempotencyKeyReused, InvalidOrderState
from commerce.idempotency import Answer, IdempotentRequest, body_hash, run_once
from commerce.models import IdempotencyRecord, StoreInfo

NOW = dt.datetime(2026, 11, 20, 16)
ROUTE = "POST /api/v1/orders/{ref}/cancel"


def _request(key: str = "k-1", body: dict | None = None) -> IdempotentRequest:
    return IdempotentRequest(key, ROUTE, body_hash(body or {"reason": "other"}))


def _change(session: Session, marker: str) -> Answer:
    session.add(StoreInfo(key=marker, value="changed"))
    return Answer(200, f'{{"marker": "{marker}"}}')


def _markers(db: Database) -> int:
    return int(
        db.run_sync(lambda s: s.execute(select(func.count()).select_from(StoreInfo)).scalar())
    )


def test_when_a_key_is_new_then_the_change_commits_with_its_answer(empty_db: Database) -> None:
    answer = empty_db.run_write_sync(
        lambda s: run_once(s, _request(), "AC-1", NOW, lambda: _change(s, "a"))
    )

    record = empty_db.run_sync(lambda s: s.get(IdempotencyRecord, "k-1"))
    assert answer == Answer(200, '{"marker": "a"}', replayed=False)
    assert (record.route, record.status, record.response_body) == (ROUTE, 200, answer.body)
    assert record.created_at == NOW
    assert _markers(empty_db) == 1


def test_when_the_same_request_comes_again_then_the_first_answer_is_replayed_unchanged(
    empty_db: Database,
) -> None:
    empty_db.run_write_sync(lambda s: run_once(s, _request(), "AC-1", NOW, lambda: _change(s, "a")))

    again = empty_db.run_write_sync(
        lambda s: run_once(s, _request(), "AC-1", NOW, lambda: _change(s, "b"))
    )

    assert again == Answer(200, '{"marker": "a"}', replayed=True)
    assert _markers(empty_db) == 1


@pytest.mark.parametrize(
    ("body", "target"),
    [({"reason": "no_longer_needed"}, "AC-1"), ({"reason": "other"}, "AC-2")],
)
def test_when_the_key_comes_with_another_body_or_order_then_it_is_refused(
    empty_db: Database, body: dict, target: str
) -> None:
    empty_db.run_write_sync(lambda s: run_once(s, _request(), "AC-1", NOW, lambda: _change(s, "a")))

    with pytest.raises(IdempotencyKeyReused):
        empty_db.run_write_sync(
            lambda s: run_once(s, _request(body=body), target, NOW, lambda: _change(s, "b"))
        )
    assert _markers(empty_db) == 1


def test_when_the_change_is_refused_then_neither_it_nor_the_key_is_kept(
    empty_db: Database,
) -> None:
    def refuse(session: Session) -> Answer:
        _change(session, "a")
        raise InvalidOrderState("shipped")

    with pytest.raises(InvalidOrderState):
        empty_db.run_write_sync(lambda s: run_once(s, _request(), "AC-1", NOW, lambda: refuse(s)))

    assert empty_db.run_sync(lambda s: s.get(IdempotencyRecord, "k-1")) is None
    assert _markers(empty_db) == 0


def test_when_a_duplicate_was_committed_by_another_connection_then_it_replays(
    empty_db: Database,
) -> None:
    other = Database(empty_db.url, max_workers=1)  # as another process would
    try:
        other.run_write_sync(
            lambda s: run_once(s, _request(), "AC-1", NOW, lambda: _change(s, "a"))
        )
    finally:
        other.close()

    again = empty_db.run_write_sync(
        lambda s: run_once(s, _request(), "AC-1", NOW, lambda: _change(s, "b"))
    )

    assert again.replayed and again.body == '{"marker": "a"}'


def test_when_bodies_differ_only_in_formatting_or_key_order_then_they_hash_alike() -> None:
    assert body_hash({"a": 1, "b": [1, 2]}) == body_hash({"b": [1, 2], "a": 1})
    assert body_hash({"a": 1}) != body_hash({"a": 2})
    assert _request().fingerprint("AC-1") != _request().fingerprint("AC-2")
