"""Order references as shoppers type them, and the answer chosen for each order state."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from actions.orders import describe_order, describe_refunds
from actions.services.commerce import Order, Refund, ReturnRequest, Shipment, TrackingEvent
from actions.verification import normalise_order_ref


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("AC-104233", "AC-104233"),
        ("ac104233", "AC-104233"),
        ("#104233", "AC-104233"),
        ("it's 104233 thanks", "AC-104233"),
        ("order AC 104233", "AC-104233"),
        ("#W2378156", "#W2378156"),
        ("order w2378156 please", "#W2378156"),
        ("1042", None),
        ("10423345", None),
        ("PM-718458", None),  # a payment method's id, not order 718458
        ('/inform{"payment_method":"PM-718458"}', None),
        ("no idea", None),
        ("", None),
    ],
)
def test_order_numbers_are_found_however_they_are_typed(typed: str, canonical: str | None) -> None:
    assert normalise_order_ref(typed) == canonical


def _order(status: str, shipment: Shipment | None = None, **extra: object) -> Order:
    return Order(
        order_id="AC-100001",
        customer_id="C-10001",
        status=status,
        placed_at=datetime(2026, 11, 10, 9, 0, tzinfo=timezone.utc),
        currency="USD",
        total=42.0,
        lines=(),
        shipping_postcode="94107",
        shipping_name="Jane Doe",
        shipment=shipment,
        **extra,  # type: ignore[arg-type]
    )


SHIP = Shipment(
    carrier="UPS",
    tracking_number="1Z999AA10123456784",
    tracking_url=None,
    status="in_transit",
    shipped_at=datetime(2026, 11, 11, 8, 0, tzinfo=timezone.utc),
    promised_delivery_date=date(2026, 11, 14),
    estimated_delivery_date=date(2026, 11, 17),
    delivered_at=None,
    events=(
        TrackingEvent(
            datetime(2026, 11, 11, 8, 0, tzinfo=timezone.utc), "label", "Label created", None
        ),
        TrackingEvent(
            datetime(2026, 11, 12, 6, 40, tzinfo=timezone.utc),
            "in_transit",
            "Departed facility",
            "Oakland, CA",
        ),
    ),
)


def test_when_parcel_is_moving_then_latest_event_and_eta_are_given() -> None:
    response, values = describe_order(_order("in_transit", SHIP))
    assert response == "utter_order_status_in_motion"
    assert values["event_description"] == "Departed facility"
    assert values["event_location"] == " (Oakland, CA)"
    assert values["eta"] == "Tuesday, November 17"
    assert values["tracking_number"] == "1Z999AA10123456784"


def test_when_parcel_is_delayed_then_policy_remedies_are_offered() -> None:
    response, values = describe_order(_order("delayed", SHIP))
    assert response == "utter_order_status_delayed"
    assert values["promised_date"] == "Saturday, November 14"
    assert "talk to one of our team" in values["remedies"]


def test_when_parcel_is_lost_then_reship_and_refund_are_offered() -> None:
    response, values = describe_order(_order("lost", SHIP))
    assert response == "utter_order_status_lost"
    assert "replacement" in values["remedies"] and "refund" in values["remedies"]


@pytest.mark.parametrize("status", ["pending", "paid", "packed", "cancelled"])
def test_when_order_has_not_shipped_then_no_tracking_is_promised(status: str) -> None:
    response, values = describe_order(_order(status))
    assert response == f"utter_order_status_{status}"
    assert "tracking_number" not in values


def test_when_refunded_then_amount_and_method_are_given() -> None:
    refund = Refund(
        "RF-1",
        42.0,
        "original_payment",
        "processed",
        None,
        datetime(2026, 11, 15, tzinfo=timezone.utc),
    )
    response, values = describe_order(_order("refunded", SHIP, refunds=(refund,)))
    assert response == "utter_order_status_refunded"
    assert values["refund_amount"] == "$42.00"
    assert values["refund_method"] == "original payment"


def test_when_return_is_open_then_rma_is_given() -> None:
    rma = ReturnRequest("RMA-7", "requested", None, "refund", (1,))
    response, values = describe_order(_order("return_requested", SHIP, returns=(rma,)))
    assert response == "utter_order_status_return_requested"
    assert values["rma_id"] == "RMA-7"


def test_when_refund_is_processed_then_amount_method_date_and_bank_time_are_given() -> None:
    refund = Refund(
        "RF-1",
        42.0,
        "original_payment",
        "processed",
        None,
        datetime(2026, 11, 15, tzinfo=timezone.utc),
    )
    [(response, values)] = describe_refunds(_order("refunded", SHIP, refunds=(refund,)))
    assert response == "utter_refund_processed"
    assert values["refund_amount"] == "$42.00"
    assert values["processing_time"] == "5 to 7 business days"  # from the demo policy


def test_when_refund_is_pending_then_shopper_hears_it_is_on_its_way() -> None:
    refund = Refund("RF-2", 10.0, "store_credit", "pending", datetime(2026, 11, 20), None)
    [(response, values)] = describe_refunds(_order("cancelled", refunds=(refund,)))
    assert response == "utter_refund_pending"
    assert values["processing_time"] == "immediately"


def test_when_return_is_open_without_refund_then_refund_waits_for_the_items() -> None:
    rma = ReturnRequest("RMA-9", "requested", None, "refund", (1,))
    [(response, values)] = describe_refunds(_order("return_requested", SHIP, returns=(rma,)))
    assert response == "utter_refund_after_return"
    assert values["rma_id"] == "RMA-9"


def test_when_there_is_no_refund_then_the_order_state_is_given() -> None:
    [(response, values)] = describe_refunds(_order("in_transit", SHIP))
    assert response == "utter_no_refund"
    assert values["status_words"] == "in transit"
