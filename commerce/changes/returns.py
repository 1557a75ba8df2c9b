"""Returns and exchanges of delivered lines: open an RMA and tell the shopper what happens next.

Money for returned goods moves when the parcel arrives, so this module records where it will
go (the original method, a gift card for store credit, the settlement of an exchange) and
words the instructions the shopper reads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from commerce import ledger
from commerce.changes.checks import (
    ItemSwap,
    check_not_returned_or_claimed,
    customer_method,
    line_value,
    options_label,
    order_lines,
    require_status,
    swap_variants,
    usd,
)
from commerce.errors import InvalidPaymentMethod
from commerce.models import (
    Order,
    OrderLine,
    PaymentMethod,
    ProductVariant,
    ReturnLine,
    ReturnRequest,
)

RETURN_DROP_OFF_DAYS = 14
"""Days the shopper has to hand the return parcel to the carrier."""


@dataclass(frozen=True)
class ReturnInput:
    line_ids: tuple[int, ...]
    reason: str
    resolution: str
    payment_method_id: str | None
    exchanges: tuple[ItemSwap, ...]


@dataclass(frozen=True)
class ReturnOutcome:
    """A new RMA with the order it belongs to and what to tell the shopper."""

    order: Order
    rma: ReturnRequest
    instructions: str


def _original_method(order: Order) -> PaymentMethod | None:
    paying = [p for p in order.payments if p.status != "voided"]
    return min(paying, key=lambda p: (p.created_at, p.id)).method if paying else None


def _refund_method(order: Order, payment_method_id: str | None) -> PaymentMethod:
    """The original payment method, or one of the customer's gift cards."""
    if payment_method_id is None:
        method = _original_method(order)
        if method is None:
            raise InvalidPaymentMethod(f"Order {order.id} has no payment to refund to.")
        return method
    method = customer_method(order, payment_method_id)
    paid_with = {p.payment_method_id for p in order.payments if p.status != "voided"}
    if method.id not in paid_with and method.type != ledger.GIFT_CARD:
        raise InvalidPaymentMethod(
            "A refund goes to the original payment method or to one of the customer's gift "
            "cards."
        )
    return method


def _store_credit_card(
    order: Order, payment_method_id: str | None, session: Session
) -> PaymentMethod:
    """The gift card that receives store credit; one is opened if the customer has none."""
    if payment_method_id is not None:
        method = customer_method(order, payment_method_id)
        if method.type != ledger.GIFT_CARD:
            raise InvalidPaymentMethod("Store credit goes to a gift card.")
        return method
    for method in order.customer.payment_methods:
        if method.type == ledger.GIFT_CARD:
            return method
    card_id = ledger.new_id(session, PaymentMethod, "PM", digits=6)
    card = PaymentMethod(
        id=card_id,
        type=ledger.GIFT_CARD,
        last4=card_id[-4:],
        gift_card_balance_cents=0,
        is_default=False,
    )
    order.customer.payment_methods.append(card)
    return card


def request_return(
    order: Order, request: ReturnInput, session: Session, now: dt.datetime
) -> ReturnOutcome:
    """Open an RMA for delivered lines: a refund, store credit or an exchange.

    Money for returned goods moves when the parcel arrives (the RMA records how much and
    where); an exchange that costs more is charged now, because the replacement ships as
    soon as the return arrives.

    Raises:
        UnknownLine, AlreadyReturned, InvalidOrderState, InvalidPaymentMethod,
        InvalidItemChange, OutOfStock, InsufficientGiftCardBalance.
    """
    lines = order_lines(order, request.line_ids)
    check_not_returned_or_claimed(order, lines)
    require_status(order, {"delivered"}, "only delivered orders can be returned or exchanged")

    refund_method: PaymentMethod | None = None
    swaps: dict[int, ProductVariant] = {}
    charge: tuple[PaymentMethod, int] | None = None
    if request.resolution == "exchange":
        pairs = swap_variants(session, order, request.exchanges, same_allowed=True)
        swaps = {line.id: variant for line, variant in pairs}
        difference = sum(
            (variant.price_cents - line.unit_price_cents) * line.quantity for line, variant in pairs
        )
        if difference != 0:
            if request.payment_method_id is None:
                raise InvalidPaymentMethod(
                    f"The exchange changes the price by {usd(abs(difference))}; a "
                    "payment_method_id is needed to settle it."
                )
            settle_with = customer_method(order, request.payment_method_id)
            if difference > 0:
                ledger.charge(session, order, settle_with, difference, now)
                charge = (settle_with, difference)
            else:
                refund_method = settle_with
        refund_cents = max(0, -difference)
        for line, variant in pairs:
            variant.stock -= line.quantity
    elif request.resolution == "store_credit":
        refund_method = _store_credit_card(order, request.payment_method_id, session)
        refund_cents = line_value(lines)
    else:
        refund_method = _refund_method(order, request.payment_method_id)
        refund_cents = line_value(lines)

    rma = ReturnRequest(
        id=ledger.new_id(session, ReturnRequest, "RMA"),
        status="requested",
        resolution=request.resolution,
        reason=request.reason,
        created_at=now,
        refund_amount_cents=refund_cents,
        refund_payment_method_id=refund_method.id if refund_method else None,
    )
    rma.refund_method = refund_method
    for line in lines:
        item = ReturnLine(order_line_id=line.id, quantity=line.quantity)
        item.order_line = line
        replacement = swaps.get(line.id)
        item.exchange_sku = replacement.sku if replacement else None
        rma.lines.append(item)
    order.returns.append(rma)
    order.status = "exchange_requested" if request.resolution == "exchange" else "return_requested"
    instructions = return_instructions(order, rma, lines, swaps, charge)
    return ReturnOutcome(order=order, rma=rma, instructions=instructions)


def return_instructions(
    order: Order,
    rma: ReturnRequest,
    lines: Sequence[OrderLine],
    swaps: Mapping[int, ProductVariant],
    charge: tuple[PaymentMethod, int] | None,
) -> str:
    """What the shopper does next and what happens then, in plain sentences."""
    carrier = order.shipment.carrier if order.shipment is not None else None
    names = ", ".join(line.product_name for line in lines)
    plural = "s" if len(lines) > 1 else ""
    sentences = [
        f"Pack the item{plural} you are sending back ({names}).",
        f"Print the prepaid return label from the e-mail we have sent you for return {rma.id} "
        "and stick it on the parcel.",
        f"Drop the parcel off at any {carrier or 'carrier'} location within "
        f"{RETURN_DROP_OFF_DAYS} days.",
    ]
    method = rma.refund_method
    if rma.resolution == "exchange":
        new = "; ".join(
            f"{line.product_name} ({options_label(swaps[line.id].options)})" for line in lines
        )
        sentences.append(f"As soon as it reaches our warehouse we ship the replacement: {new}.")
        if charge is not None:
            sentences.append(
                f"The price difference of {usd(charge[1])} was charged to {charge[0].label}."
            )
        elif rma.refund_amount_cents and method is not None:
            sentences.append(
                f"The price difference of {usd(rma.refund_amount_cents)} goes back to "
                f"{method.label} then{_timing(method)}."
            )
    elif method is not None:
        what = "as store credit " if rma.resolution == "store_credit" else ""
        sentences.append(
            f"Once it reaches our warehouse we refund {usd(rma.refund_amount_cents)} {what}to "
            f"{method.label}{_timing(method)}."
        )
    return " ".join(sentences)


def _timing(method: PaymentMethod) -> str:
    if method.type == ledger.GIFT_CARD:
        return ", available at once"
    return "; it takes the provider 5 to 7 business days to show it"
