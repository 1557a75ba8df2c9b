"""Problems with a parcel: a damaged, missing, wrong or undelivered item becomes a claim.

A claim is refunded at once or left open for a reshipment; unlike a return it needs no
parcel back, so it has its own rule for which lines may be claimed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from commerce import ledger
from commerce.changes.checks import (
    check_not_returned_or_claimed,
    line_value,
    order_lines,
    require_status,
)
from commerce.errors import AlreadyClaimed
from commerce.models import SHIPPED_STATUSES, Claim, ClaimLine, Order


@dataclass(frozen=True)
class ClaimInput:
    kind: str
    line_ids: tuple[int, ...]
    remedy: str
    description: str | None


def file_claim(order: Order, request: ClaimInput, session: Session, now: dt.datetime) -> Claim:
    """Record a damaged, missing, wrong or undelivered item; refund it if that is the remedy.

    Raises:
        InvalidOrderState, UnknownLine, AlreadyClaimed, AlreadyReturned.
    """
    require_status(order, SHIPPED_STATUSES, "claims are only possible once the order shipped")
    lines = order_lines(order, request.line_ids)
    wanted = {line.id for line in lines}
    for claim in order.claims:
        taken = sorted(
            item.order_line.line_no for item in claim.lines if item.order_line_id in wanted
        )
        if taken:
            raise AlreadyClaimed(
                f"Line {', '.join(map(str, taken))} of order {order.id} is already in claim "
                f"{claim.id}."
            )
    check_not_returned_or_claimed(order, lines)
    amount = line_value(lines)
    claim = Claim(
        id=ledger.new_id(session, Claim, "CL"),
        customer_id=order.customer_id,
        kind=request.kind,
        remedy=request.remedy,
        status="resolved" if request.remedy == "refund" else "open",
        description=request.description,
        amount_cents=amount,
        created_at=now,
    )
    for line in lines:
        item = ClaimLine(order_line_id=line.id, quantity=line.quantity)
        item.order_line = line
        claim.lines.append(item)
    order.claims.append(claim)
    if request.remedy == "refund":
        session.flush()  # the refund row points at the claim
        ledger.refund_to_payments(session, order, amount, now, claim_id=claim.id)
    return claim
