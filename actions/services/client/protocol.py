"""The interface every commerce platform implements for the assistant."""

from __future__ import annotations

import logging
from typing import Protocol

from actions.services.client.records import (
    ClaimCreated,
    Customer,
    Order,
    OrderSummary,
    PaymentMethod,
    Product,
    ProductMatch,
    ReturnCreated,
    Suggestions,
    Verification,
)

logger = logging.getLogger(__name__)


class CommerceClient(Protocol):
    """What the assistant needs from a commerce platform.

    Implement this to connect Aftercare to another order system.
    """

    async def get_order(self, order_ref: str) -> Order:
        """Fetch an order by the shopper's loosely typed reference."""
        ...

    async def verify_order(self, order_ref: str, answer: str) -> Verification:
        """Check an e-mail or postcode against an order; raises VerificationFailed."""
        ...

    async def recent_orders(self, customer_id: str, limit: int = 5) -> list[OrderSummary]:
        """The customer's newest orders, newest first."""
        ...

    async def customer_by_phone(self, phone: str) -> str:
        """The id of the one customer with this phone number; raises CustomerNotFound."""
        ...

    async def cancel_order(self, order_ref: str, reason: str, idempotency_key: str) -> Order:
        """Cancel an order that has not shipped; raises ChangeRefused otherwise."""
        ...

    async def create_return(
        self,
        order_ref: str,
        line_ids: list[int],
        reason: str,
        resolution: str,
        idempotency_key: str,
        exchanges: dict[int, str] | None = None,
        payment_method_id: str | None = None,
    ) -> ReturnCreated:
        """Open a return (or an exchange: line id → new SKU) for delivered lines.

        ``payment_method_id`` settles an exchange's price difference or receives a refund;
        raises ChangeRefused when not allowed.
        """
        ...

    async def create_claim(
        self,
        order_ref: str,
        kind: str,
        line_ids: list[int],
        remedy: str,
        description: str,
        idempotency_key: str,
    ) -> ClaimCreated:
        """Record a delivery problem with its remedy; raises ChangeRefused when not allowed."""
        ...

    async def recent_claims(self, customer_id: str, days: int) -> int:
        """How many problems the customer reported in the last ``days`` days."""
        ...

    async def change_address(
        self, order_ref: str, address: dict[str, str | None], idempotency_key: str
    ) -> Order:
        """Change the delivery address of an unshipped order; ChangeRefused otherwise."""
        ...

    async def change_default_address(
        self, customer_id: str, address: dict[str, str | None], idempotency_key: str
    ) -> str:
        """Change the default address on the shopper's account; returns the account's name.

        ChangeRefused when the backend refuses the address.
        """
        ...

    async def recommendations(
        self,
        customer_id: str | None,
        product_id: str | None = None,
        limit: int = 3,
        about: str | None = None,
        merchant: str | None = None,
    ) -> Suggestions:
        """Products to suggest, best first; popular ones for an unknown shopper.

        ``about`` is the shopper's word for a product ("tent"): suggestions go with it.
        ``merchant`` is the conversation's tenant: a backend that serves several merchants
        applies that merchant's rules (exclusions, price band); None: the backend's own.
        """
        ...

    async def record_click(
        self,
        recommendation_id: str,
        product_id: str,
        customer_id: str | None,
        position: int | None,
    ) -> None:
        """Record that the shopper picked a suggestion (for measuring, not an order)."""
        ...

    async def find_customer(
        self, *, email: str | None = None, name: str | None = None, postcode: str | None = None
    ) -> Customer:
        """The customer with this e-mail (and ZIP, when given), or this full name and ZIP.

        Raises CustomerNotFound otherwise.
        """
        ...

    async def payment_methods(self, customer_id: str) -> list[PaymentMethod]:
        """The customer's stored payment methods, gift cards with their balance."""
        ...

    async def get_product(self, product_id: str) -> Product:
        """A product and all its variants, for offering other options of an item."""
        ...

    async def search_products(self, text: str, limit: int = 5) -> list[ProductMatch]:
        """Catalogue products the shopper's words name, best match first."""
        ...

    async def change_payment_method(
        self, order_ref: str, payment_method_id: str, idempotency_key: str
    ) -> Order:
        """Move a pending order's payment to another of the customer's methods."""
        ...

    async def change_items(
        self,
        order_ref: str,
        changes: dict[int, str],
        payment_method_id: str,
        idempotency_key: str,
    ) -> Order:
        """Swap lines (line id → new SKU) of a pending order, all at once."""
        ...
