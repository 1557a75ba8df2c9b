"""The rules of every change to an order: what each state allows and what each change does.

These functions receive an order already loaded (and locked) by `commerce.repository` and
change it in place inside the caller's transaction; money moves only through
`commerce.ledger`. They check everything before changing anything, and raise the domain
errors of `commerce.errors` that the HTTP layer turns into status codes.

The backend enforces only what must hold whatever the caller believes (a parcel that left
cannot be re-addressed). Merchant policy on top (return windows, final-sale items, whether
an order whose items were changed may still be cancelled) is the assistant's job.

One module per kind of change, each with its own reason to change: `pending` (cancel,
address, payment method, items before shipping), `returns` (RMAs and exchanges after
delivery), `claims` (problems with a parcel); `address` says what a deliverable address is
and `checks` holds the checks they share. The names callers use are imported here.
"""

from commerce.changes.address import (
    ADDRESS_LIMITS,
    US_ZIP,
    NewAddress,
    change_default_address,
    validate_address,
)
from commerce.changes.checks import ItemSwap
from commerce.changes.claims import ClaimInput, file_claim
from commerce.changes.pending import cancel, change_address, change_items, change_payment_method
from commerce.changes.returns import ReturnInput, ReturnOutcome, request_return

__all__ = [
    "ADDRESS_LIMITS",
    "US_ZIP",
    "ClaimInput",
    "ItemSwap",
    "NewAddress",
    "ReturnInput",
    "ReturnOutcome",
    "cancel",
    "change_address",
    "change_default_address",
    "change_items",
    "change_payment_method",
    "file_claim",
    "request_return",
    "validate_address",
]
