"""Queries behind the API: loose order references, verification, customers and products."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from commerce.db import Database
from commerce.errors import (
    CustomerNotFound,
    InvalidArgument,
    OrderNotFound,
    ProductNotFound,
    VerificationFailed,
)
from commerce.keys import email_key, name_key, order_digits_key, order_ref_key, postcode_key
from commerce.models import Customer, Order, OrderLine, Product, ProductVariant
from commerce.queries import (
    find_customer_by_email,
    find_customer_by_name,
    find_customer_by_phone,
    find_order,
    get_customer,
    get_product,
    list_customer_orders,
    verify_order,
)

PLACED = dt.datetime(2026, 11, 1, 12, 0)


def _customer(
    session: Session, customer_id: str, email: str, postcode: str, name: str = "Jane Doe"
) -> None:
    first, last = name.split()
    session.add(
        Customer(
            id=customer_id,
            first_name=first,
            last_name=last,
            name_key=name_key(name),
            email=email,
            email_key=email_key(email),
            phone="(415) 555-0100",
            line1="1 Main St",
            city="San Francisco",
            region="CA",
            postcode=postcode,
            postcode_key=postcode_key(postcode),
            country="US",
            created_at=PLACED,
        )
    )


def _order(
    session: Session,
    order_id: str,
    customer_id: str,
    *,
    ship_postcode: str = "94107",
    billing_postcode: str = "94107",
    placed_at: dt.datetime = PLACED,
    lines: int = 1,
) -> None:
    session.add(
        Order(
            id=order_id,
            ref_key=order_ref_key(order_id),
            ref_digits=order_digits_key(order_id),
            customer_id=customer_id,
            status="delivered",
            placed_at=placed_at,
            currency="USD",
            subtotal_cents=1000 * lines,
            shipping_cost_cents=0,
            total_cents=1000 * lines,
            ship_name="Jane Doe",
            ship_line1="1 Main St",
            ship_city="San Francisco",
            ship_region="CA",
            ship_postcode=ship_postcode,
            ship_postcode_key=postcode_key(ship_postcode),
            ship_country="US",
            billing_postcode=billing_postcode,
            billing_postcode_key=postcode_key(billing_postcode),
        )
    )
    for number in range(1, lines + 1):
        session.add(
            OrderLine(
                order_id=order_id,
                line_no=number,
                product_id="P-1001",
                sku="P-1001-BLK-M",
                product_name="Summit Rain Jacket",
                category="outerwear",
                options={"color": "black", "size": "M"},
                quantity=2,
                unit_price_cents=500,
                final_sale=False,
            )
        )


@pytest.fixture
def store(empty_db: Database) -> Database:
    """Two customers, three orders, one product: every case below is visible at a glance."""
    with empty_db.session() as session, session.begin():
        session.add(
            Product(
                id="P-1001",
                name="Summit Rain Jacket",
                category="outerwear",
                description="A shell.",
                price_cents=12900,
                final_sale=False,
                attributes={"waterproof": True},
            )
        )
        session.add(
            ProductVariant(
                sku="P-1001-BLK-M",
                product_id="P-1001",
                position=0,
                options={"color": "black", "size": "M"},
                price_cents=12900,
                stock=4,
            )
        )
        _customer(session, "C-10001", "Jane.Doe@Example.com", "94107-1234")
        _customer(session, "C-10002", "sam@example.net", "10001", name="Sam Lee")
        _customer(session, "noah_brown_6181", "noah@example.com", "80279", name="Noah Brown")
        session.flush()
        _order(session, "AC-104233", "C-10001", billing_postcode="94107-1234")
        _order(
            session,
            "AC-104240",
            "C-10001",
            ship_postcode="02115",
            billing_postcode="94107-1234",
            placed_at=PLACED + dt.timedelta(days=3),
            lines=3,
        )
        _order(session, "AC-200001", "C-10002", ship_postcode="10001", billing_postcode="10001")
    return empty_db


@pytest.mark.parametrize("typed", ["AC-104233", "ac104233", "ac-104233", "#104233", "104233"])
def test_when_reference_is_typed_loosely_then_the_order_is_found(
    store: Database, typed: str
) -> None:
    order = store.run_sync(lambda s: find_order(s, typed))

    assert order.id == "AC-104233"


@pytest.mark.parametrize("typed", ["AC-999999", "XY-104233", "10423", "", "#", "AC"])
def test_when_reference_matches_nothing_then_order_not_found(store: Database, typed: str) -> None:
    with pytest.raises(OrderNotFound):
        store.run_sync(lambda s: find_order(s, typed))


def test_when_digits_match_two_orders_then_the_reference_is_ambiguous_and_not_found(
    store: Database,
) -> None:
    with store.session() as session, session.begin():
        _order(session, "XY-104233", "C-10002")

    with pytest.raises(OrderNotFound):
        store.run_sync(lambda s: find_order(s, "104233"))
    assert store.run_sync(lambda s: find_order(s, "xy104233")).id == "XY-104233"


def test_when_order_is_found_then_its_details_are_loaded_for_use_after_the_session(
    store: Database,
) -> None:
    order = store.run_sync(lambda s: find_order(s, "AC-104240"))

    assert [line.line_no for line in order.lines] == [1, 2, 3]
    assert order.shipment is None
    assert order.payments == [] and order.returns == [] and order.refunds == []


@pytest.mark.parametrize(
    "answer",
    [
        "Jane.Doe@Example.com",
        "  jane.doe@example.COM ",
        "94107",
        "94107-1234",
        "94107-9999",
        " 94 107 ",
        "941071234",
    ],
)
def test_when_answer_is_the_email_or_the_postcode_then_verification_succeeds(
    store: Database, answer: str
) -> None:
    order = store.run_sync(lambda s: verify_order(s, "ac104233", answer))

    assert (order.id, order.customer_id) == ("AC-104233", "C-10001")


def test_when_order_was_shipped_elsewhere_then_the_billing_postcode_also_verifies(
    store: Database,
) -> None:
    for answer in ("02115", "94107"):
        assert store.run_sync(lambda s, a=answer: verify_order(s, "AC-104240", a)).id == "AC-104240"


@pytest.mark.parametrize(
    ("reference", "answer"),
    [
        ("AC-104233", "sam@example.net"),  # another customer's e-mail
        ("AC-104233", "10001"),  # another order's postcode
        ("AC-104233", "9410"),
        ("AC-104233", "jane.doe@example"),
        ("AC-999999", "jane.doe@example.com"),  # unknown order
        ("", "94107"),
    ],
)
def test_when_order_is_unknown_or_answer_is_wrong_then_verification_fails_the_same_way(
    store: Database, reference: str, answer: str
) -> None:
    with pytest.raises(VerificationFailed):
        store.run_sync(lambda s: verify_order(s, reference, answer))


def test_when_answer_is_blank_then_verification_rejects_the_argument(store: Database) -> None:
    with pytest.raises(InvalidArgument):
        store.run_sync(lambda s: verify_order(s, "AC-104233", "   "))


def test_when_customer_id_or_email_is_known_then_the_customer_is_found(store: Database) -> None:
    assert store.run_sync(lambda s: get_customer(s, "C-10002")).email == "sam@example.net"
    assert store.run_sync(lambda s: get_customer(s, " c-10002 ")).id == "C-10002"
    assert store.run_sync(lambda s: find_customer_by_email(s, " JANE.doe@example.com")).id == (
        "C-10001"
    )


def test_when_customer_is_unknown_then_customer_not_found(store: Database) -> None:
    with pytest.raises(CustomerNotFound):
        store.run_sync(lambda s: get_customer(s, "C-99999"))
    with pytest.raises(CustomerNotFound):
        store.run_sync(lambda s: find_customer_by_email(s, "nobody@example.com"))
    with pytest.raises(CustomerNotFound):
        store.run_sync(lambda s: list_customer_orders(s, "C-99999", 5))


def test_when_listing_orders_then_newest_come_first_up_to_the_limit(store: Database) -> None:
    orders = store.run_sync(lambda s: list_customer_orders(s, "C-10001", 5))
    newest = store.run_sync(lambda s: list_customer_orders(s, "C-10001", 1))

    assert [order.id for order in orders] == ["AC-104240", "AC-104233"]
    assert [order.id for order in newest] == ["AC-104240"]


@pytest.mark.parametrize("limit", [0, -1, 51])
def test_when_limit_is_out_of_range_then_listing_rejects_it(store: Database, limit: int) -> None:
    with pytest.raises(InvalidArgument):
        store.run_sync(lambda s: list_customer_orders(s, "C-10001", limit))


def test_when_product_exists_then_it_comes_with_its_variants(store: Database) -> None:
    product = store.run_sync(lambda s: get_product(s, "p-1001"))

    assert product.name == "Summit Rain Jacket"
    assert [variant.sku for variant in product.variants] == ["P-1001-BLK-M"]


def test_when_product_is_unknown_then_product_not_found(store: Database) -> None:
    with pytest.raises(ProductNotFound):
        store.run_sync(lambda s: get_product(s, "P-0000"))


@pytest.mark.parametrize("typed", ["noah_brown_6181", " Noah_Brown_6181 ", "NOAH_BROWN_6181"])
def test_when_a_lower_case_id_is_typed_in_any_case_then_the_customer_is_found(
    store: Database, typed: str
) -> None:
    assert store.run_sync(lambda s: get_customer(s, typed)).id == "noah_brown_6181"


@pytest.mark.parametrize(
    ("name", "postcode", "expected"),
    [
        ("Jane Doe", "94107", "C-10001"),
        ("  jane   DOE ", "94107-1234", "C-10001"),
        ("Noah Brown", "80279", "noah_brown_6181"),
        ("noah brown", " 80279 ", "noah_brown_6181"),
    ],
)
def test_when_full_name_and_postcode_match_then_the_customer_is_found(
    store: Database, name: str, postcode: str, expected: str
) -> None:
    assert store.run_sync(lambda s: find_customer_by_name(s, name, postcode)).id == expected


@pytest.mark.parametrize(
    ("name", "postcode"), [("Jane Doe", "10001"), ("Jane", "94107"), ("Sam Lee", "94107")]
)
def test_when_name_and_postcode_do_not_belong_together_then_customer_not_found(
    store: Database, name: str, postcode: str
) -> None:
    with pytest.raises(CustomerNotFound):
        store.run_sync(lambda s: find_customer_by_name(s, name, postcode))


def test_when_two_customers_share_name_and_postcode_then_the_lookup_refuses_to_guess(
    store: Database,
) -> None:
    with store.session() as session, session.begin():
        _customer(session, "C-10009", "jane2@example.com", "94107", name="Jane Doe")

    with pytest.raises(CustomerNotFound):
        store.run_sync(lambda s: find_customer_by_name(s, "Jane Doe", "94107"))


def test_when_name_or_postcode_is_blank_then_the_lookup_rejects_the_argument(
    store: Database,
) -> None:
    with pytest.raises(InvalidArgument):
        store.run_sync(lambda s: find_customer_by_name(s, "  ", "94107"))


def test_when_two_customers_share_a_phone_then_the_lookup_refuses_to_guess(
    store: Database,
) -> None:
    # C-10001 and C-10002 both have (415) 555-0100: a shared household phone identifies nobody.
    with pytest.raises(CustomerNotFound):
        store.run_sync(lambda s: find_customer_by_phone(s, "+14155550100"))


@pytest.mark.parametrize("typed", ["+14155550177", "14155550177", "(415) 555-0177", "415.555.0177"])
def test_when_a_phone_is_the_customers_own_then_any_spelling_finds_them(
    store: Database, typed: str
) -> None:
    with store.session() as session, session.begin():
        session.get(Customer, "C-10002").phone = "415-555-0177"
    assert store.run_sync(lambda s: find_customer_by_phone(s, typed)).id == "C-10002"


@pytest.mark.parametrize("typed", ["+14155550199", "+442071838750"])
def test_when_no_customer_has_the_phone_then_customer_not_found(
    store: Database, typed: str
) -> None:
    with pytest.raises(CustomerNotFound):
        store.run_sync(lambda s: find_customer_by_phone(s, typed))


def test_when_the_phone_is_too_short_then_the_lookup_rejects_the_argument(store: Database) -> None:
    with pytest.raises(InvalidArgument):
        store.run_sync(lambda s: find_customer_by_phone(s, "0100"))
