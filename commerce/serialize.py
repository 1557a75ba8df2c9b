"""Stored rows as the answers of `commerce.schemas`, and those answers as JSON text.

Every serialiser builds its pydantic shape, so a missing key, an extra one or a status outside
the contract fails where the answer is made; `dumps` then writes it with money in two decimals.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, overload

from aiohttp import web
from pydantic import BaseModel

from commerce import models as rows
from commerce import schemas
from commerce.changes import ReturnOutcome
from commerce.recommendations import ConversionPage, Suggestions


def money(cents: int) -> Decimal:
    """Cents as an exact two-decimal amount (`11800` becomes `Decimal("118.00")`)."""
    return Decimal(cents).scaleb(-2)


def _encode(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, Decimal):
        out.append(format(value.quantize(Decimal("0.01")), "f"))
    elif isinstance(value, int | float | str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, BaseModel):
        fields = value.__fields_set__
        _encode({name: getattr(value, name) for name in value.__fields__ if name in fields}, out)
    elif isinstance(value, Mapping):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            if index:
                out.append(", ")
            out.append(json.dumps(str(key), ensure_ascii=False))
            out.append(": ")
            _encode(item, out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(", ")
            _encode(item, out)
        out.append("]")
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def dumps(value: Any) -> str:
    """JSON text in which money keeps two decimals (`118.00`, not `118.0`).

    The standard encoder cannot print a `Decimal` as a bare number, and the contract shows
    money with two decimals, so this small encoder handles the few types the API emits. A
    shape leaves out the optional keys it was built without (a card's `balance`).
    """
    out: list[str] = []
    _encode(value, out)
    return "".join(out)


def json_response(data: Any, *, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=dumps)


@overload
def iso_time(value: dt.datetime) -> str: ...
@overload
def iso_time(value: dt.datetime | None) -> str | None: ...
def iso_time(value: dt.datetime | None) -> str | None:
    """A naive UTC datetime as `2026-11-20T14:03:00Z`."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat() + "Z"


@overload
def iso_date(value: dt.date) -> str: ...
@overload
def iso_date(value: dt.date | None) -> str | None: ...
def iso_date(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


# --- Orders ----------------------------------------------------------------------------


def serialize_line(line: rows.OrderLine) -> schemas.OrderLine:
    return schemas.OrderLine(
        line_id=line.line_no,
        product_id=line.product_id,
        sku=line.sku,
        product_name=line.product_name,
        category=line.category,
        options=dict(line.options),
        quantity=line.quantity,
        unit_price=money(line.unit_price_cents),
        final_sale=bool(line.final_sale),
    )


def serialize_method_ref(method: rows.PaymentMethod) -> schemas.PaymentMethodRef:
    return schemas.PaymentMethodRef(
        payment_method_id=method.id, type=method.type, label=method.label
    )


def serialize_payment(payment: rows.Payment) -> schemas.Payment:
    return schemas.Payment(
        payment_id=payment.id,
        method=serialize_method_ref(payment.method),
        amount=money(payment.amount_cents),
        status=payment.status,
    )


def serialize_event(event: rows.TrackingEvent) -> schemas.TrackingEvent:
    return schemas.TrackingEvent(
        timestamp=iso_time(event.timestamp),
        status=event.status,
        description=event.description,
        location=event.location,
    )


def serialize_shipment(shipment: rows.Shipment | None) -> schemas.Shipment | None:
    if shipment is None:
        return None
    return schemas.Shipment(
        carrier=shipment.carrier,
        tracking_number=shipment.tracking_number,
        tracking_url=shipment.tracking_url,
        status=shipment.status,
        shipped_at=iso_time(shipment.shipped_at),
        promised_delivery_date=iso_date(shipment.promised_delivery_date),
        estimated_delivery_date=iso_date(shipment.estimated_delivery_date),
        delivered_at=iso_time(shipment.delivered_at),
        events=[serialize_event(event) for event in shipment.events],
    )


def _return_fields(rma: rows.ReturnRequest) -> dict[str, Any]:
    return {
        "rma_id": rma.id,
        "status": rma.status,
        "created_at": iso_time(rma.created_at),
        "resolution": rma.resolution,
        "line_ids": sorted(item.order_line.line_no for item in rma.lines),
        "reason": rma.reason,
        "exchanges": [
            schemas.Exchange(line_id=item.order_line.line_no, new_sku=item.exchange_sku)
            for item in sorted(rma.lines, key=lambda item: item.order_line.line_no)
            if item.exchange_sku is not None
        ],
    }


def serialize_return(rma: rows.ReturnRequest) -> schemas.Return:
    return schemas.Return(**_return_fields(rma))


def _refund_fields(refund: rows.Refund) -> dict[str, Any]:
    return {
        "refund_id": refund.id,
        "amount": money(refund.amount_cents),
        "method": refund.method,
        "status": refund.status,
        "created_at": iso_time(refund.created_at),
        "processed_at": iso_time(refund.processed_at),
    }


def serialize_refund(refund: rows.Refund) -> schemas.Refund:
    return schemas.Refund(**_refund_fields(refund))


def serialize_order(order: rows.Order) -> schemas.Order:
    """The full Order shape of the contract."""
    return schemas.Order(
        order_id=order.id,
        customer_id=order.customer_id,
        status=order.status,
        items_modified=bool(order.items_modified),
        placed_at=iso_time(order.placed_at),
        currency=order.currency,
        subtotal=money(order.subtotal_cents),
        shipping_cost=money(order.shipping_cost_cents),
        total=money(order.total_cents),
        lines=[serialize_line(line) for line in order.lines],
        shipping_address=schemas.Address(
            name=order.ship_name,
            line1=order.ship_line1,
            line2=order.ship_line2,
            city=order.ship_city,
            region=order.ship_region,
            postcode=order.ship_postcode,
            country=order.ship_country,
        ),
        payments=[serialize_payment(payment) for payment in order.payments],
        shipment=serialize_shipment(order.shipment),
        returns=[serialize_return(rma) for rma in order.returns],
        refunds=[serialize_refund(refund) for refund in order.refunds],
    )


def serialize_order_summary(order: rows.Order) -> schemas.OrderSummary:
    """OrderSummary: `item_count` counts units (quantities summed), not lines."""
    lines = list(order.lines)
    return schemas.OrderSummary(
        order_id=order.id,
        status=order.status,
        placed_at=iso_time(order.placed_at),
        total=money(order.total_cents),
        currency=order.currency,
        item_count=sum(line.quantity for line in lines),
        first_item_name=lines[0].product_name if lines else None,
    )


def serialize_return_request(outcome: ReturnOutcome) -> schemas.ReturnRequest:
    """The answer to a new return: the Return shape plus money, exchanges and next steps."""
    rma = outcome.rma
    method = rma.refund_method
    return schemas.ReturnRequest(
        **_return_fields(rma),
        order_id=outcome.order.id,
        order_status=outcome.order.status,
        refund_amount=money(rma.refund_amount_cents),
        refund_to=serialize_method_ref(method) if method else None,
        instructions=outcome.instructions,
    )


def serialize_claim(claim: rows.Claim) -> schemas.Claim:
    return schemas.Claim(
        claim_id=claim.id,
        order_id=claim.order_id,
        kind=claim.kind,
        remedy=claim.remedy,
        amount=money(claim.amount_cents),
        status=claim.status,
        line_ids=sorted(item.order_line.line_no for item in claim.lines),
        created_at=iso_time(claim.created_at),
    )


# --- Customers and the catalogue -------------------------------------------------------


def serialize_customer(customer: rows.Customer) -> schemas.Customer:
    return schemas.Customer(
        customer_id=customer.id,
        name=customer.name,
        email=customer.email,
        phone=customer.phone,
        postcode=customer.postcode,
    )


def serialize_customer_profile(customer: rows.Customer) -> schemas.CustomerProfile:
    return schemas.CustomerProfile(
        **serialize_customer(customer).dict(),
        address=schemas.Address(
            name=customer.name,
            line1=customer.line1,
            line2=customer.line2,
            city=customer.city,
            region=customer.region,
            postcode=customer.postcode,
            country=customer.country,
        ),
    )


def serialize_payment_method(method: rows.PaymentMethod) -> schemas.PaymentMethod:
    """A stored method; gift cards add their spendable `balance`."""
    fields: dict[str, Any] = {
        "payment_method_id": method.id,
        "type": method.type,
        "label": method.label,
    }
    if method.type == "gift_card":
        fields["balance"] = money(method.gift_card_balance_cents or 0)
    return schemas.PaymentMethod(**fields)


def serialize_customer_refund(refund: rows.Refund) -> schemas.CustomerRefund:
    return schemas.CustomerRefund(**_refund_fields(refund), order_id=refund.order_id)


def serialize_product(product: rows.Product) -> schemas.Product:
    return schemas.Product(
        product_id=product.id,
        name=product.name,
        category=product.category,
        description=product.description,
        price=money(product.price_cents),
        final_sale=bool(product.final_sale),
        attributes=dict(product.attributes),
        variants=[
            schemas.Variant(
                sku=variant.sku,
                options=dict(variant.options),
                price=money(variant.price_cents),
                stock=variant.stock,
            )
            for variant in product.variants
        ],
    )


def serialize_product_matches(found: list[tuple[rows.Product, float]]) -> schemas.ProductList:
    return schemas.ProductList(
        products=[
            schemas.ProductMatch(**serialize_product(product).dict(), match=score)
            for product, score in found
        ]
    )


# --- Recommendations -------------------------------------------------------------------


def serialize_suggestions(suggestions: Suggestions) -> schemas.RecommendationList:
    return schemas.RecommendationList(
        recommendation_id=suggestions.recommendation_id,
        customer_id=suggestions.customer_id,
        anchor_product_id=suggestions.anchor_product_id,
        recommendations=[
            schemas.Recommendation(
                position=index,
                product_id=item.product_id,
                name=item.name,
                category=item.category,
                price=money(item.price_cents),
                in_stock=item.in_stock,
                reason=item.reason,
                source=item.source,
            )
            for index, item in enumerate(suggestions.items, start=1)
        ],
    )


def serialize_click(click: rows.RecommendationClick) -> schemas.Click:
    return schemas.Click(
        click_id=click.id,
        recommendation_id=click.recommendation_id,
        product_id=click.product_id,
        customer_id=click.customer_id,
        position=click.position,
        created_at=iso_time(click.created_at),
    )


def serialize_conversions(page: ConversionPage, window_days: int) -> schemas.ConversionList:
    return schemas.ConversionList(
        window_days=window_days,
        conversions=[
            schemas.Conversion(
                recommendation_id=c.recommendation_id,
                product_id=c.product_id,
                clicked_at=iso_time(c.clicked_at),
                order_id=c.order_id,
                placed_at=iso_time(c.placed_at),
            )
            for c in page.conversions
        ],
        next=page.next.encode() if page.next is not None else None,
    )
