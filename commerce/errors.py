"""Domain errors of the store; `commerce.api` alone decides which status code each becomes.

They carry a message written for the caller (the assistant may show it to an agent), so it
names the order and the current state but never another shopper's data.
"""

from __future__ import annotations


class CommerceError(Exception):
    """Base of the domain errors the HTTP layer maps to responses."""


class OrderNotFound(CommerceError):
    """No order matches the reference."""


class VerificationFailed(CommerceError):
    """The order is unknown or the answer does not match it; deliberately indistinguishable."""


class CustomerNotFound(CommerceError):
    """No customer has this id, e-mail, or name and postcode."""


class ProductNotFound(CommerceError):
    """No product has this id."""


class MerchantNotFound(CommerceError):
    """The backend serves no merchant of this name; its rules are unknown, so none apply."""


class InvalidArgument(CommerceError):
    """A caller passed a value outside what the query accepts."""


class InvalidOrderState(CommerceError):
    """The order's status (or an earlier change) does not allow this change."""


class InvalidAddress(CommerceError):
    """The new shipping address is not a deliverable US address."""


class InvalidPaymentMethod(CommerceError):
    """The payment method is unknown, belongs to someone else, or cannot be used here."""


class InsufficientGiftCardBalance(CommerceError):
    """The gift card cannot cover the amount to charge."""


class InvalidItemChange(CommerceError):
    """A new SKU that is unknown, of another product, or the same as the current one."""


class OutOfStock(CommerceError):
    """The variant asked for has no stock for the quantity needed."""


class UnknownLine(CommerceError):
    """A line id that is not a line of the order."""


class AlreadyReturned(CommerceError):
    """A line already covered by a return (or refunded by a claim)."""


class AlreadyClaimed(CommerceError):
    """A line already covered by a claim."""


class IdempotencyKeyReused(CommerceError):
    """The idempotency key was first used for a different request."""
