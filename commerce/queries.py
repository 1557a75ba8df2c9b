"""Reads of the store: orders by loose reference, verification, customers, products, lists.

These are plain functions of a `Session` so that one unit of work can combine them: the
handlers' reads run them one at a time through `CommerceRepository`, and a change uses
`find_order(..., for_change=True)` and `reload_order` inside its own transaction. They raise
the domain errors of `commerce.errors` and know nothing of HTTP.
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql import Select

from commerce.errors import (
    CustomerNotFound,
    InvalidArgument,
    OrderNotFound,
    ProductNotFound,
    VerificationFailed,
)
from commerce.keys import email_key, name_key, order_ref_key, phone_key, postcode_key
from commerce.models import (
    Claim,
    ClaimLine,
    Customer,
    Order,
    Payment,
    PaymentMethod,
    Product,
    Refund,
    ReturnLine,
    ReturnRequest,
    Shipment,
    StoreInfo,
)
from commerce.search import Scored, rank

MAX_ORDER_LIST_LIMIT = 50
MAX_CLAIM_DAYS = 3650


def _order_query() -> Select:
    """An order with everything the Order shape needs, loaded in a few round trips."""
    return select(Order).options(
        selectinload(Order.lines),
        selectinload(Order.payments).selectinload(Payment.method),
        selectinload(Order.shipment).selectinload(Shipment.events),
        selectinload(Order.returns)
        .selectinload(ReturnRequest.lines)
        .selectinload(ReturnLine.order_line),
        selectinload(Order.refunds),
    )


def _order_for_change_query() -> Select:
    """An order with what the rules and the books need, its row locked for the transaction."""
    return (
        _order_query()
        .options(
            selectinload(Order.payments).selectinload(Payment.refunds),
            selectinload(Order.customer).selectinload(Customer.payment_methods),
            selectinload(Order.returns).selectinload(ReturnRequest.refund_method),
            selectinload(Order.claims).selectinload(Claim.lines).selectinload(ClaimLine.order_line),
        )
        .with_for_update()
    )


def find_order(session: Session, reference: str, *, for_change: bool = False) -> Order:
    """Find an order by a loosely typed reference, as the contract's "Order references".

    A reference with letters is compared with the normalised order id (`AC104233`,
    `W2378156` for τ-bench's `#W2378156`); one of digits only is compared with the digits of
    the order id (`104233`). When digits alone match more than one order, the reference is
    ambiguous and treated as unknown rather than guessing.

    Args:
        for_change: Also load payments' refunds, the customer's payment methods and the
            claims, and lock the order's row until the transaction ends.

    Raises:
        OrderNotFound: Nothing, or more than one order, matches.
    """
    query = _order_for_change_query() if for_change else _order_query()
    return _one_order(session, reference, query)


def _one_order(session: Session, reference: str, query: Select) -> Order:
    """The one order ``query`` finds for ``reference`` (see :func:`find_order`)."""
    key = order_ref_key(reference)
    if not key:
        raise OrderNotFound(reference)
    if key.isdigit():
        query = query.where(Order.ref_digits == key)
    else:
        query = query.where(Order.ref_key == key)
    orders = session.execute(query.limit(2)).scalars().unique().all()
    if len(orders) != 1:
        raise OrderNotFound(reference)
    return orders[0]


def reload_order(session: Session, order_id: str) -> Order:
    """The order as it is now in this transaction, every relationship loaded afresh."""
    session.flush()
    query = _order_query().where(Order.id == order_id).execution_options(populate_existing=True)
    order: Order = session.execute(query).scalars().one()
    return order


def _matches(candidate: str, expected: str) -> bool:
    """Compare non-empty keys without an early exit on the first differing character."""
    if not candidate or not expected:
        return False
    return hmac.compare_digest(candidate.encode("utf-8"), expected.encode("utf-8"))


def answer_matches_order(order: Order, customer: Customer, answer: str) -> bool:
    """True when `answer` is the customer's e-mail or the order's shipping/billing postcode."""
    answer_email = email_key(answer)
    answer_postcode = postcode_key(answer)
    checks = [
        _matches(answer_email, customer.email_key),
        _matches(answer_postcode, order.ship_postcode_key),
        _matches(answer_postcode, order.billing_postcode_key),
    ]
    return any(checks)


def verify_order(session: Session, reference: str, answer: str) -> Order:
    """Return the order when `answer` proves the shopper knows it (its own row: no
    relationship is loaded, and the session's end leaves none to load).

    Unknown orders and wrong answers raise the same error so that the endpoint cannot be
    used to discover which order numbers exist.

    Raises:
        InvalidArgument: The answer is empty.
        VerificationFailed: Unknown order or wrong answer.
    """
    if not answer.strip():
        raise InvalidArgument("answer must not be empty")
    try:
        # the order's own row only: the answer is checked against its postcodes and its
        # customer, and loading its lines, payments and parcel would be seven more queries
        order = _one_order(session, reference, select(Order))
    except OrderNotFound:
        raise VerificationFailed(reference) from None
    customer = session.get(Customer, order.customer_id)
    if customer is None or not answer_matches_order(order, customer, answer):
        raise VerificationFailed(reference)
    return order


def get_customer(session: Session, customer_id: str, for_change: bool = False) -> Customer:
    """A customer by id; the id is tried as typed, then upper-cased, then lower-cased.

    Demo ids are upper case (`C-10023`), τ-bench ids lower case (`noah_brown_6181`), and
    people type either way. ``for_change`` locks the row (PostgreSQL) for the transaction.

    Raises:
        CustomerNotFound: No customer has this id.
    """
    typed = customer_id.strip()
    for candidate in dict.fromkeys((typed, typed.upper(), typed.lower())):
        customer = (
            session.get(Customer, candidate, with_for_update=for_change) if candidate else None
        )
        if customer is not None:
            return customer
    raise CustomerNotFound(customer_id)


def find_customer_by_email(session: Session, email: str) -> Customer:
    """Find a customer by e-mail, case-insensitively and ignoring surrounding spaces.

    Raises:
        InvalidArgument: The e-mail is empty.
        CustomerNotFound: No customer has it.
    """
    key = email_key(email)
    if not key:
        raise InvalidArgument("email must not be empty")
    customer = session.execute(
        select(Customer).where(Customer.email_key == key)
    ).scalar_one_or_none()
    if customer is None:
        raise CustomerNotFound(email)
    return customer


def list_customer_orders(session: Session, customer_id: str, limit: int) -> list[Order]:
    """A customer's most recent orders, newest first, with their lines loaded.

    Raises:
        InvalidArgument: `limit` is outside 1..50.
        CustomerNotFound: The customer does not exist (an existing customer with no orders
            gets an empty list instead).
    """
    if not 1 <= limit <= MAX_ORDER_LIST_LIMIT:
        raise InvalidArgument(f"limit must be between 1 and {MAX_ORDER_LIST_LIMIT}")
    customer = get_customer(session, customer_id)
    query = (
        select(Order)
        .where(Order.customer_id == customer.id)
        .options(selectinload(Order.lines))
        .order_by(Order.placed_at.desc(), Order.id.desc())
        .limit(limit)
    )
    return list(session.execute(query).scalars().all())


def get_product(session: Session, product_id: str) -> Product:
    """Raises: ProductNotFound."""
    query = (
        select(Product)
        .where(Product.id == product_id.strip().upper())
        .options(selectinload(Product.variants))
    )
    product = session.execute(query).scalar_one_or_none()
    if product is None:
        raise ProductNotFound(product_id)
    return product


def search_products(session: Session, text: str, limit: int) -> list[tuple[Product, float]]:
    """The products ``text`` names, best first, with their score (:func:`commerce.search.rank`)."""
    catalogue = session.execute(select(Product.id, Product.name).order_by(Product.id)).all()
    best: list[Scored] = rank(text, [(pid, name) for pid, name in catalogue])[:limit]
    if not best:
        return []
    query = (
        select(Product)
        .where(Product.id.in_([s.product_id for s in best]))
        .options(selectinload(Product.variants))
    )
    loaded = {p.id: p for p in session.execute(query).scalars()}
    return [(loaded[s.product_id], s.score) for s in best]


def sample_orders(session: Session, statuses: Sequence[str], per_status: int) -> list[Order]:
    """The most recently placed orders of each status, for demos; customers loaded."""
    picked: list[Order] = []
    for status in statuses:
        query = (
            select(Order)
            .where(Order.status == status)
            .options(selectinload(Order.customer))
            .order_by(Order.placed_at.desc(), Order.id)
            .limit(per_status)
        )
        picked.extend(session.execute(query).scalars().all())
    return picked


def find_customer_by_phone(session: Session, phone: str) -> Customer:
    """Find the one customer with this phone number (SMS: the sender's number).

    Numbers compare by :func:`phone_key`. Candidates are narrowed in SQL by their last four
    digits, then compared exactly; two customers with one number are ambiguous and treated as
    unknown rather than guessed (a household may share a phone).

    Raises:
        InvalidArgument: The number has fewer than 7 digits.
        CustomerNotFound: No customer, or more than one, has it.
    """
    key = phone_key(phone)
    if len(key) < 7:
        raise InvalidArgument("phone must have at least 7 digits")
    candidates = session.execute(
        select(Customer).where(Customer.phone.is_not(None), Customer.phone.like(f"%{key[-4:]}"))
    ).scalars()
    found = [c for c in candidates if c.phone and phone_key(c.phone) == key]
    if len(found) != 1:
        raise CustomerNotFound(key)
    return found[0]


def find_customer_by_email_and_postcode(session: Session, email: str, postcode: str) -> Customer:
    """Find a customer by e-mail and a postcode they are known by (a bot's check without an order).

    The postcode is that of the customer's address, or one an order of theirs shipped to, as
    order verification accepts either. A wrong pair raises the same error whichever half is
    wrong, so nobody learns that an e-mail exists.

    Raises:
        CustomerNotFound: No customer has this e-mail with this postcode.
    """
    code = postcode_key(postcode)
    try:
        customer = find_customer_by_email(session, email)
    except (CustomerNotFound, InvalidArgument):
        raise CustomerNotFound(email) from None
    shipped_to = session.execute(
        select(Order.ship_postcode_key).where(Order.customer_id == customer.id).distinct()
    ).scalars()
    if not any(_matches(code, known) for known in [customer.postcode_key, *shipped_to]):
        raise CustomerNotFound(email)
    return customer


def find_customer_by_name(session: Session, full_name: str, postcode: str) -> Customer:
    """Find a customer by full name and the postcode of their address (τ-bench's check).

    Names compare case-insensitively with spaces collapsed, postcodes as in verification.
    Two customers with the same name and postcode make the answer ambiguous: treated as
    unknown rather than guessed.

    Raises:
        InvalidArgument: The name or the postcode is empty.
        CustomerNotFound: No customer, or more than one, matches.
    """
    name, code = name_key(full_name), postcode_key(postcode)
    if not name or not code:
        raise InvalidArgument("name and postcode must not be empty")
    query = (
        select(Customer).where(Customer.name_key == name, Customer.postcode_key == code).limit(2)
    )
    found = session.execute(query).scalars().all()
    if len(found) != 1:
        raise CustomerNotFound(full_name)
    return found[0]


def list_customer_payment_methods(session: Session, customer_id: str) -> list[PaymentMethod]:
    """The customer's stored payment methods, the default first.

    Raises:
        CustomerNotFound.
    """
    customer = get_customer(session, customer_id)
    query = (
        select(PaymentMethod)
        .where(PaymentMethod.customer_id == customer.id)
        .order_by(PaymentMethod.is_default.desc(), PaymentMethod.id)
    )
    return list(session.execute(query).scalars().all())


def list_customer_refunds(session: Session, customer_id: str) -> list[Refund]:
    """Every refund on the customer's orders, newest first.

    Raises:
        CustomerNotFound.
    """
    customer = get_customer(session, customer_id)
    query = (
        select(Refund)
        .join(Order, Refund.order_id == Order.id)
        .where(Order.customer_id == customer.id)
        .order_by(Refund.created_at.desc(), Refund.id.desc())
    )
    return list(session.execute(query).scalars().all())


def list_customer_claims(
    session: Session, customer_id: str, days: int, now: dt.datetime
) -> list[Claim]:
    """The customer's claims of the last `days` days, newest first, with their lines.

    Raises:
        InvalidArgument: `days` is outside 1..3650.
        CustomerNotFound.
    """
    if not 1 <= days <= MAX_CLAIM_DAYS:
        raise InvalidArgument(f"days must be between 1 and {MAX_CLAIM_DAYS}")
    customer = get_customer(session, customer_id)
    since = now - dt.timedelta(days=days)
    query = (
        select(Claim)
        .where(Claim.customer_id == customer.id, Claim.created_at >= since)
        .options(selectinload(Claim.lines).selectinload(ClaimLine.order_line))
        .order_by(Claim.created_at.desc(), Claim.id.desc())
    )
    return list(session.execute(query).scalars().all())


def store_kind(session: Session) -> str | None:
    """`demo` or `tau-bench` as the seeder recorded it; None when nothing was recorded."""
    info = session.get(StoreInfo, "store")
    return info.value if info is not None else None
