"""Changes to an order that has not shipped: cancel it, re-address it, pay or fill it otherwise.

They share one precondition, that nothing has left the warehouse, and one effect on money:
what the order holds is released or moved through `commerce.ledger`, never refunded from a
parcel's return.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.orm import Session

from commerce import ledger
from commerce.changes.address import NewAddress
from commerce.changes.checks import ItemSwap, customer_method, require_status, swap_variants
from commerce.errors import InvalidOrderState, InvalidPaymentMethod
from commerce.keys import postcode_key
from commerce.models import NOT_SHIPPED_STATUSES, Order, ProductVariant


def cancel(order: Order, reason: str, session: Session, now: dt.datetime) -> None:
    """Cancel an order that has not shipped; give back every payment; restock its items."""
    require_status(
        order, NOT_SHIPPED_STATUSES, "only orders that have not shipped yet can be cancelled"
    )
    ledger.release(session, order, now)
    for line in order.lines:
        variant = session.get(ProductVariant, line.sku)
        if variant is not None:
            variant.stock += line.quantity
    order.status = "cancelled"
    order.cancelled_at = now
    order.cancel_reason = reason


def change_address(order: Order, address: NewAddress) -> None:
    """Send an order that has not shipped to another address."""
    require_status(
        order, NOT_SHIPPED_STATUSES, "the address can only change before the order ships"
    )
    order.ship_name = address.name
    order.ship_line1 = address.line1
    order.ship_line2 = address.line2
    order.ship_city = address.city
    order.ship_region = address.region
    order.ship_postcode = address.postcode
    order.ship_postcode_key = postcode_key(address.postcode)
    order.ship_country = address.country


def change_payment_method(
    order: Order, payment_method_id: str, session: Session, now: dt.datetime
) -> None:
    """Move the whole of a pending order's payment to another of the customer's methods.

    What the old methods hold is given back (voided if only authorised, else refunded) and
    the new method pays the same amount, authorised or captured like the money it replaces.

    Raises:
        InvalidOrderState, InvalidPaymentMethod, InsufficientGiftCardBalance.
    """
    require_status(
        order, {"pending"}, "the payment method can only change while the order is pending"
    )
    method = customer_method(order, payment_method_id)
    holding = ledger.active_payments(order)
    if holding and all(payment.payment_method_id == method.id for payment in holding):
        raise InvalidPaymentMethod(f"Order {order.id} is already paid with {method.label}.")
    amount = ledger.order_held_cents(order)
    ledger.ensure_can_charge(method, amount)
    authorised_only = bool(holding) and all(p.status == "authorized" for p in holding)
    status = "authorized" if authorised_only else "captured"
    ledger.release(session, order, now)
    ledger.charge(session, order, method, amount, now, status=status)


def change_items(
    order: Order,
    swaps: Sequence[ItemSwap],
    payment_method_id: str,
    session: Session,
    now: dt.datetime,
) -> None:
    """Swap lines of a pending order to other variants of the same products, once.

    The price difference is charged to, or refunded through, `payment_method_id`.

    Raises:
        InvalidOrderState, UnknownLine, InvalidItemChange, OutOfStock, InvalidPaymentMethod,
        InsufficientGiftCardBalance.
    """
    require_status(order, {"pending"}, "items can only change while the order is pending")
    if order.items_modified:
        raise InvalidOrderState(
            f"Order {order.id} is pending but its items were already changed once; "
            "all item changes have to be made together."
        )
    pairs = swap_variants(session, order, swaps)
    method = customer_method(order, payment_method_id)
    difference = sum(
        (variant.price_cents - line.unit_price_cents) * line.quantity for line, variant in pairs
    )
    if difference > 0:
        ledger.charge(session, order, method, difference, now)
    elif difference < 0:
        ledger.give_back(session, order, method, -difference, now)
    for line, variant in pairs:
        old = session.get(ProductVariant, line.sku)
        if old is not None:
            old.stock += line.quantity
        variant.stock -= line.quantity
        line.sku = variant.sku
        line.options = dict(variant.options)
        line.unit_price_cents = variant.price_cents
    order.subtotal_cents = sum(line.unit_price_cents * line.quantity for line in order.lines)
    order.total_cents = order.subtotal_cents + order.shipping_cost_cents
    order.items_modified = True
