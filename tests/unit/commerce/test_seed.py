"""The demo store: size, every status, and parcels, returns and refunds consistent with it."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from commerce.db import Database
from commerce.demo.builder import STORE_TIME, StoreSize, status_quota
from commerce.demo.shipping import mod10_check_digit, ups_check_digit
from commerce.keys import email_key, name_key, order_digits_key, order_ref_key, postcode_key
from commerce.models import (
    ORDER_STATUSES,
    Customer,
    Order,
    Payment,
    Product,
    ProductVariant,
    ReturnLine,
    ReturnRequest,
    Shipment,
    StoreInfo,
)
from commerce.queries import store_kind
from commerce.seed import seed_store
from tests.unit.commerce.conftest import AS_OF

NOW = dt.datetime.combine(AS_OF, STORE_TIME)
ROOT = Path(__file__).resolve().parents[3]
UNSHIPPED = {"pending", "paid", "packed", "cancelled"}
DELIVERED = {"delivered", "return_requested", "exchange_requested", "refunded"}


def _all_orders(session: Session) -> list[Order]:
    query = select(Order).options(
        selectinload(Order.lines),
        selectinload(Order.payments).selectinload(Payment.method),
        selectinload(Order.payments).selectinload(Payment.refunds),
        selectinload(Order.shipment).selectinload(Shipment.events),
        selectinload(Order.returns)
        .selectinload(ReturnRequest.lines)
        .selectinload(ReturnLine.order_line),
        selectinload(Order.refunds),
    )
    return list(session.execute(query).scalars().all())


@pytest.fixture(scope="module")
def orders(demo_store_template: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Order]:
    """Every order, fully loaded (and detached) from a private copy of the store.

    Loading 3000 orders with their parcels takes seconds, so the read-only checks below
    share one load; nothing here writes, and the objects are detached from any database.
    """
    path = tmp_path_factory.mktemp("orders") / "commerce.db"
    shutil.copyfile(demo_store_template, path)
    database = Database(f"sqlite:///{path}", max_workers=1)
    try:
        return database.run_sync(_all_orders)
    finally:
        database.close()


def test_when_seeded_then_the_store_is_realistically_large(demo_db: Database) -> None:
    def count(session: Session, model: type) -> int:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())

    counts = demo_db.run_sync(
        lambda s: {model.__name__: count(s, model) for model in (Customer, Product, Order)}
    )
    categories = demo_db.run_sync(
        lambda s: set(s.execute(select(Product.category).distinct()).scalars())
    )

    assert counts == {"Customer": 400, "Product": 254, "Order": 3000}
    assert {"outerwear", "footwear", "tents", "backpacks", "kitchen", "beauty"} <= categories
    assert {"electronics_accessories", "underwear", "swimwear", "gift_cards"} <= categories


def test_when_seeded_then_every_order_status_has_several_orders(orders: list[Order]) -> None:
    by_status = Counter(order.status for order in orders)

    assert set(by_status) == set(ORDER_STATUSES)
    assert min(by_status.values()) >= 3
    assert dict(by_status) == status_quota(3000)


def test_when_quota_is_asked_for_a_tiny_store_then_it_refuses() -> None:
    with pytest.raises(ValueError, match="too few"):
        status_quota(30)


def test_when_seeded_then_ids_and_contact_details_have_the_documented_formats(
    demo_db: Database, orders: list[Order]
) -> None:
    customers = demo_db.run_sync(lambda s: list(s.execute(select(Customer)).scalars()))
    products = demo_db.run_sync(lambda s: list(s.execute(select(Product)).scalars()))

    assert all(re.fullmatch(r"AC-\d{6}", order.id) for order in orders)
    assert all(re.fullmatch(r"C-\d{5}", customer.id) for customer in customers)
    assert all(re.fullmatch(r"P-\d{4}", product.id) for product in products)
    assert all(re.fullmatch(r"\d{5}(-\d{4})?", c.postcode) for c in customers)
    assert any("-" in customer.postcode for customer in customers)  # some ZIP+4
    assert all(re.fullmatch(r"\(\d{3}\) 555-01\d{2}", c.phone) for c in customers)
    assert all(c.email.lower().endswith((".com", ".net", ".org")) for c in customers)
    assert len({c.email_key for c in customers}) == len(customers)


def test_when_seeded_then_the_lookup_keys_of_order_references_are_stored(
    demo_db: Database, orders: list[Order]
) -> None:
    customers = demo_db.run_sync(lambda s: {c.id: c for c in s.execute(select(Customer)).scalars()})

    for order in orders:
        customer = customers[order.customer_id]
        assert order.ref_key == order_ref_key(order.id)
        assert order.ref_digits == order_digits_key(order.id)
        assert order.ship_postcode_key == postcode_key(order.ship_postcode)
        assert order.billing_postcode_key == postcode_key(customer.postcode)
        assert customer.email_key == email_key(customer.email)
        assert customer.postcode_key == postcode_key(customer.postcode)
        assert customer.name_key == name_key(customer.name)
        assert order.items_modified is False


def test_when_seeded_then_orders_span_a_year_and_older_ones_are_mostly_delivered(
    orders: list[Order],
) -> None:
    ages = [(NOW - order.placed_at).days for order in orders]
    old = [order for order in orders if (NOW - order.placed_at).days > 60]
    recent_states = {"pending", "paid", "packed", "shipped", "in_transit", "out_for_delivery"}

    assert min(ages) >= 0 and max(ages) <= 366 and max(ages) > 300
    assert sum(order.status == "delivered" for order in old) / len(old) > 0.85
    assert all((NOW - o.placed_at).days <= 10 for o in orders if o.status in recent_states)


def test_when_seeded_then_money_adds_up_on_every_order(orders: list[Order]) -> None:
    for order in orders:
        assert 1 <= len(order.lines) <= 4
        assert order.subtotal_cents == sum(
            line.unit_price_cents * line.quantity for line in order.lines
        )
        assert order.total_cents == order.subtotal_cents + order.shipping_cost_cents
        assert sum(payment.amount_cents for payment in order.payments) == order.total_cents
        assert all(refund.amount_cents <= order.total_cents for refund in order.refunds)


@pytest.mark.parametrize(
    ("status", "payment_statuses"),
    [
        ("pending", {"authorized"}),
        ("paid", {"captured"}),
        ("shipped", {"captured"}),
        ("delivered", {"captured"}),
        ("cancelled", {"voided", "refunded"}),
        ("refunded", {"captured", "refunded", "partially_refunded"}),
    ],
)
def test_when_seeded_then_payments_match_the_order_status(
    orders: list[Order], status: str, payment_statuses: set[str]
) -> None:
    seen = {p.status for o in orders if o.status == status for p in o.payments}

    assert seen and seen <= payment_statuses


def test_when_order_has_not_shipped_then_it_has_no_shipment(orders: list[Order]) -> None:
    for order in orders:
        assert (order.shipment is None) == (order.status in UNSHIPPED), order.id


def test_when_order_has_shipped_then_its_tracking_events_are_ordered_and_in_the_past(
    orders: list[Order],
) -> None:
    for order in orders:
        if order.shipment is None:
            continue
        events = order.shipment.events
        stamps = [event.timestamp for event in events]
        assert events[0].status == "label_created" and events[1].status == "picked_up"
        assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps), order.id
        assert order.placed_at < stamps[0] and stamps[-1] < NOW, order.id
        assert order.shipment.shipped_at == events[1].timestamp
        assert all(event.location for event in events)


def test_when_order_has_shipped_then_tracking_numbers_have_the_carrier_format(
    orders: list[Order],
) -> None:
    shipments = [order.shipment for order in orders if order.shipment is not None]
    patterns = {"UPS": r"1Z[0-9A-Z]{16}", "USPS": r"\d{22}", "FedEx": r"\d{12}"}

    assert {shipment.carrier for shipment in shipments} == set(patterns)
    assert len({shipment.tracking_number for shipment in shipments}) == len(shipments)
    for shipment in shipments:
        number = shipment.tracking_number
        assert re.fullmatch(patterns[shipment.carrier], number), number
        assert number in shipment.tracking_url
        if shipment.carrier == "UPS":
            assert int(number[-1]) == ups_check_digit(number[2:-1])
        if shipment.carrier == "USPS":
            assert int(number[-1]) == mod10_check_digit(number[:-1])


def _shipments(orders: list[Order], status: str) -> list[tuple[Order, Shipment]]:
    found = [(o, o.shipment) for o in orders if o.status == status and o.shipment is not None]
    assert found, status
    return found


def test_when_order_is_shipped_then_only_label_and_pickup_are_scanned(
    orders: list[Order],
) -> None:
    for _, shipment in _shipments(orders, "shipped"):
        assert shipment.status == "shipped"
        assert [event.status for event in shipment.events] == ["label_created", "picked_up"]
        assert shipment.estimated_delivery_date > AS_OF


def test_when_order_is_in_transit_then_its_eta_is_in_the_near_future(orders: list[Order]) -> None:
    for _, shipment in _shipments(orders, "in_transit"):
        assert shipment.status == "in_transit"
        assert shipment.events[-1].status == "in_transit"
        assert AS_OF < shipment.estimated_delivery_date <= AS_OF + dt.timedelta(days=3)
        assert shipment.estimated_delivery_date <= shipment.promised_delivery_date
        assert shipment.delivered_at is None


def test_when_order_is_delayed_then_a_delay_scan_explains_an_eta_later_than_promised(
    orders: list[Order],
) -> None:
    for _, shipment in _shipments(orders, "delayed"):
        latest = shipment.events[-1]
        assert shipment.status == "delayed"
        assert latest.status == "delayed"
        assert re.match(r"Delay: .*(weather|volume)", latest.description)
        assert shipment.estimated_delivery_date > shipment.promised_delivery_date
        assert shipment.estimated_delivery_date > AS_OF


def test_when_order_is_out_for_delivery_then_the_van_left_this_morning(
    orders: list[Order],
) -> None:
    for _, shipment in _shipments(orders, "out_for_delivery"):
        latest = shipment.events[-1]
        assert latest.status == "out_for_delivery"
        assert latest.timestamp.date() == AS_OF
        assert shipment.estimated_delivery_date == AS_OF
        assert shipment.delivered_at is None


@pytest.mark.parametrize("status", sorted(DELIVERED))
def test_when_order_was_delivered_then_the_last_scan_is_the_delivery(
    orders: list[Order], status: str
) -> None:
    for _, shipment in _shipments(orders, status):
        statuses = [event.status for event in shipment.events]
        assert shipment.status == "delivered"
        assert statuses[-2:] == ["out_for_delivery", "delivered"]
        assert "in_transit" in statuses
        assert shipment.delivered_at == shipment.events[-1].timestamp < NOW
        assert re.search(r", [A-Z]{2}$", shipment.events[-1].location or "")


def test_when_order_is_lost_then_tracking_stalls_after_an_exception(orders: list[Order]) -> None:
    for _, shipment in _shipments(orders, "lost"):
        latest = shipment.events[-1]
        assert shipment.status == "lost"
        assert latest.status == "exception" and latest.description.startswith("Exception:")
        assert latest.timestamp <= NOW - dt.timedelta(days=3)
        assert shipment.delivered_at is None
        assert "delivered" not in {event.status for event in shipment.events}


def test_when_return_is_requested_then_an_open_rma_covers_returnable_lines(
    orders: list[Order],
) -> None:
    for order, shipment in _shipments(orders, "return_requested"):
        assert len(order.returns) == 1 and order.refunds == []
        rma = order.returns[0]
        assert rma.status in {"requested", "approved"}
        assert shipment.delivered_at is not None
        assert shipment.delivered_at < rma.created_at < NOW
        assert rma.created_at - shipment.delivered_at <= dt.timedelta(days=30)
        assert rma.lines and all(not item.order_line.final_sale for item in rma.lines)
        assert rma.resolution in {"refund", "store_credit"}
        assert rma.refund_amount_cents == sum(
            item.order_line.unit_price_cents * item.quantity for item in rma.lines
        )
        if rma.resolution == "refund":
            paid_with = {payment.payment_method_id for payment in order.payments}
            assert rma.refund_payment_method_id in paid_with


def test_when_an_exchange_is_requested_then_each_line_names_another_variant_of_its_product(
    orders: list[Order], demo_db: Database
) -> None:
    variants = demo_db.run_sync(
        lambda s: {v.sku: v.product_id for v in s.execute(select(ProductVariant)).scalars()}
    )

    for order, shipment in _shipments(orders, "exchange_requested"):
        (rma,) = order.returns
        assert (rma.resolution, rma.refund_amount_cents, order.refunds) == ("exchange", 0, [])
        assert shipment.delivered_at is not None and shipment.delivered_at < rma.created_at
        for item in rma.lines:
            line = item.order_line
            assert item.exchange_sku is not None and item.exchange_sku != line.sku
            assert variants[item.exchange_sku] == line.product_id


def test_when_order_is_refunded_then_the_refund_follows_its_return(orders: list[Order]) -> None:
    for order, shipment in _shipments(orders, "refunded"):
        assert len(order.returns) == 1 and len(order.refunds) == 1
        rma, refund = order.returns[0], order.refunds[0]
        assert rma.status in {"received", "closed"}
        assert shipment.delivered_at is not None
        assert shipment.delivered_at < rma.created_at < refund.created_at < NOW
        returned = sum(i.order_line.unit_price_cents * i.quantity for i in rma.lines)
        assert refund.amount_cents in {returned, returned + order.shipping_cost_cents}
        if refund.status == "processed":
            assert refund.processed_at is not None and refund.processed_at < NOW
        else:
            assert refund.status == "pending" and refund.processed_at is None
        assert rma.refund_amount_cents == refund.amount_cents
        if refund.method == "original_payment" and len(order.payments) == 1:
            assert refund.payment_id == order.payments[0].id
            assert refund.payment_method_id == order.payments[0].payment_method_id


def test_when_payments_are_seeded_then_what_each_holds_is_never_negative(
    orders: list[Order],
) -> None:
    for order in orders:
        for payment in order.payments:
            assert sum(r.amount_cents for r in payment.refunds) <= payment.amount_cents


def test_when_seeded_then_the_store_records_what_it_is(demo_db: Database) -> None:
    info = demo_db.run_sync(lambda s: {row.key: row.value for row in s.query(StoreInfo)})

    assert demo_db.run_sync(store_kind) == "demo"
    assert info == {"store": "demo", "as_of": AS_OF.isoformat(), "seed": "42"}


def test_when_order_is_cancelled_then_a_captured_payment_is_refunded_in_full(
    orders: list[Order],
) -> None:
    for order in (o for o in orders if o.status == "cancelled"):
        assert order.cancelled_at is not None and order.placed_at < order.cancelled_at < NOW
        if any(payment.status == "refunded" for payment in order.payments):
            assert [refund.amount_cents for refund in order.refunds] == [order.total_cents]
        else:
            assert order.refunds == []


def test_when_products_are_seeded_then_variants_have_options_stock_and_final_sale_rules(
    demo_db: Database,
) -> None:
    products = demo_db.run_sync(
        lambda s: list(s.execute(select(Product).options(selectinload(Product.variants))).scalars())
    )
    final_sale = {p.category for p in products if p.final_sale}

    assert final_sale == {"beauty", "underwear", "swimwear", "gift_cards"}
    assert all(product.variants for product in products)
    assert any(v.stock == 0 for p in products for v in p.variants)
    jacket = next(p for p in products if p.category == "outerwear")
    assert set(jacket.variants[0].options) == {"color", "size"}
    assert all(v.sku.startswith(f"{p.id}-") for p in products for v in p.variants)


def _dump(db_url: str) -> list[str]:
    connection = sqlite3.connect(db_url.removeprefix("sqlite:///"))
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def test_when_seeded_twice_with_the_same_arguments_then_the_data_is_identical(
    tmp_path: Path,
) -> None:
    first, second, other = (f"sqlite:///{tmp_path / name}" for name in ("a.db", "b.db", "c.db"))
    seed_store(first, as_of=AS_OF, seed=7)
    seed_store(second, as_of=AS_OF, seed=7)
    seed_store(other, as_of=AS_OF, seed=8, size=StoreSize(customers=40, orders=200))

    assert _dump(first) == _dump(second)
    assert _dump(first) != _dump(other)


def test_when_as_of_moves_then_the_store_moves_with_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'later.db'}"
    later = AS_OF + dt.timedelta(days=30)
    seed_store(url, as_of=later, seed=42, size=StoreSize(customers=40, orders=200))
    database = Database(url, max_workers=1)
    try:
        newest = database.run_sync(lambda s: s.execute(select(func.max(Order.placed_at))).scalar())
    finally:
        database.close()

    assert newest.date() in {later, later - dt.timedelta(days=1)}


def test_when_run_as_a_command_then_it_seeds_and_rejects_a_bad_date(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    base = [sys.executable, "-m", "commerce.seed", "--db", url, "--store", "small"]

    done = subprocess.run([*base, "--as-of", "2026-11-20"], cwd=ROOT, capture_output=True)
    bad = subprocess.run([*base, "--as-of", "20/11/2026"], cwd=ROOT, capture_output=True)

    assert done.returncode == 0, done.stderr
    assert b"Seeded the small store" in done.stderr
    assert bad.returncode == 2 and b"YYYY-MM-DD" in bad.stderr
