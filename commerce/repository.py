"""Queries behind the API, and the domain errors they raise.

Handlers never see SQL and this module never sees HTTP: it raises `OrderNotFound`,
`VerificationFailed`, ... and `commerce.api` decides which status code each one becomes.
Every method returns fully loaded, detached ORM objects (see `Database.run`).
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql import Select

from commerce.db import Database
from commerce.keys import email_key, order_ref_key, postcode_key
from commerce.models import (
    Customer,
    Order,
    Payment,
    Product,
    ReturnLine,
    ReturnRequest,
    Shipment,
)

MAX_ORDER_LIST_LIMIT = 50


class CommerceError(Exception):
    """Base of the domain errors the HTTP layer maps to responses."""


class OrderNotFound(CommerceError):
    """No order matches the reference."""


class VerificationFailed(CommerceError):
    """The order is unknown or the answer does not match it; deliberately indistinguishable."""


class CustomerNotFound(CommerceError):
    """No customer has this id or e-mail."""


class ProductNotFound(CommerceError):
    """No product has this id."""


class InvalidArgument(CommerceError):
    """A caller passed a value outside what the query accepts."""


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


def find_order(session: Session, reference: str) -> Order:
    """Find an order by a loosely typed reference, as the contract's "Order references".

    A reference with letters is compared with the normalised order id (`AC104233`); one of
    digits only is compared with the digits of the order id (`104233`). When digits alone
    match more than one order (possible once ids with other prefixes exist), the reference
    is ambiguous and treated as unknown rather than guessing.

    Raises:
        OrderNotFound: Nothing, or more than one order, matches.
    """
    key = order_ref_key(reference)
    if not key:
        raise OrderNotFound(reference)
    if key.isdigit():
        query = _order_query().where(Order.ref_digits == key)
    else:
        query = _order_query().where(Order.ref_key == key)
    orders = session.execute(query.limit(2)).scalars().unique().all()
    if len(orders) != 1:
        raise OrderNotFound(reference)
    return orders[0]


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
    """Return the order when `answer` proves the shopper knows it.

    Unknown orders and wrong answers raise the same error so that the endpoint cannot be
    used to discover which order numbers exist.

    Raises:
        InvalidArgument: The answer is empty.
        VerificationFailed: Unknown order or wrong answer.
    """
    if not answer.strip():
        raise InvalidArgument("answer must not be empty")
    try:
        order = find_order(session, reference)
    except OrderNotFound:
        raise VerificationFailed(reference) from None
    customer = session.get(Customer, order.customer_id)
    if customer is None or not answer_matches_order(order, customer, answer):
        raise VerificationFailed(reference)
    return order


def get_customer(session: Session, customer_id: str) -> Customer:
    """Raises: CustomerNotFound."""
    customer = session.get(Customer, customer_id.strip().upper())
    if customer is None:
        raise CustomerNotFound(customer_id)
    return customer


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


class CommerceRepository:
    """Async façade over the query functions, for the HTTP handlers.

    Args:
        database: Where the work runs.
    """

    def __init__(self, database: Database) -> None:
        self._database = database

    async def get_order(self, reference: str) -> Order:
        return await self._database.run(lambda s: find_order(s, reference))

    async def verify_order(self, reference: str, answer: str) -> Order:
        return await self._database.run(lambda s: verify_order(s, reference, answer))

    async def get_customer(self, customer_id: str) -> Customer:
        return await self._database.run(lambda s: get_customer(s, customer_id))

    async def find_customer_by_email(self, email: str) -> Customer:
        return await self._database.run(lambda s: find_customer_by_email(s, email))

    async def list_customer_orders(self, customer_id: str, limit: int) -> list[Order]:
        return await self._database.run(lambda s: list_customer_orders(s, customer_id, limit))

    async def get_product(self, product_id: str) -> Product:
        return await self._database.run(lambda s: get_product(s, product_id))
