"""Which clicks on suggestions were followed by a purchase: the end of the cross-sell funnel.

A click converts when the shopper who clicked places an order holding the clicked product
(any variant: order lines carry the product) after the click and at most `window_days`
after it. Each click converts at most once, with its first such order; clicks are already
stored once per suggestion list and product, so a repeated click is one click. A click
without a known customer cannot convert. An order that was later cancelled or returned
still counts: the purchase followed the click, and what became of the order is the order
system's own figure.

The window is matched in Python rather than SQL (adding days to a timestamp is spelled
differently by SQLite and PostgreSQL): a page reads the next `limit` clicks in time order,
then the orders of those shoppers that hold those products within the page's time span.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from commerce.models import Order, OrderLine, RecommendationClick

DEFAULT_WINDOW_DAYS = 30
MAX_WINDOW_DAYS = 365
DEFAULT_PAGE = 500
MAX_PAGE = 1000
_CURSOR_SEPARATOR = "~"


@dataclass(frozen=True)
class Conversion:
    """A click and the first order that bought its product within the window."""

    recommendation_id: str
    product_id: str
    clicked_at: dt.datetime
    order_id: str
    placed_at: dt.datetime


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the last click it read (clicks are read by time, then id)."""

    clicked_at: dt.datetime
    click_id: str

    def encode(self) -> str:
        when = self.clicked_at.isoformat(timespec="microseconds")
        return f"{when}{_CURSOR_SEPARATOR}{self.click_id}"

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """The cursor a page answered with (`next`).

        Raises:
            ValueError: the text is no cursor this backend wrote.
        """
        when, separator, click_id = text.partition(_CURSOR_SEPARATOR)
        if not separator or not click_id:
            raise ValueError("is not the next of an earlier page")
        try:
            clicked_at = dt.datetime.fromisoformat(when)
        except ValueError:
            raise ValueError("is not the next of an earlier page") from None
        if clicked_at.tzinfo is not None:
            raise ValueError("is not the next of an earlier page")
        return cls(clicked_at, click_id)


@dataclass(frozen=True)
class ConversionPage:
    """Conversions of up to `limit` clicks, and the cursor of the next page (None: the last)."""

    conversions: list[Conversion]
    next: Cursor | None


def list_conversions(
    session: Session,
    *,
    since: dt.datetime | None,
    until: dt.datetime | None,
    window_days: int,
    limit: int,
    after: Cursor | None = None,
) -> ConversionPage:
    """Conversions of clicks made at or after `since` and before `until` (naive UTC).

    Reads `limit` clicks (oldest first, after `after`), so a page holds at most `limit`
    conversions and may hold none while more pages follow.
    """
    clicks_query = select(RecommendationClick).where(RecommendationClick.customer_id.is_not(None))
    if since is not None:
        clicks_query = clicks_query.where(RecommendationClick.created_at >= since)
    if until is not None:
        clicks_query = clicks_query.where(RecommendationClick.created_at < until)
    if after is not None:
        clicks_query = clicks_query.where(
            or_(
                RecommendationClick.created_at > after.clicked_at,
                and_(
                    RecommendationClick.created_at == after.clicked_at,
                    RecommendationClick.id > after.click_id,
                ),
            )
        )
    clicks = list(
        session.execute(
            clicks_query.order_by(RecommendationClick.created_at, RecommendationClick.id).limit(
                limit + 1
            )
        ).scalars()
    )
    more = len(clicks) > limit
    clicks = clicks[:limit]
    if not clicks:
        return ConversionPage([], None)
    window = dt.timedelta(days=window_days)
    orders = session.execute(
        select(Order.id, Order.customer_id, Order.placed_at, OrderLine.product_id)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(
            Order.customer_id.in_({c.customer_id for c in clicks}),
            OrderLine.product_id.in_({c.product_id for c in clicks}),
            Order.placed_at > clicks[0].created_at,
            Order.placed_at <= clicks[-1].created_at + window,
        )
        .order_by(Order.placed_at, Order.id)
    ).all()
    bought: dict[tuple[str, str], list[tuple[dt.datetime, str]]] = defaultdict(list)
    for order_id, customer_id, placed_at, product_id in orders:
        bought[(customer_id, product_id)].append((placed_at, order_id))
    conversions = []
    for click in clicks:
        first = next(
            (
                (placed_at, order_id)
                for placed_at, order_id in bought[(str(click.customer_id), click.product_id)]
                if click.created_at < placed_at <= click.created_at + window
            ),
            None,
        )
        if first is not None:
            conversions.append(
                Conversion(
                    click.recommendation_id, click.product_id, click.created_at, first[1], first[0]
                )
            )
    last = clicks[-1]
    return ConversionPage(conversions, Cursor(last.created_at, last.id) if more else None)
