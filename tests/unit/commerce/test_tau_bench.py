"""The τ-bench loader: every user, product and order of the files, mapped faithfully."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from commerce.db import Database
from commerce.keys import order_ref_key
from commerce.models import (
    Customer,
    Order,
    OrderLine,
    Payment,
    PaymentMethod,
    Product,
    ProductVariant,
    ReturnLine,
    ReturnRequest,
    Shipment,
)
from commerce.queries import find_customer_by_name, find_order, store_kind
from commerce.seed import seed_tau_bench
from commerce.tau_bench import (
    DEFAULT_DATA_DIR,
    TauBenchDataError,
    cents,
    map_status,
    resolve_data_dir,
)
from commerce.tau_bench_store import AVAILABLE_STOCK, STORE_TIME
from tests.unit.commerce.conftest import AS_OF, TAU_BENCH_DIR

ROOT = Path(__file__).resolve().parents[3]
NOW = dt.datetime.combine(AS_OF, STORE_TIME)
STATUS = {"pending": "pending", "processed": "shipped", "delivered": "delivered",
          "cancelled": "cancelled"}  # fmt: skip


@pytest.fixture(scope="module")
def data() -> dict[str, dict[str, Any]]:
    if not (TAU_BENCH_DIR / "orders.json").is_file():
        pytest.skip(f"τ-bench data not found at {TAU_BENCH_DIR}")
    return {
        name: json.loads((TAU_BENCH_DIR / f"{name}.json").read_text())
        for name in ("users", "products", "orders")
    }


@pytest.fixture(scope="module")
def tau_db(tau_store_template: Path) -> Any:
    database = Database(f"sqlite:///{tau_store_template}", max_workers=1)
    yield database
    database.close()


def _count(db: Database, model: Any) -> int:
    return int(db.run_sync(lambda s: s.execute(select(func.count()).select_from(model)).scalar()))


def _order(db: Database, order_id: str) -> Order:
    def load(session: Session) -> Order:
        query = (
            select(Order)
            .where(Order.id == order_id)
            .options(
                selectinload(Order.lines),
                selectinload(Order.payments).selectinload(Payment.refunds),
                selectinload(Order.refunds),
                selectinload(Order.shipment).selectinload(Shipment.events),
            )
        )
        return session.execute(query).scalar_one()

    return db.run_sync(load)


def test_when_loaded_then_every_user_order_product_and_item_is_there(
    tau_db: Database, data: dict[str, dict[str, Any]]
) -> None:
    users, orders, products = data["users"], data["orders"], data["products"]

    assert _count(tau_db, Customer) == len(users) == 500
    assert _count(tau_db, Order) == len(orders) == 1000
    assert _count(tau_db, Product) == len(products) == 50
    assert _count(tau_db, ProductVariant) == sum(len(p["variants"]) for p in products.values())
    assert _count(tau_db, PaymentMethod) == sum(len(u["payment_methods"]) for u in users.values())
    assert _count(tau_db, OrderLine) == sum(len(o["items"]) for o in orders.values())
    assert tau_db.run_sync(store_kind) == "tau-bench"


def test_when_loaded_then_every_order_status_maps_as_documented(
    tau_db: Database, data: dict[str, dict[str, Any]]
) -> None:
    loaded = dict(tau_db.run_sync(lambda s: s.execute(select(Order.id, Order.status)).all()))

    expected = {order_id: STATUS[o["status"]] for order_id, o in data["orders"].items()}
    assert loaded == expected
    assert Counter(loaded.values()) == {
        "pending": 423,
        "shipped": 102,
        "delivered": 373,
        "cancelled": 102,
    }


def test_when_an_order_is_loaded_then_items_payment_and_parcel_are_mapped(
    tau_db: Database, data: dict[str, dict[str, Any]]
) -> None:
    source = data["orders"]["#W2378156"]
    order = _order(tau_db, "#W2378156")

    assert (order.customer_id, order.status, order.currency) == (
        "yusuf_rossi_9620",
        "delivered",
        "USD",
    )
    assert [
        (line.line_no, line.sku, line.product_id, line.options, line.quantity)
        for line in order.lines
    ] == [
        (number, item["item_id"], item["product_id"], item["options"], 1)
        for number, item in enumerate(source["items"], start=1)
    ]
    assert [line.unit_price_cents for line in order.lines] == [
        cents(item["price"]) for item in source["items"]
    ]
    assert order.total_cents == sum(cents(item["price"]) for item in source["items"])
    (payment,) = order.payments
    assert (payment.payment_method_id, payment.status) == ("credit_card_9513926", "captured")
    assert payment.amount_cents == order.total_cents
    assert order.ship_line1 == source["address"]["address1"]
    assert order.ship_postcode == source["address"]["zip"] and order.ship_country == "US"
    shipment = order.shipment
    assert shipment is not None
    assert shipment.tracking_number == source["fulfillments"][0]["tracking_id"][0]
    assert (shipment.carrier, shipment.status) == ("FedEx", "delivered")
    assert shipment.delivered_at is not None and shipment.delivered_at < NOW
    assert [e.status for e in shipment.events][-1] == "delivered"


def test_when_a_cancelled_order_is_loaded_then_its_refund_gives_back_its_payment(
    tau_db: Database,
) -> None:
    order = _order(tau_db, "#W3220387")  # paid and refunded through paypal_5716091

    (payment,) = order.payments
    (refund,) = order.refunds
    assert order.status == "cancelled" and order.shipment is None
    assert order.cancelled_at is not None and order.placed_at < order.cancelled_at < NOW
    assert (payment.status, refund.payment_id, refund.payment_method_id) == (
        "refunded",
        payment.id,
        "paypal_5716091",
    )
    assert (refund.method, refund.amount_cents) == ("original_payment", payment.amount_cents)


def test_when_orders_are_loaded_then_the_books_balance_and_dates_fit_the_status(
    tau_db: Database,
) -> None:
    def load(session: Session) -> list[Order]:
        query = select(Order).options(
            selectinload(Order.payments), selectinload(Order.refunds), selectinload(Order.shipment)
        )
        return list(session.execute(query).scalars())

    for order in tau_db.run_sync(load):
        held = sum(p.amount_cents for p in order.payments) - sum(
            r.amount_cents for r in order.refunds
        )
        assert held == (0 if order.status == "cancelled" else order.total_cents), order.id
        assert order.placed_at < NOW
        if order.status == "pending":
            assert NOW - order.placed_at <= dt.timedelta(hours=48)
        if order.status == "shipped":
            assert order.shipment is not None and order.shipment.delivered_at is None
            assert order.shipment.estimated_delivery_date > AS_OF
        if order.status in ("pending", "cancelled"):
            assert order.shipment is None


def test_when_loaded_then_payment_methods_keep_ids_and_gift_card_balances(
    tau_db: Database, data: dict[str, dict[str, Any]]
) -> None:
    methods = tau_db.run_sync(
        lambda s: {m.id: m for m in s.execute(select(PaymentMethod)).scalars()}
    )

    for user_id, user in data["users"].items():
        for method_id, method in user["payment_methods"].items():
            loaded = methods[method_id]
            assert (loaded.customer_id, loaded.type) == (user_id, method["source"])
            if method["source"] == "gift_card":
                assert loaded.gift_card_balance_cents == cents(method["balance"])
            if method["source"] == "credit_card":
                assert loaded.label == f"{loaded.brand} ending {method['last_four']}"
                assert loaded.brand in {"Visa", "Mastercard"}
    assert methods["credit_card_9513926"].type == "credit_card"


def test_when_variants_are_loaded_then_availability_becomes_stock(
    tau_db: Database, data: dict[str, dict[str, Any]]
) -> None:
    stock = tau_db.run_sync(
        lambda s: dict(s.execute(select(ProductVariant.sku, ProductVariant.stock)).all())
    )

    for product in data["products"].values():
        for item_id, variant in product["variants"].items():
            assert stock[item_id] == (AVAILABLE_STOCK if variant["available"] else 0)


def test_when_a_shopper_gives_name_and_zip_then_every_tau_bench_user_is_found(
    tau_db: Database, data: dict[str, dict[str, Any]]
) -> None:
    def find_all(session: Session) -> dict[str, str]:
        found = {}
        for user_id, user in data["users"].items():
            name = f"{user['name']['first_name']} {user['name']['last_name']}"
            found[user_id] = find_customer_by_name(session, name, user["address"]["zip"]).id
        return found

    found = tau_db.run_sync(find_all)

    assert all(user_id == customer_id for user_id, customer_id in found.items())


@pytest.mark.parametrize("typed", ["#W2378156", "W2378156", "w2378156", "2378156", "#w2378156"])
def test_when_a_tau_bench_reference_is_typed_loosely_then_it_resolves(
    tau_db: Database, typed: str
) -> None:
    assert tau_db.run_sync(lambda s: find_order(s, typed)).id == "#W2378156"


def test_when_any_order_id_is_typed_without_the_hash_then_it_resolves(
    tau_db: Database, data: dict[str, dict[str, Any]]
) -> None:
    keys = dict(tau_db.run_sync(lambda s: s.execute(select(Order.ref_key, Order.id)).all()))
    sample = sorted(data["orders"])[::25]

    def resolve(session: Session) -> list[str]:
        return [find_order(session, order_id.lstrip("#").lower()).id for order_id in sample]

    assert all(keys[order_ref_key(order_id.lower())] == order_id for order_id in data["orders"])
    assert tau_db.run_sync(resolve) == sample


def test_when_an_item_appears_twice_then_it_is_two_lines(tau_db: Database) -> None:
    order = _order(tau_db, "#W1840144")

    skus = Counter(line.sku for line in order.lines)
    assert max(skus.values()) == 2
    assert len(order.lines) == sum(skus.values())


def test_when_loaded_twice_with_the_same_seed_then_the_rows_are_identical(
    tmp_path: Path, data: dict[str, dict[str, Any]]
) -> None:
    first, second = (f"sqlite:///{tmp_path / name}" for name in ("a.db", "b.db"))
    seed_tau_bench(first, data_dir=TAU_BENCH_DIR, as_of=AS_OF, seed=3)
    seed_tau_bench(second, data_dir=TAU_BENCH_DIR, as_of=AS_OF, seed=3)

    def dump(url: str) -> list[str]:
        connection = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            return [line for line in connection.iterdump() if "store_info" not in line]
        finally:
            connection.close()

    assert dump(first) == dump(second)


# --- statuses the real files do not contain, on a tiny hand-written store ------------


@pytest.mark.parametrize(
    ("raw", "mapped"),
    [
        ("pending", ("pending", False)),
        ("pending (item modified)", ("pending", True)),
        ("processed", ("shipped", False)),
        ("delivered", ("delivered", False)),
        ("cancelled", ("cancelled", False)),
        ("return requested", ("return_requested", False)),
        ("delivered (return requested)", ("return_requested", False)),
        ("exchange requested", ("exchange_requested", False)),
        ("Delivered (Exchange Requested)", ("exchange_requested", False)),
    ],
)
def test_when_a_tau_bench_status_is_mapped_then_it_follows_the_table(
    raw: str, mapped: tuple[str, bool]
) -> None:
    assert map_status(raw) == mapped


def test_when_a_status_is_unknown_then_loading_fails_loudly() -> None:
    with pytest.raises(TauBenchDataError, match="teleported"):
        map_status("teleported")


def _tiny_store(folder: Path, orders: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    users = {
        "ada_lovelace_1815": {
            "name": {"first_name": "Ada", "last_name": "Lovelace"},
            "address": {"address1": "1 Analytical Way", "address2": "", "city": "Austin",
                        "country": "USA", "state": "TX", "zip": "78701"},
            "email": "ada@example.com",
            "payment_methods": {
                "gift_card_1000001": {"source": "gift_card", "balance": 12.5,
                                      "id": "gift_card_1000001"},
                "paypal_2000002": {"source": "paypal", "id": "paypal_2000002"},
            },
            "orders": list(orders),
        }
    }  # fmt: skip
    products = {
        "100": {
            "name": "Water Bottle",
            "product_id": "100",
            "variants": {
                "1001": {"item_id": "1001", "options": {"color": "red"}, "available": True,
                         "price": 10.0},
                "1002": {"item_id": "1002", "options": {"color": "blue"}, "available": False,
                         "price": 12.25},
            },
        }
    }  # fmt: skip
    for name, content in (("users", users), ("products", products), ("orders", orders)):
        (folder / f"{name}.json").write_text(json.dumps(content))
    return folder


def _tiny_order(order_id: str, status: str, **extra: Any) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "user_id": "ada_lovelace_1815",
        "address": {"address1": "1 Analytical Way", "address2": "", "city": "Austin",
                    "country": "USA", "state": "TX", "zip": "78701"},
        "items": [{"name": "Water Bottle", "product_id": "100", "item_id": "1001",
                   "price": 10.0, "options": {"color": "red"}}],
        "fulfillments": [{"tracking_id": [f"9{order_id[2:]}00000"], "item_ids": ["1001"]}],
        "status": status,
        "payment_history": [{"transaction_type": "payment", "amount": 10.0,
                             "payment_method_id": "paypal_2000002"}],
        **extra,
    }  # fmt: skip


def test_when_tau_bench_tools_left_modified_returned_and_exchanged_orders_then_they_map(
    tmp_path: Path,
) -> None:
    orders = {
        "#W0000001": _tiny_order("#W0000001", "pending (item modified)"),
        "#W0000002": _tiny_order(
            "#W0000002",
            "return requested",
            return_items=["1001"],
            return_payment_method_id="gift_card_1000001",
        ),
        "#W0000003": _tiny_order(
            "#W0000003",
            "exchange requested",
            exchange_items=["1001"],
            exchange_new_items=["1002"],
            exchange_payment_method_id="paypal_2000002",
            exchange_price_difference=2.25,
        ),
    }
    url = f"sqlite:///{tmp_path / 'tiny.db'}"
    seed_tau_bench(url, data_dir=_tiny_store(tmp_path / "data", orders), as_of=AS_OF)
    database = Database(url, max_workers=1)
    try:
        loaded = database.run_sync(
            lambda s: {
                o.id: o
                for o in s.execute(
                    select(Order).options(
                        selectinload(Order.returns)
                        .selectinload(ReturnRequest.lines)
                        .selectinload(ReturnLine.order_line),
                        selectinload(Order.shipment),
                    )
                ).scalars()
            }
        )
        customer = database.run_sync(lambda s: s.get(Customer, "ada_lovelace_1815"))
    finally:
        database.close()

    assert (loaded["#W0000001"].status, loaded["#W0000001"].items_modified) == ("pending", True)
    (returned,) = loaded["#W0000002"].returns
    assert (loaded["#W0000002"].status, returned.resolution) == ("return_requested", "refund")
    assert (returned.refund_amount_cents, returned.refund_payment_method_id) == (
        1000,
        "gift_card_1000001",
    )
    assert loaded["#W0000002"].shipment is not None
    assert loaded["#W0000002"].shipment.delivered_at < returned.created_at < NOW
    (exchanged,) = loaded["#W0000003"].returns
    assert (loaded["#W0000003"].status, exchanged.resolution) == ("exchange_requested", "exchange")
    assert [item.exchange_sku for item in exchanged.lines] == ["1002"]
    assert exchanged.refund_amount_cents == 0
    assert (customer.line2, customer.phone, customer.country) == (None, None, "US")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": "lost at sea"}, "unknown τ-bench order status"),
        ({"payment_history": [{"transaction_type": "chargeback", "amount": 10.0,
                               "payment_method_id": "paypal_2000002"}]}, "transaction type"),
        ({"payment_history": [{"transaction_type": "payment", "amount": 10.0,
                               "payment_method_id": "bitcoin_1"}]}, "unknown payment method"),
    ],
)  # fmt: skip
def test_when_the_files_hold_something_unmappable_then_loading_fails_and_says_what(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    orders = {"#W0000001": {**_tiny_order("#W0000001", "pending"), **change}}
    folder = _tiny_store(tmp_path / "data", orders)

    with pytest.raises(TauBenchDataError, match=message):
        seed_tau_bench(f"sqlite:///{tmp_path / 'x.db'}", data_dir=folder, as_of=AS_OF)


# --- where the data comes from, and the command --------------------------------------


def test_when_no_folder_is_given_then_the_env_variable_and_then_the_default_are_used(
    tmp_path: Path,
) -> None:
    assert resolve_data_dir(tmp_path / "x", {"TAU_BENCH_DATA": "/elsewhere"}) == tmp_path / "x"
    assert resolve_data_dir(None, {"TAU_BENCH_DATA": str(tmp_path)}) == tmp_path
    assert resolve_data_dir(None, {}) == DEFAULT_DATA_DIR.resolve()
    assert DEFAULT_DATA_DIR.resolve() == (ROOT.parent / "shared/data/tau_bench_retail").resolve()


def _seed_command(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    command = [sys.executable, "-m", "commerce.seed", "--db", f"sqlite:///{tmp_path / 't.db'}"]
    return subprocess.run(
        [*command, "--store", "tau-bench", "--as-of", "2026-11-20", *args],
        cwd=tmp_path,  # not the repository root: the default folder must not depend on it
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        capture_output=True,
        text=True,
    )


def test_when_run_as_a_command_then_it_loads_from_a_folder_or_the_env_variable(
    tmp_path: Path,
) -> None:
    folder = _tiny_store(tmp_path / "data", {"#W0000009": _tiny_order("#W0000009", "delivered")})

    by_flag = _seed_command(tmp_path, "--data-dir", str(folder))
    by_env = _seed_command(tmp_path, env={"TAU_BENCH_DATA": str(folder)})

    for done in (by_flag, by_env):
        assert done.returncode == 0, done.stderr
        assert "Seeded the tau-bench store" in done.stderr
        assert "orders 1" in done.stderr


def test_when_the_folder_has_no_tau_bench_files_then_the_command_fails_and_says_where(
    tmp_path: Path,
) -> None:
    done = _seed_command(tmp_path, "--data-dir", str(tmp_path / "missing"))

    assert done.returncode == 1
    assert "users.json not found" in done.stderr and "TAU_BENCH_DATA" in done.stderr


def test_when_run_without_a_folder_then_it_finds_the_shared_data_next_to_the_repository(
    tmp_path: Path, data: dict[str, dict[str, Any]]
) -> None:
    done = _seed_command(tmp_path, env={"TAU_BENCH_DATA": ""})

    assert done.returncode == 0, done.stderr
    assert "orders 1000" in done.stderr
