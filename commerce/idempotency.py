"""Run a change at most once per idempotency key, and replay its first answer afterwards.

The whole change happens in one transaction: the order is found and locked, the key's row
is inserted, the change applied and its answer stored with the key. The key is the table's
primary key, so of two requests with the same key exactly one inserts it; the other fails
on the unique key, rolls back (changing nothing) and replays the answer the first one
committed. A retry that comes later takes the same path. On SQLite the process-wide write
lock (`Database.run(..., write=True)`) already serialises writers; on a server database the
order's row lock and the key's unique index make the second request wait and then replay.

What a key identifies is the route, the order it resolved to (so `AC-104233` and `#104233`
are the same request) and the body as JSON (so formatting does not matter).

Only answers of changes that happened are kept: a refused change (a domain error) rolls
back with its key, so repeating it re-evaluates the request, which is exactly as safe as
replaying it (nothing happened) and gives the caller an up-to-date refusal.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from commerce.errors import IdempotencyKeyReused
from commerce.models import IdempotencyRecord


@dataclass(frozen=True)
class IdempotentRequest:
    """What identifies one change request.

    Attributes:
        key: The caller's `Idempotency-Key`.
        route: Method and route template (`POST /api/v1/orders/{ref}/cancel`).
        body_hash: SHA-256 of the body as canonical JSON (see `body_hash`).
    """

    key: str
    route: str
    body_hash: str

    def fingerprint(self, target: str) -> str:
        """SHA-256 over the order the request resolved to and the body's hash."""
        return hashlib.sha256(f"{target}\n{self.body_hash}".encode()).hexdigest()


@dataclass(frozen=True)
class Answer:
    """An HTTP answer as stored: status code and JSON text; `replayed` when it was."""

    status: int
    body: str
    replayed: bool = False


def body_hash(body: dict[str, Any]) -> str:
    """Hash a JSON body so that equal bodies match however they were formatted."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(session: Session, request: IdempotentRequest, fingerprint: str) -> Answer:
    record = session.get(IdempotencyRecord, request.key)
    if record is None or record.status is None or record.response_body is None:
        # The unique key failed but no committed answer exists: not a duplicate after all.
        raise RuntimeError(f"idempotency key {request.key!r} clashed without a stored answer")
    if (record.route, record.request_hash) != (request.route, fingerprint):
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used for a different request; "
            "use a new key for a new change."
        )
    return Answer(record.status, record.response_body, replayed=True)


def run_once(
    session: Session,
    request: IdempotentRequest,
    target: str,
    now: dt.datetime,
    change: Callable[[], Answer],
) -> Answer:
    """Apply `change` and commit it with its answer, unless the key was used before.

    Args:
        session: The request's session; this function commits or rolls it back.
        request: The key and what it identifies.
        target: The id of the order the request resolved to.
        now: Time of the request, stored with the key.
        change: Does the change in `session` and renders the answer; a domain error it
            raises propagates and nothing is committed.

    Raises:
        IdempotencyKeyReused: The key belongs to another request.
    """
    fingerprint = request.fingerprint(target)
    record = IdempotencyRecord(
        key=request.key, route=request.route, request_hash=fingerprint, created_at=now
    )
    session.add(record)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return _replay(session, request, fingerprint)
    answer = change()
    record.status = answer.status
    record.response_body = answer.body
    try:
        session.commit()
    except IntegrityError:
        # Only reachable when a server database defers the key check to commit.
        session.rollback()
        return _replay(session, request, fingerprint)
    return answer
