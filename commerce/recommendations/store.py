"""What the recommender reads from the store, and the clicks on its suggestions.

Plain functions of a `Session`, as the backend's other queries: the catalogue with its
embeddings, the orders placed since a point in time, one shopper's history, which candidates
can ship now; and recording and listing clicks, once per suggestion list and product.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from commerce.errors import CustomerNotFound, ProductNotFound
from commerce.models import (
    Customer,
    Order,
    OrderLine,
    Product,
    ProductVariant,
    RecommendationClick,
    ReturnLine,
    ReturnRequest,
)
from recommender.catalog import Basket, Catalog, ShopperHistory
from recommender.catalog import Product as CatalogProduct
from recommender.embeddings import cached_embeddings


def product_text(name: str, category: str, description: str) -> str:
    """What content similarity compares: name first, then category and description."""
    return f"{name}. {category.replace('_', ' ')}. {description}"


def load_catalog(session: Session, cache_dir: Path | None) -> Catalog:
    """Every product, its stock, and its embedding (computed once per catalogue text)."""
    stocked = dict(
        session.execute(
            select(ProductVariant.product_id, func.max(ProductVariant.stock)).group_by(
                ProductVariant.product_id
            )
        ).all()
    )
    rows = session.execute(
        select(
            Product.id, Product.name, Product.category, Product.description, Product.price_cents
        ).order_by(Product.id)
    ).all()
    products = [
        CatalogProduct(
            product_id=pid,
            name=name,
            category=category,
            price_cents=price,
            in_stock=(stocked.get(pid) or 0) > 0,
            text=product_text(name, category, description),
        )
        for pid, name, category, description, price in rows
    ]
    vectors = cached_embeddings([p.text for p in products], cache_dir)
    return Catalog.of(products, vectors)


def baskets_since(session: Session, since: dt.datetime | None) -> list[Basket]:
    """Orders placed at or after `since` (all orders when None), oldest first.

    "At or after": orders placed in the same second as the newest one seen are read again;
    the recommender ignores an order it has already counted.
    """
    query = select(Order.id, Order.customer_id, Order.placed_at, OrderLine.product_id).join(
        OrderLine, OrderLine.order_id == Order.id
    )
    if since is not None:
        query = query.where(Order.placed_at >= since)
    grouped: dict[str, list[Any]] = {}
    for order_id, customer_id, placed_at, product_id in session.execute(
        query.order_by(Order.placed_at, Order.id)
    ):
        entry = grouped.setdefault(order_id, [customer_id, placed_at, []])
        entry[2].append(product_id)
    return [
        Basket(order_id, customer_id, placed_at, tuple(dict.fromkeys(products)))
        for order_id, (customer_id, placed_at, products) in grouped.items()
    ]


def shopper_history(
    session: Session, customer_id: str, now: dt.datetime, returned_days: int
) -> ShopperHistory:
    """What the shopper bought (newest first), sent back lately, and where parcels go.

    Raises:
        CustomerNotFound: No customer has this id.
    """
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise CustomerNotFound(customer_id)
    bought_rows = session.execute(
        select(OrderLine.product_id, Order.placed_at, Order.ship_region)
        .join(Order, OrderLine.order_id == Order.id)
        .where(Order.customer_id == customer_id)
        .order_by(Order.placed_at.desc(), OrderLine.line_no)
    ).all()
    since = now - dt.timedelta(days=returned_days)
    returned = session.execute(
        select(OrderLine.product_id)
        .join(ReturnLine, ReturnLine.order_line_id == OrderLine.id)
        .join(ReturnRequest, ReturnRequest.id == ReturnLine.return_id)
        .join(Order, Order.id == ReturnRequest.order_id)
        .where(Order.customer_id == customer_id, ReturnRequest.created_at >= since)
    ).scalars()
    region = bought_rows[0][2] if bought_rows else customer.region
    return ShopperHistory(
        bought=tuple(dict.fromkeys(row[0] for row in bought_rows)),
        returned_recently=frozenset(returned),
        region=region,
    )


def in_stock(session: Session, product_ids: Sequence[str]) -> frozenset[str]:
    """Which of these products have a variant that can ship now."""
    if not product_ids:
        return frozenset()
    rows = session.execute(
        select(ProductVariant.product_id)
        .where(ProductVariant.product_id.in_(list(product_ids)), ProductVariant.stock > 0)
        .distinct()
    ).scalars()
    return frozenset(rows)


def record_click(
    session: Session,
    recommendation_id: str,
    product_id: str,
    customer_id: str | None,
    position: int | None,
    now: dt.datetime,
) -> tuple[RecommendationClick, bool]:
    """Record a click once per suggestion list and product; returns it and whether it is new.

    Raises:
        ProductNotFound, CustomerNotFound: The click names something that does not exist.
    """
    if session.get(Product, product_id) is None:
        raise ProductNotFound(product_id)
    if customer_id is not None and session.get(Customer, customer_id) is None:
        raise CustomerNotFound(customer_id)
    existing = _existing_click(session, recommendation_id, product_id)
    if existing is not None:
        return existing, False
    click = RecommendationClick(
        id=f"CLK-{uuid.uuid4().hex[:12]}",
        recommendation_id=recommendation_id,
        product_id=product_id,
        customer_id=customer_id,
        position=position,
        created_at=now,
    )
    session.add(click)
    try:
        session.commit()
    except IntegrityError:  # the same click raced this one and won
        session.rollback()
        won = _existing_click(session, recommendation_id, product_id)
        if won is None:
            raise
        return won, False
    return click, True


def _existing_click(
    session: Session, recommendation_id: str, product_id: str
) -> RecommendationClick | None:
    return session.execute(
        select(RecommendationClick).where(
            RecommendationClick.recommendation_id == recommendation_id,
            RecommendationClick.product_id == product_id,
        )
    ).scalar_one_or_none()


def list_clicks(session: Session, customer_id: str, limit: int) -> list[RecommendationClick]:
    """The customer's newest clicks first."""
    if session.get(Customer, customer_id) is None:
        raise CustomerNotFound(customer_id)
    return list(
        session.execute(
            select(RecommendationClick)
            .where(RecommendationClick.customer_id == customer_id)
            .order_by(RecommendationClick.created_at.desc(), RecommendationClick.id.desc())
            .limit(limit)
        ).scalars()
    )
