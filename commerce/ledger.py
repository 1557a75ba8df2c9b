"""Payments, refunds and gift-card balances: the bookkeeping every change shares.

Rules, so that the books of an order always balance:

- What an order holds is the sum of its payments that are not voided minus the sum of its
  refunds; for an order that is not cancelled it equals the order's total.
- What one payment still holds is its amount minus the refunds that give it back (nothing
  once voided or marked refunded).
- A gift card is debited when a payment on it is created and credited when a payment on it
  is voided or a refund to it is made; a gift card cannot go below zero.
- Refunds to a gift card are `processed` at once; to a card or PayPal they are `pending`
  (the provider takes 5 to 7 business days).
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy.orm import Session

from commerce.errors import InsufficientGiftCardBalance
from commerce.models import Order, Payment, PaymentMethod, Refund

GIFT_CARD = "gift_card"


def new_id(session: Session, model: Any, prefix: str, digits: int = 8) -> str:
    """A fresh random id like `RF-40213377` that no row of `model` has yet."""
    while True:
        candidate = f"{prefix}-{secrets.randbelow(9 * 10 ** (digits - 1)) + 10 ** (digits - 1)}"
        if session.get(model, candidate) is None:
            return candidate


def held_cents(payment: Payment) -> int:
    """What a payment still holds: its amount minus the refunds that give it back."""
    if payment.status in ("voided", "refunded"):
        return 0
    return max(0, payment.amount_cents - sum(refund.amount_cents for refund in payment.refunds))


def order_held_cents(order: Order) -> int:
    """What the shopper has paid for the order and not been given back."""
    paid = sum(p.amount_cents for p in order.payments if p.status != "voided")
    return paid - sum(refund.amount_cents for refund in order.refunds)


def active_payments(order: Order) -> list[Payment]:
    """Payments still holding money, newest first (the order in which they are unwound)."""
    payments = [payment for payment in order.payments if held_cents(payment) > 0]
    return sorted(payments, key=lambda p: (p.created_at, p.id), reverse=True)


def ensure_can_charge(method: PaymentMethod, amount_cents: int) -> None:
    """Raises: InsufficientGiftCardBalance: A gift card with less than `amount_cents`."""
    if method.type != GIFT_CARD:
        return
    balance = method.gift_card_balance_cents or 0
    if balance < amount_cents:
        raise InsufficientGiftCardBalance(
            f"The gift card balance ({balance / 100:.2f}) does not cover "
            f"{amount_cents / 100:.2f}; choose another payment method."
        )


def charge(
    session: Session,
    order: Order,
    method: PaymentMethod,
    amount_cents: int,
    now: dt.datetime,
    *,
    status: str | None = None,
) -> Payment:
    """Take `amount_cents` more for the order through `method`.

    Args:
        status: `authorized` or `captured`; by default `authorized` when the order's money
            is only authorised so far (a pending order of the demo store), else `captured`.

    Raises:
        InsufficientGiftCardBalance: A gift card that does not cover the amount.
    """
    ensure_can_charge(method, amount_cents)
    if method.type == GIFT_CARD:
        method.gift_card_balance_cents = (method.gift_card_balance_cents or 0) - amount_cents
    if status is None:
        holding = active_payments(order)
        authorised_only = bool(holding) and all(p.status == "authorized" for p in holding)
        status = "authorized" if authorised_only else "captured"
    payment = Payment(
        id=new_id(session, Payment, "PAY"),
        payment_method_id=method.id,
        amount_cents=amount_cents,
        status=status,
        created_at=now,
    )
    payment.method = method
    order.payments.append(payment)
    return payment


def _refund_kind(order: Order, method: PaymentMethod) -> str:
    if any(payment.payment_method_id == method.id for payment in order.payments):
        return "original_payment"
    return "store_credit" if method.type == GIFT_CARD else "other_payment_method"


def refund(
    session: Session,
    order: Order,
    method: PaymentMethod,
    amount_cents: int,
    now: dt.datetime,
    *,
    payment: Payment | None = None,
    claim_id: str | None = None,
) -> Refund:
    """Give `amount_cents` back through `method`, at once to a gift card.

    Args:
        payment: The payment this gives back, if any; its status follows (`refunded` when
            it holds nothing more, else `partially_refunded`).
        claim_id: The claim this refund settles.
    """
    gift_card = method.type == GIFT_CARD
    if gift_card:
        method.gift_card_balance_cents = (method.gift_card_balance_cents or 0) + amount_cents
    row = Refund(
        id=new_id(session, Refund, "RF"),
        claim_id=claim_id,
        payment_id=payment.id if payment is not None else None,
        payment_method_id=method.id,
        amount_cents=amount_cents,
        method=_refund_kind(order, method),
        status="processed" if gift_card else "pending",
        created_at=now,
        processed_at=now if gift_card else None,
    )
    order.refunds.append(row)
    if payment is not None:
        payment.refunds.append(row)
        payment.status = "refunded" if held_cents(payment) == 0 else "partially_refunded"
    return row


def give_back(
    session: Session, order: Order, method: PaymentMethod, amount_cents: int, now: dt.datetime
) -> Refund | None:
    """Return part of the order's money through `method` (a cheaper item change).

    When a payment through `method` holds enough, the money comes out of it: an
    authorisation is reduced (nothing was taken, so nothing is refunded; a gift card gets
    its hold back), a capture is refunded. Otherwise the refund goes to `method` as such.
    """
    for payment in active_payments(order):
        if payment.payment_method_id != method.id or held_cents(payment) < amount_cents:
            continue
        if payment.status == "authorized" and not payment.refunds:
            payment.amount_cents -= amount_cents
            if payment.amount_cents == 0:
                payment.status = "voided"
            if method.type == GIFT_CARD:
                method.gift_card_balance_cents = (
                    method.gift_card_balance_cents or 0
                ) + amount_cents
            return None
        return refund(session, order, method, amount_cents, now, payment=payment)
    return refund(session, order, method, amount_cents, now)


def refund_to_payments(
    session: Session,
    order: Order,
    amount_cents: int,
    now: dt.datetime,
    *,
    claim_id: str | None = None,
) -> list[Refund]:
    """Give `amount_cents` back to the payments that hold it, newest payment first."""
    refunds: list[Refund] = []
    left = amount_cents
    for payment in active_payments(order):
        take = min(held_cents(payment), left)
        if take <= 0:
            break
        refunds.append(
            refund(session, order, payment.method, take, now, payment=payment, claim_id=claim_id)
        )
        left -= take
    return refunds


def release(session: Session, order: Order, now: dt.datetime) -> None:
    """Give back everything the order holds: authorisations voided, captures refunded.

    Used when an order is cancelled and when its payment moves to another method. An
    authorisation that is released in full is voided (a gift card gets its hold back); money
    that was captured, or only part of an authorisation, is refunded to its method.
    """
    left = order_held_cents(order)
    for payment in active_payments(order):
        if left <= 0:
            break
        take = min(held_cents(payment), left)
        if payment.status == "authorized" and take == payment.amount_cents:
            payment.status = "voided"
            if payment.method.type == GIFT_CARD:
                balance = payment.method.gift_card_balance_cents or 0
                payment.method.gift_card_balance_cents = balance + take
        else:
            refund(session, order, payment.method, take, now, payment=payment)
        left -= take
