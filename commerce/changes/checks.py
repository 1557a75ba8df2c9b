"""The checks every kind of change shares: order state, lines, the customer's methods, swaps.

Each change module (`pending`, `returns`, `claims`) checks everything before changing
anything; the checks they have in common live here so that one rule reads the same wherever
it applies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from commerce.errors import (
    AlreadyReturned,
    InvalidItemChange,
    InvalidOrderState,
    InvalidPaymentMethod,
    OutOfStock,
    UnknownLine,
)
from commerce.models import Order, OrderLine, PaymentMethod, ProductVariant


@dataclass(frozen=True)
class ItemSwap:
    """One line to move to another variant (`new_sku`) of the same product."""

    line_id: int
    new_sku: str


def usd(cents: int) -> str:
    """Cents as the shopper reads an amount in a message (`$1,234.50`)."""
    return f"${cents / 100:,.2f}"


def require_status(order: Order, allowed: frozenset[str] | set[str], action: str) -> None:
    """Refuse the change unless the order is in one of the `allowed` states; `action` says why."""
    if order.status not in allowed:
        raise InvalidOrderState(f"Order {order.id} is {order.status}; {action}.")


def order_lines(order: Order, line_ids: Sequence[int]) -> list[OrderLine]:
    """The order's lines by their numbers; an unknown number names the lines there are."""
    by_number = {line.line_no: line for line in order.lines}
    missing = [line_id for line_id in line_ids if line_id not in by_number]
    if missing:
        raise UnknownLine(
            f"Order {order.id} has no line {', '.join(map(str, missing))}; "
            f"its lines are {', '.join(map(str, sorted(by_number)))}."
        )
    return [by_number[line_id] for line_id in line_ids]


def customer_method(order: Order, payment_method_id: str) -> PaymentMethod:
    """One of the order's customer's stored methods: money never moves to a stranger's."""
    for method in order.customer.payment_methods:
        if method.id == payment_method_id.strip():
            return method
    raise InvalidPaymentMethod(
        "This payment method is not one of the order's customer's payment methods."
    )


def line_value(lines: Sequence[OrderLine]) -> int:
    """What the lines cost at purchase: what a refund or a claim of them is worth."""
    return sum(line.unit_price_cents * line.quantity for line in lines)


def swap_variants(
    session: Session, order: Order, swaps: Sequence[ItemSwap], *, same_allowed: bool = False
) -> list[tuple[OrderLine, ProductVariant]]:
    """Check that every swap is to another in-stock variant of the line's own product.

    ``same_allowed`` (an exchange) also takes the line's own variant: a new one for a faulty
    one. A pending order's item change to the variant it already has changes nothing.

    Raises:
        UnknownLine, InvalidItemChange, OutOfStock.
    """
    lines = order_lines(order, [swap.line_id for swap in swaps])
    pairs: list[tuple[OrderLine, ProductVariant]] = []
    needed: dict[str, int] = {}
    for line, swap in zip(lines, swaps, strict=True):
        variant = session.get(ProductVariant, swap.new_sku.strip())
        if variant is None:
            raise InvalidItemChange(f"{swap.new_sku} is not a variant the store sells.")
        if variant.product_id != line.product_id:
            raise InvalidItemChange(
                f"{variant.sku} is not a variant of {line.product_name} (line {line.line_no}); "
                "items can only change to another option of the same product."
            )
        if variant.sku == line.sku and not same_allowed:
            raise InvalidItemChange(f"Line {line.line_no} already is {variant.sku}.")
        needed[variant.sku] = needed.get(variant.sku, 0) + line.quantity
        pairs.append((line, variant))
    for _, variant in pairs:
        if variant.stock < needed[variant.sku]:
            raise OutOfStock(f"{variant.sku} ({options_label(variant.options)}) is out of stock.")
    return pairs


def options_label(options: Mapping[str, str]) -> str:
    """A variant's options in words (`colour red, size M`), for messages."""
    return ", ".join(f"{key} {value}" for key, value in options.items()) or "standard"


def check_not_returned_or_claimed(order: Order, lines: Sequence[OrderLine]) -> None:
    """Refuse lines already in a return or refunded through a claim: no money back twice."""
    wanted = {line.id for line in lines}
    for rma in order.returns:
        taken = sorted(
            item.order_line.line_no for item in rma.lines if item.order_line_id in wanted
        )
        if taken:
            raise AlreadyReturned(
                f"Line {', '.join(map(str, taken))} of order {order.id} is already in return "
                f"{rma.id}."
            )
    for claim in order.claims:
        if claim.remedy != "refund":
            continue
        taken = sorted(
            item.order_line.line_no for item in claim.lines if item.order_line_id in wanted
        )
        if taken:
            raise AlreadyReturned(
                f"Line {', '.join(map(str, taken))} of order {order.id} was already refunded "
                f"through claim {claim.id}."
            )
