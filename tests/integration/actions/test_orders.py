"""The order-status flow's real actions, with rasa_sdk trackers, against the real backend.

Every action here reaches the backend the way the action server does: through
``client_from_env()`` and the ``COMMERCE_API_*`` environment variables.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from rasa_sdk.events import (
    SlotSet,
)
from rasa_sdk.executor import CollectingDispatcher

from actions.orders import ActionAskOrderId, ActionOrderStatus, ValidateOrderStatusForm
from actions.support import money
from tests.integration.actions.conftest import Backend, Store
from tests.integration.actions.samples import placeholders, support
from tests.integration.actions.trackers import make_tracker, responses

FORM = "order_status_form"

pytestmark = pytest.mark.usefixtures("fresh_commerce_client")


# ---- the answer --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "response"),
    [
        ("in_transit", "utter_order_status_in_motion"),
        ("delayed", "utter_order_status_delayed"),
        ("lost", "utter_order_status_lost"),
        ("delivered", "utter_order_status_delivered"),
        ("pending", "utter_order_status_pending"),
        ("refunded", "utter_order_status_refunded"),
        ("paid", "utter_order_status_paid"),
        ("packed", "utter_order_status_packed"),
        ("shipped", "utter_order_status_in_motion"),
        ("out_for_delivery", "utter_order_status_in_motion"),
        ("cancelled", "utter_order_status_cancelled"),
        ("return_requested", "utter_order_status_return_requested"),
    ],
)
async def test_when_order_is_verified_then_its_live_status_is_told(
    live_backend: Backend, store: Store, domain: dict[str, Any], status: str, response: str
) -> None:
    sample = store.sample(status)
    raw = await live_backend.get_json(f"/api/v1/orders/{sample['order_id']}")
    tracker = make_tracker(domain, slots={"order_id": sample["order_id"], "order_verified": True})
    dispatcher = CollectingDispatcher()

    events = await ActionOrderStatus().run(dispatcher, tracker, domain)

    (message,) = dispatcher.messages
    assert message["response"] == response
    assert placeholders(domain, response) <= set(message), "a template variable is missing"
    assert message["order_id"] == sample["order_id"]
    shipment = raw["shipment"]
    if status in ("pending", "paid", "packed"):
        assert shipment is None and "tracking_number" not in message
    elif shipment is not None:
        assert message["tracking_number"] == shipment["tracking_number"]
        assert message["carrier"] == shipment["carrier"]
        latest = shipment["events"][-1]
        assert message["event_description"] == latest["description"]
        assert message["event_location"] == f" ({latest['location']})"
    if status in ("delayed", "lost"):
        assert message["support_email"] == support()["support_email"]
    if status == "refunded":
        refund = raw["refunds"][-1]
        assert message["refund_amount"] == money(refund["amount"], raw["currency"])
    if status == "return_requested":
        assert message["rma_id"] == raw["returns"][-1]["rma_id"]
    assert events == [  # order_id kept: the order stays in focus
        SlotSet("order_verified", None),
        SlotSet("last_order_id", sample["order_id"]),
        SlotSet("order_status", status),
        SlotSet("customer_id", sample["customer_id"]),
    ]


async def test_when_order_is_not_verified_then_nothing_about_it_is_said(
    live_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("in_transit")
    tracker = make_tracker(
        domain, slots={"order_id": sample["order_id"], "order_verified": sample["email"]}
    )
    dispatcher = CollectingDispatcher()

    events = await ActionOrderStatus().run(dispatcher, tracker, domain)

    assert dispatcher.messages == []
    assert events == [SlotSet("order_id", None), SlotSet("order_verified", None)]


# ---- backend down ------------------------------------------------------------------------


async def test_when_backend_is_down_then_lookup_is_blocked_and_shopper_gets_apology(
    backend_down: None, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("in_transit")
    tracker = make_tracker(
        domain,
        slots={"order_id": sample["order_id"], "requested_slot": "order_verified"},
        text=sample["email"],
        entities={"email": sample["email"]},
        extracted={"order_verified": sample["email"]},
        active_loop=FORM,
    )
    dispatcher = CollectingDispatcher()

    events = await ValidateOrderStatusForm().run(dispatcher, tracker, domain)

    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots == {
        "order_verified": None,
        "lookup_blocked": "unavailable",
        "requested_slot": None,
    }
    assert dispatcher.messages == []

    blocked = make_tracker(domain, slots={"order_id": sample["order_id"], **slots})
    dispatcher = CollectingDispatcher()
    status_events = await ActionOrderStatus().run(dispatcher, blocked, domain)

    assert responses(dispatcher) == ["utter_backend_unavailable"]
    assert {k: dispatcher.messages[0][k] for k in support()} == support()
    assert placeholders(domain, "utter_backend_unavailable") <= set(dispatcher.messages[0])
    assert status_events == [
        SlotSet("order_id", None),
        SlotSet("order_verified", None),
        SlotSet("lookup_blocked", None),  # the next question tries the backend again
    ]


async def test_when_backend_goes_down_after_verification_then_shopper_gets_apology(
    backend_down: None, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered")
    tracker = make_tracker(domain, slots={"order_id": sample["order_id"], "order_verified": True})
    dispatcher = CollectingDispatcher()

    events = await ActionOrderStatus().run(dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_backend_unavailable"]
    assert dispatcher.messages[0]["support_email"] == support()["support_email"]
    assert events == [SlotSet("order_id", None), SlotSet("order_verified", None)]


async def test_when_backend_is_down_for_a_known_customer_then_second_factor_is_asked(
    backend_down: None, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("in_transit")
    tracker = make_tracker(domain, slots={"customer_id": sample["customer_id"]})
    dispatcher = CollectingDispatcher()

    result = await ValidateOrderStatusForm().validate_order_id(
        sample["order_id"], dispatcher, tracker, domain
    )

    assert result == {"order_id": sample["order_id"], "order_verified": None}
    assert dispatcher.messages == []


# ---- asking which order ------------------------------------------------------------------


async def test_when_customer_is_known_then_their_recent_orders_are_offered_as_buttons(
    live_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    customer_id = store.sample("in_transit")["customer_id"]
    raw = await live_backend.get_json(f"/api/v1/customers/{customer_id}/orders?limit=5")
    dispatcher = CollectingDispatcher()

    events = await ActionAskOrderId().run(
        dispatcher, make_tracker(domain, slots={"customer_id": customer_id}), domain
    )

    assert events == []
    (message,) = dispatcher.messages
    assert message["response"] == "utter_ask_order_id_from_recent"
    expected = [o["order_id"] for o in raw["orders"]]
    assert len(expected) == 5
    assert [b["payload"] for b in message["buttons"]] == [
        f'/inform{{"order_id":"{order_id}"}}' for order_id in expected
    ]
    for button, order in zip(message["buttons"], raw["orders"], strict=True):
        intent, entities = button["payload"].split("{", 1)
        assert intent == "/inform"
        assert json.loads("{" + entities) == {"order_id": order["order_id"]}
        assert button["title"].startswith(f"{order['order_id']} · {order['first_item_name']}")


async def test_when_customer_is_unknown_then_order_number_is_asked(
    live_backend: Backend, domain: dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()

    events = await ActionAskOrderId().run(dispatcher, make_tracker(domain), domain)

    assert events == []
    assert responses(dispatcher) == ["utter_ask_order_id"]
    assert dispatcher.messages[0]["buttons"] == []


async def test_when_backend_is_down_for_a_known_customer_then_order_number_is_asked(
    backend_down: None, domain: dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()

    await ActionAskOrderId().run(
        dispatcher, make_tracker(domain, slots={"customer_id": "C-10023"}), domain
    )

    assert responses(dispatcher) == ["utter_ask_order_id"]


# ---- the order in focus ------------------------------------------------------------------


async def test_a_new_request_about_the_order_in_focus_needs_no_second_verification(
    live_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("in_transit")
    focus = {"order_id": sample["order_id"], "customer_id": sample["customer_id"]}
    tracker = make_tracker(
        domain, slots=focus, text="when will it get here?", intent="order_status"
    )
    dispatcher = CollectingDispatcher()

    result = await ValidateOrderStatusForm().validate_order_id(
        sample["order_id"], dispatcher, tracker, domain
    )

    assert result == {"order_id": sample["order_id"], "order_verified": True}
    assert dispatcher.messages == []


async def test_asking_about_another_order_drops_the_one_in_focus(
    live_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("in_transit")
    focus = {"order_id": sample["order_id"], "customer_id": sample["customer_id"]}
    tracker = make_tracker(
        domain, slots=focus, text="and where is my other order?", intent="order_status"
    )
    dispatcher = CollectingDispatcher()

    result = await ValidateOrderStatusForm().validate_order_id(
        sample["order_id"], dispatcher, tracker, domain
    )

    assert result == {"order_id": None, "order_verified": None}


async def test_a_new_order_number_never_inherits_the_verification_of_the_one_in_focus(
    live_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    mine = store.sample("delivered")
    theirs = next(s for s in store.samples if s["customer_id"] != mine["customer_id"])
    tracker = make_tracker(
        domain,
        slots={"order_id": mine["order_id"], "customer_id": mine["customer_id"]},
        text=f"what about {theirs['order_id']}",
        intent="order_status",
        entities={"order_id": theirs["order_id"]},
        extracted={"order_id": theirs["order_id"]},
        active_loop=FORM,
    )
    dispatcher = CollectingDispatcher()

    events = await ValidateOrderStatusForm().run(dispatcher, tracker, domain)

    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["order_id"] == theirs["order_id"]
    assert slots.get("order_verified") is not True  # the second factor is asked for
