"""The unit of work behind each API call, for the HTTP handlers.

Handlers never see SQL and this module never sees HTTP: `commerce.api` decides which status
code each domain error of `commerce.errors` becomes. Reads run one query of
`commerce.queries` and return fully loaded, detached ORM objects (see `Database.run`).
Changes load and lock the order, apply a rule of `commerce.changes`, and commit together with
their idempotency record (`commerce.idempotency`), all in one transaction: that transaction
is why the changes live here and not beside the queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TypeVar

from sqlalchemy.orm import Session

from commerce import changes
from commerce.db import Database
from commerce.idempotency import Answer, IdempotentRequest, run_once
from commerce.models import Claim, Customer, Order, PaymentMethod, Product, Refund
from commerce.queries import (
    find_customer_by_email,
    find_customer_by_email_and_postcode,
    find_customer_by_name,
    find_customer_by_phone,
    find_order,
    get_customer,
    get_product,
    list_customer_claims,
    list_customer_orders,
    list_customer_payment_methods,
    list_customer_refunds,
    reload_order,
    search_products,
    verify_order,
)

T = TypeVar("T")
Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    """The time as the store keeps it: naive UTC, to the second."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


class CommerceRepository:
    """Async façade over the query functions and the changes, for the HTTP handlers.

    Args:
        database: Where the work runs.
        clock: The store's time for new records (naive UTC); tests pin it.
    """

    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        self._database = database
        self._clock = clock

    async def get_order(self, reference: str) -> Order:
        return await self._database.run(lambda s: find_order(s, reference))

    async def verify_order(self, reference: str, answer: str) -> Order:
        return await self._database.run(lambda s: verify_order(s, reference, answer))

    async def get_customer(self, customer_id: str) -> Customer:
        return await self._database.run(lambda s: get_customer(s, customer_id))

    async def find_customer_by_email(self, email: str) -> Customer:
        return await self._database.run(lambda s: find_customer_by_email(s, email))

    async def find_customer_by_email_and_postcode(self, email: str, postcode: str) -> Customer:
        return await self._database.run(
            lambda s: find_customer_by_email_and_postcode(s, email, postcode)
        )

    async def find_customer_by_phone(self, phone: str) -> Customer:
        return await self._database.run(lambda s: find_customer_by_phone(s, phone))

    async def find_customer_by_name(self, full_name: str, postcode: str) -> Customer:
        return await self._database.run(lambda s: find_customer_by_name(s, full_name, postcode))

    async def list_customer_orders(self, customer_id: str, limit: int) -> list[Order]:
        return await self._database.run(lambda s: list_customer_orders(s, customer_id, limit))

    async def list_customer_payment_methods(self, customer_id: str) -> list[PaymentMethod]:
        return await self._database.run(lambda s: list_customer_payment_methods(s, customer_id))

    async def list_customer_refunds(self, customer_id: str) -> list[Refund]:
        return await self._database.run(lambda s: list_customer_refunds(s, customer_id))

    async def list_customer_claims(self, customer_id: str, days: int) -> list[Claim]:
        now = self._clock()
        return await self._database.run(lambda s: list_customer_claims(s, customer_id, days, now))

    async def get_product(self, product_id: str) -> Product:
        return await self._database.run(lambda s: get_product(s, product_id))

    async def search_products(self, text: str, limit: int) -> list[tuple[Product, float]]:
        return await self._database.run(lambda s: search_products(s, text, limit))

    # --- changes ---------------------------------------------------------------------

    async def _change(
        self,
        request: IdempotentRequest,
        reference: str,
        apply: Callable[[Session, Order, dt.datetime], T],
        render: Callable[[T], Answer],
    ) -> Answer:
        """Load and lock the order, apply a change, render and store the answer, commit.

        A domain error raised by `apply` rolls everything back, the idempotency key too.
        """
        now = self._clock()

        def work(session: Session) -> Answer:
            order = find_order(session, reference, for_change=True)
            return run_once(
                session, request, order.id, now, lambda: render(apply(session, order, now))
            )

        return await self._database.run(work, write=True)

    async def change_default_address(
        self,
        request: IdempotentRequest,
        customer_id: str,
        address: changes.NewAddress,
        render: Callable[[Customer], Answer],
    ) -> Answer:
        """The customer's default address, changed once per idempotency key."""
        now = self._clock()

        def work(session: Session) -> Answer:
            customer = get_customer(session, customer_id, for_change=True)

            def apply() -> Answer:
                changes.change_default_address(customer, address)
                session.flush()
                return render(customer)

            return run_once(session, request, customer.id, now, apply)

        return await self._database.run(work, write=True)

    async def cancel_order(
        self,
        request: IdempotentRequest,
        reference: str,
        reason: str,
        render: Callable[[Order], Answer],
    ) -> Answer:
        def apply(session: Session, order: Order, now: dt.datetime) -> Order:
            changes.cancel(order, reason, session, now)
            return reload_order(session, order.id)

        return await self._change(request, reference, apply, render)

    async def change_address(
        self,
        request: IdempotentRequest,
        reference: str,
        address: changes.NewAddress,
        render: Callable[[Order], Answer],
    ) -> Answer:
        def apply(session: Session, order: Order, now: dt.datetime) -> Order:
            changes.change_address(order, address)
            return reload_order(session, order.id)

        return await self._change(request, reference, apply, render)

    async def change_payment_method(
        self,
        request: IdempotentRequest,
        reference: str,
        payment_method_id: str,
        render: Callable[[Order], Answer],
    ) -> Answer:
        def apply(session: Session, order: Order, now: dt.datetime) -> Order:
            changes.change_payment_method(order, payment_method_id, session, now)
            return reload_order(session, order.id)

        return await self._change(request, reference, apply, render)

    async def change_items(
        self,
        request: IdempotentRequest,
        reference: str,
        swaps: Sequence[changes.ItemSwap],
        payment_method_id: str,
        render: Callable[[Order], Answer],
    ) -> Answer:
        def apply(session: Session, order: Order, now: dt.datetime) -> Order:
            changes.change_items(order, swaps, payment_method_id, session, now)
            return reload_order(session, order.id)

        return await self._change(request, reference, apply, render)

    async def request_return(
        self,
        request: IdempotentRequest,
        reference: str,
        details: changes.ReturnInput,
        render: Callable[[changes.ReturnOutcome], Answer],
    ) -> Answer:
        def apply(session: Session, order: Order, now: dt.datetime) -> changes.ReturnOutcome:
            outcome = changes.request_return(order, details, session, now)
            session.flush()
            return outcome

        return await self._change(request, reference, apply, render)

    async def file_claim(
        self,
        request: IdempotentRequest,
        reference: str,
        details: changes.ClaimInput,
        render: Callable[[Claim], Answer],
    ) -> Answer:
        def apply(session: Session, order: Order, now: dt.datetime) -> Claim:
            claim = changes.file_claim(order, details, session, now)
            session.flush()
            return claim

        return await self._change(request, reference, apply, render)
