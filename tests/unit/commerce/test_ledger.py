"""The books: voids, refunds and gift-card balances always add up to what an order holds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from commerce import ledger
from commerce.db import Database
from commerce.errors import InsufficientGiftCardBalance
from commerce.keys import name_key, order_digits_key, order_ref_key, postcode_key
from commerce.models import Customer, Order, Payment, PaymentMethod

NOW = dt.datetime(2026, 11, 20, 16)
PLACED = NOW - dt.timedelta(hours=5)
CARD, GIFT = "PM-100001", "PM-100002"


def _store(session: Session, payments: list[tuple[str, int, str]], gift_balance: int) -> None:
    session.add(
        Customer(
            id="C-1", first_name="Jo", last_name="Ng", name_key=name_key("Jo Ng"),
            email="jo@example.com", email_key="jo@example.com", phone=None, line1="1 Main",
            city="Austin", region="TX", postcode="78701", postcode_key="78701",
            created_at=PLACED,
        )
    )  # fmt: skip
    session.add(PaymentMethod(id=CARD, customer_id="C-1", type="credit_card", brand="Visa",
                              last4="4242", is_default=True))  # fmt: skip
    session.add(PaymentMethod(id=GIFT, customer_id="C-1", type="gift_card", last4="0002",
                              gift_card_balance_cents=gift_balance, is_default=False))  # fmt: skip
    total = sum(amount for _, amount, _ in payments)
    session.add(
        Order(
            id="AC-1", ref_key=order_ref_key("AC-1"), ref_digits=order_digits_key("AC-1"),
            customer_id="C-1", status="pending", placed_at=PLACED, subtotal_cents=total,
            shipping_cost_cents=0, total_cents=total, ship_name="Jo Ng", ship_line1="1 Main",
            ship_city="Austin", ship_region="TX", ship_postcode="78701",
            ship_postcode_key=postcode_key("78701"), billing_postcode="78701",
            billing_postcode_key="78701",
        )
    )  # fmt: skip
    for number, (method, amount, status) in enumerate(payments, start=1):
        session.add(Payment(id=f"PAY-{number}", order_id="AC-1", payment_method_id=method,
                            amount_cents=amount, status=status,
                            created_at=PLACED + dt.timedelta(minutes=number)))  # fmt: skip
    session.commit()


def _load(session: Session) -> Order:
    query = select(Order).options(
        selectinload(Order.payments).selectinload(Payment.method),
        selectinload(Order.payments).selectinload(Payment.refunds),
        selectinload(Order.refunds),
    )
    return session.execute(query).scalar_one()


@pytest.fixture
def books(empty_db: Database) -> Iterator[Callable[..., Session]]:
    """`books(payments, gift_balance)`: a session holding one order with those payments."""
    sessions: list[Session] = []

    def open_books(payments: list[tuple[str, int, str]], gift_balance: int = 0) -> Session:
        session = empty_db.session()
        sessions.append(session)
        _store(session, payments, gift_balance)
        return session

    yield open_books
    for session in sessions:
        session.close()


def test_when_authorised_payments_are_released_then_they_are_voided_and_the_hold_returns(
    books: Callable[..., Session],
) -> None:
    session = books([(GIFT, 1000, "authorized"), (CARD, 4000, "authorized")], gift_balance=50)
    order = _load(session)

    ledger.release(session, order, NOW)

    assert [p.status for p in order.payments] == ["voided", "voided"]
    assert order.refunds == []
    assert session.get(PaymentMethod, GIFT).gift_card_balance_cents == 1050
    assert ledger.order_held_cents(order) == 0


def test_when_captured_payments_are_released_then_each_is_refunded_to_its_method(
    books: Callable[..., Session],
) -> None:
    session = books([(GIFT, 1000, "captured"), (CARD, 4000, "captured")], gift_balance=0)
    order = _load(session)

    ledger.release(session, order, NOW)

    refunds = {r.payment_method_id: r for r in order.refunds}
    assert (refunds[GIFT].status, refunds[GIFT].processed_at) == ("processed", NOW)
    assert (refunds[CARD].status, refunds[CARD].processed_at) == ("pending", None)
    assert {r.method for r in order.refunds} == {"original_payment"}
    assert [p.status for p in order.payments] == ["refunded", "refunded"]
    assert session.get(PaymentMethod, GIFT).gift_card_balance_cents == 1000
    assert ledger.order_held_cents(order) == 0


def test_when_money_was_already_refunded_elsewhere_then_release_gives_back_only_the_rest(
    books: Callable[..., Session],
) -> None:
    session = books([(CARD, 5000, "captured")], gift_balance=0)
    order = _load(session)
    gift = session.get(PaymentMethod, GIFT)
    ledger.refund(session, order, gift, 700, NOW)  # an item-change difference to a gift card

    ledger.release(session, order, NOW)

    card_refund = next(r for r in order.refunds if r.payment_method_id == CARD)
    assert card_refund.amount_cents == 4300
    assert order.payments[0].status == "partially_refunded"
    assert ledger.order_held_cents(order) == 0


def test_when_refunding_to_payments_then_the_newest_payment_is_given_back_first(
    books: Callable[..., Session],
) -> None:
    session = books([(CARD, 4000, "captured"), (GIFT, 1000, "captured")], gift_balance=0)
    order = _load(session)

    refunds = ledger.refund_to_payments(session, order, 1500, NOW)

    assert [(r.payment_method_id, r.amount_cents) for r in refunds] == [(GIFT, 1000), (CARD, 500)]
    assert [p.status for p in order.payments] == ["partially_refunded", "refunded"]
    assert [ledger.held_cents(p) for p in order.payments] == [3500, 0]


def test_when_a_gift_card_is_charged_then_it_is_debited_and_never_below_zero(
    books: Callable[..., Session],
) -> None:
    session = books([(CARD, 4000, "captured")], gift_balance=900)
    order = _load(session)
    gift = session.get(PaymentMethod, GIFT)

    payment = ledger.charge(session, order, gift, 900, NOW)
    with pytest.raises(InsufficientGiftCardBalance):
        ledger.charge(session, order, gift, 1, NOW)

    assert (payment.status, payment.amount_cents) == ("captured", 900)
    assert gift.gift_card_balance_cents == 0
    assert ledger.order_held_cents(order) == 4900


def test_when_an_authorised_order_is_charged_more_then_the_charge_is_authorised_too(
    books: Callable[..., Session],
) -> None:
    session = books([(CARD, 4000, "authorized")])
    order = _load(session)

    payment = ledger.charge(session, order, session.get(PaymentMethod, CARD), 250, NOW)

    assert payment.status == "authorized"
    assert payment.id.startswith("PAY-") and payment.created_at == NOW


def test_when_a_refund_goes_to_a_method_that_did_not_pay_then_its_kind_says_so(
    books: Callable[..., Session],
) -> None:
    session = books([(CARD, 4000, "captured")])
    order = _load(session)
    session.add(PaymentMethod(id="PM-3", customer_id="C-1", type="paypal", is_default=False))

    to_gift = ledger.refund(session, order, session.get(PaymentMethod, GIFT), 100, NOW)
    to_paypal = ledger.refund(session, order, session.get(PaymentMethod, "PM-3"), 100, NOW)
    to_card = ledger.refund(session, order, session.get(PaymentMethod, CARD), 100, NOW)

    assert [to_gift.method, to_paypal.method, to_card.method] == [
        "store_credit",
        "other_payment_method",
        "original_payment",
    ]


def test_when_an_authorised_payment_gives_money_back_then_the_hold_shrinks_without_a_refund(
    books: Callable[..., Session],
) -> None:
    session = books([(CARD, 4000, "authorized")])
    order = _load(session)

    given = ledger.give_back(session, order, session.get(PaymentMethod, CARD), 600, NOW)

    assert given is None and order.refunds == []
    assert (order.payments[0].amount_cents, order.payments[0].status) == (3400, "authorized")
    assert ledger.order_held_cents(order) == 3400


def test_when_a_captured_payment_gives_money_back_then_it_is_a_refund_tied_to_it(
    books: Callable[..., Session],
) -> None:
    session = books([(CARD, 4000, "captured")])
    order = _load(session)

    given = ledger.give_back(session, order, session.get(PaymentMethod, CARD), 600, NOW)

    assert given is not None and given.payment_id == "PAY-1"
    assert (given.status, order.payments[0].status) == ("pending", "partially_refunded")
