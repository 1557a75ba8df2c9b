"""The rules of every change to an order: what each state allows and what each change does.

These functions receive an order already loaded (and locked) by `commerce.repository` and
change it in place inside the caller's transaction; money moves only through
`commerce.ledger`. They check everything before changing anything, and raise the domain
errors of `commerce.errors` that the HTTP layer turns into status codes.

The backend enforces only what must hold whatever the caller believes (a parcel that left
cannot be re-addressed). Merchant policy on top (return windows, final-sale items, whether
an order whose items were changed may still be cancelled) is the assistant's job.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from commerce import ledger
from commerce.errors import (
    AlreadyClaimed,
    AlreadyReturned,
    InvalidAddress,
    InvalidItemChange,
    InvalidOrderState,
    InvalidPaymentMethod,
    OutOfStock,
    UnknownLine,
)
from commerce.keys import postcode_key
from commerce.models import (
    NOT_SHIPPED_STATUSES,
    SHIPPED_STATUSES,
    Claim,
    ClaimLine,
    Order,
    OrderLine,
    PaymentMethod,
    ProductVariant,
    ReturnLine,
    ReturnRequest,
)

RETURN_DROP_OFF_DAYS = 14
"""Days the shopper has to hand the return parcel to the carrier."""

US_REGIONS = frozenset(
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "
    "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY "
    "DC PR VI GU AS MP AA AE AP".split()
)
"""USPS codes of the states, DC, the inhabited territories and military post offices."""
US_ZIP = re.compile(r"^\d{5}(?:-\d{4})?$")
ADDRESS_LIMITS = {"name": 160, "line1": 120, "line2": 120, "city": 80}


@dataclass(frozen=True)
class NewAddress:
    name: str
    line1: str
    line2: str | None
    city: str
    region: str
    postcode: str
    country: str


@dataclass(frozen=True)
class ItemSwap:
    """One line to move to another variant (`new_sku`) of the same product."""

    line_id: int
    new_sku: str


@dataclass(frozen=True)
class ReturnInput:
    line_ids: tuple[int, ...]
    reason: str
    resolution: str
    payment_method_id: str | None
    exchanges: tuple[ItemSwap, ...]


@dataclass(frozen=True)
class ClaimInput:
    kind: str
    line_ids: tuple[int, ...]
    remedy: str
    description: str | None


@dataclass(frozen=True)
class ReturnOutcome:
    """A new RMA with the order it belongs to and what to tell the shopper."""

    order: Order
    rma: ReturnRequest
    instructions: str


# --- small helpers -------------------------------------------------------------------


def _usd(cents: int) -> str:
    return f"${cents / 100:,.2f}"


def _require_status(order: Order, allowed: frozenset[str] | set[str], action: str) -> None:
    if order.status not in allowed:
        raise InvalidOrderState(f"Order {order.id} is {order.status}; {action}.")


def _lines(order: Order, line_ids: Sequence[int]) -> list[OrderLine]:
    by_number = {line.line_no: line for line in order.lines}
    missing = [line_id for line_id in line_ids if line_id not in by_number]
    if missing:
        raise UnknownLine(
            f"Order {order.id} has no line {', '.join(map(str, missing))}; "
            f"its lines are {', '.join(map(str, sorted(by_number)))}."
        )
    return [by_number[line_id] for line_id in line_ids]


def _customer_method(order: Order, payment_method_id: str) -> PaymentMethod:
    for method in order.customer.payment_methods:
        if method.id == payment_method_id.strip():
            return method
    raise InvalidPaymentMethod(
        "This payment method is not one of the order's customer's payment methods."
    )


def _line_value(lines: Sequence[OrderLine]) -> int:
    return sum(line.unit_price_cents * line.quantity for line in lines)


def _swap_variants(
    session: Session, order: Order, swaps: Sequence[ItemSwap]
) -> list[tuple[OrderLine, ProductVariant]]:
    """Check that every swap is to another in-stock variant of the line's own product.

    Raises:
        UnknownLine, InvalidItemChange, OutOfStock.
    """
    lines = _lines(order, [swap.line_id for swap in swaps])
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
        if variant.sku == line.sku:
            raise InvalidItemChange(f"Line {line.line_no} already is {variant.sku}.")
        needed[variant.sku] = needed.get(variant.sku, 0) + line.quantity
        pairs.append((line, variant))
    for _, variant in pairs:
        if variant.stock < needed[variant.sku]:
            raise OutOfStock(f"{variant.sku} ({_options(variant.options)}) is out of stock.")
    return pairs


def _options(options: Mapping[str, str]) -> str:
    return ", ".join(f"{key} {value}" for key, value in options.items()) or "standard"


# --- changes before shipping ---------------------------------------------------------


def cancel(order: Order, reason: str, session: Session, now: dt.datetime) -> None:
    """Cancel an order that has not shipped; give back every payment; restock its items."""
    _require_status(
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


def validate_address(raw: Mapping[str, Any]) -> NewAddress:
    """A deliverable US address from the request's `address` object.

    Raises:
        InvalidAddress: A required field missing or blank, a field too long, a postcode that
            is not `12345` or `12345-6789`, a region that is not a US state code, or a
            country other than the US.
    """
    values: dict[str, str | None] = {}
    for field in ("name", "line1", "line2", "city", "region", "postcode", "country"):
        value = raw.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            if field != "line2":
                raise InvalidAddress(f"address.{field} is required.")
            values[field] = None
            continue
        if not isinstance(value, str):
            raise InvalidAddress(f"address.{field} must be a string.")
        value = " ".join(value.split())
        if len(value) > ADDRESS_LIMITS.get(field, 120):
            raise InvalidAddress(f"address.{field} is too long.")
        values[field] = value
    postcode = str(values["postcode"])
    region = str(values["region"]).upper()
    country = str(values["country"]).upper()
    if not US_ZIP.match(postcode):
        raise InvalidAddress(f"{postcode} is not a US ZIP code (12345 or 12345-6789).")
    if region not in US_REGIONS:
        raise InvalidAddress(f"{values['region']} is not a two-letter US state code.")
    if country not in ("US", "USA"):
        raise InvalidAddress("We only ship within the United States.")
    return NewAddress(
        name=str(values["name"]),
        line1=str(values["line1"]),
        line2=values["line2"],
        city=str(values["city"]),
        region=region,
        postcode=postcode,
        country="US",
    )


def change_address(order: Order, address: NewAddress) -> None:
    """Send an order that has not shipped to another address."""
    _require_status(
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
    _require_status(
        order, {"pending"}, "the payment method can only change while the order is pending"
    )
    method = _customer_method(order, payment_method_id)
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
    _require_status(order, {"pending"}, "items can only change while the order is pending")
    if order.items_modified:
        raise InvalidOrderState(
            f"Order {order.id} is pending but its items were already changed once; "
            "all item changes have to be made together."
        )
    pairs = _swap_variants(session, order, swaps)
    method = _customer_method(order, payment_method_id)
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


# --- changes after delivery ----------------------------------------------------------


def _check_not_returned_or_claimed(order: Order, lines: Sequence[OrderLine]) -> None:
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
    method = _customer_method(order, payment_method_id)
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
        method = _customer_method(order, payment_method_id)
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
    lines = _lines(order, request.line_ids)
    _check_not_returned_or_claimed(order, lines)
    _require_status(order, {"delivered"}, "only delivered orders can be returned or exchanged")

    refund_method: PaymentMethod | None = None
    swaps: dict[int, ProductVariant] = {}
    charge: tuple[PaymentMethod, int] | None = None
    if request.resolution == "exchange":
        pairs = _swap_variants(session, order, request.exchanges)
        swaps = {line.id: variant for line, variant in pairs}
        difference = sum(
            (variant.price_cents - line.unit_price_cents) * line.quantity for line, variant in pairs
        )
        if difference != 0:
            if request.payment_method_id is None:
                raise InvalidPaymentMethod(
                    f"The exchange changes the price by {_usd(abs(difference))}; a "
                    "payment_method_id is needed to settle it."
                )
            settle_with = _customer_method(order, request.payment_method_id)
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
        refund_cents = _line_value(lines)
    else:
        refund_method = _refund_method(order, request.payment_method_id)
        refund_cents = _line_value(lines)

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
            f"{line.product_name} ({_options(swaps[line.id].options)})" for line in lines
        )
        sentences.append(f"As soon as it reaches our warehouse we ship the replacement: {new}.")
        if charge is not None:
            sentences.append(
                f"The price difference of {_usd(charge[1])} was charged to {charge[0].label}."
            )
        elif rma.refund_amount_cents and method is not None:
            sentences.append(
                f"The price difference of {_usd(rma.refund_amount_cents)} goes back to "
                f"{method.label} then{_timing(method)}."
            )
    elif method is not None:
        what = "as store credit " if rma.resolution == "store_credit" else ""
        sentences.append(
            f"Once it reaches our warehouse we refund {_usd(rma.refund_amount_cents)} {what}to "
            f"{method.label}{_timing(method)}."
        )
    return " ".join(sentences)


def _timing(method: PaymentMethod) -> str:
    if method.type == ledger.GIFT_CARD:
        return ", available at once"
    return "; it takes the provider 5 to 7 business days to show it"


# --- problems with a parcel ----------------------------------------------------------


def file_claim(order: Order, request: ClaimInput, session: Session, now: dt.datetime) -> Claim:
    """Record a damaged, missing, wrong or undelivered item; refund it if that is the remedy.

    Raises:
        InvalidOrderState, UnknownLine, AlreadyClaimed, AlreadyReturned.
    """
    _require_status(order, SHIPPED_STATUSES, "claims are only possible once the order shipped")
    lines = _lines(order, request.line_ids)
    wanted = {line.id for line in lines}
    for claim in order.claims:
        taken = sorted(
            item.order_line.line_no for item in claim.lines if item.order_line_id in wanted
        )
        if taken:
            raise AlreadyClaimed(
                f"Line {', '.join(map(str, taken))} of order {order.id} is already in claim "
                f"{claim.id}."
            )
    _check_not_returned_or_claimed(order, lines)
    amount = _line_value(lines)
    claim = Claim(
        id=ledger.new_id(session, Claim, "CL"),
        customer_id=order.customer_id,
        kind=request.kind,
        remedy=request.remedy,
        status="resolved" if request.remedy == "refund" else "open",
        description=request.description,
        amount_cents=amount,
        created_at=now,
    )
    for line in lines:
        item = ClaimLine(order_line_id=line.id, quantity=line.quantity)
        item.order_line = line
        claim.lines.append(item)
    order.claims.append(claim)
    if request.remedy == "refund":
        session.flush()  # the refund row points at the claim
        ledger.refund_to_payments(session, order, amount, now, claim_id=claim.id)
    return claim
