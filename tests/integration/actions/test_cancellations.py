"""The cancellation flow: its form validator and its commit action, against the real backend.

Validators run on a store only read; the commit action gets a store of its own per test and
reads the backend back to see what really changed.
"""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.cancellations import ActionCancelOrder, ValidateCancelOrderForm
from actions.changes import CHANGE_DETAILS
from actions.support import money
from actions.verification import FOCUS
from merchants.policy import load_policy
from tests.integration.actions.conftest import Backend, Store
from tests.integration.actions.trackers import (
    forgotten,
    make_tracker,
    responses,
    saved_tracker,
    slot_updates,
)

FORM = "cancel_order_form"
SAVED = "cancel_confirmed"

pytestmark = pytest.mark.usefixtures("fresh_commerce_client")


# ---- the form ------------------------------------------------------------------------------


@pytest.mark.usefixtures("live_backend")
async def test_a_paid_order_verified_by_its_email_may_be_cancelled(
    store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("paid")
    tracker = make_tracker(
        domain, slots={"order_id": sample["order_id"], "requested_slot": "order_verified"}
    )
    dispatcher = CollectingDispatcher()

    result = await ValidateCancelOrderForm().validate_order_verified(
        f"  {sample['email'].upper()} ", dispatcher, tracker, domain
    )

    assert result == {
        "order_verified": True,
        "order_id": sample["order_id"],
        "customer_id": sample["customer_id"],
    }
    assert dispatcher.messages == []


@pytest.mark.usefixtures("live_backend")
async def test_an_answer_that_is_no_order_number_gets_the_order_number_asked_again(
    domain: dict[str, Any],
) -> None:
    tracker = make_tracker(domain, slots={"requested_slot": "order_id"})
    dispatcher = CollectingDispatcher()

    result = await ValidateCancelOrderForm().validate_order_id(
        "the one from last week", dispatcher, tracker, domain
    )

    assert result == {"order_id": None}
    assert responses(dispatcher) == ["utter_order_id_invalid"]


@pytest.mark.usefixtures("live_backend")
async def test_someone_else_s_email_does_not_verify_the_order(
    store: Store, domain: dict[str, Any]
) -> None:
    sample, other = store.sample("paid", 0), store.sample("packed", 0)
    tracker = make_tracker(
        domain, slots={"order_id": sample["order_id"], "requested_slot": "order_verified"}
    )
    dispatcher = CollectingDispatcher()

    result = await ValidateCancelOrderForm().validate_order_verified(
        other["email"], dispatcher, tracker, domain
    )

    assert result == {"order_id": None, "order_verified": None, "failed_verifications": 1}
    assert responses(dispatcher) == ["utter_verification_failed"]


@pytest.mark.usefixtures("live_backend")
async def test_cancelling_a_delivered_order_is_refused_and_ends_the_form(
    store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered")
    tracker = make_tracker(
        domain,
        slots={"order_id": sample["order_id"], "requested_slot": "order_verified"},
        text=sample["email"],
        entities={"email": sample["email"]},
        extracted={"order_verified": sample["email"]},
        active_loop=FORM,
    )
    dispatcher = CollectingDispatcher()

    events = await ValidateCancelOrderForm().run(dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_cancel_too_late_shipped"]
    message = dispatcher.messages[0]
    assert message["order_id"] == sample["order_id"]
    assert message["status_words"] == "delivered"
    assert message["window_days"] == str(load_policy().returns.window_days)
    updates = slot_updates(events)
    assert updates["change_blocked"] == "cancel_not_allowed"
    assert updates["requested_slot"] is None  # nothing more is asked


@pytest.mark.usefixtures("live_backend")
async def test_cancelling_an_order_cancelled_already_says_so(
    store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("cancelled")
    tracker = make_tracker(domain, slots={"order_id": sample["order_id"]})
    dispatcher = CollectingDispatcher()

    result = await ValidateCancelOrderForm().validate_order_verified(
        sample["email"], dispatcher, tracker, domain
    )

    assert result["change_blocked"] == "cancel_not_allowed"
    assert responses(dispatcher) == ["utter_cancel_already_cancelled"]
    assert dispatcher.messages[0]["order_id"] == sample["order_id"]


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("I ordered it by mistake", "ordered_by_mistake"),
        ("oops, ordered it twice", "ordered_by_mistake"),
        ("I don't need it anymore", "no_longer_needed"),
        ("found it cheaper elsewhere", "no_longer_needed"),
        ("no_longer_needed", "no_longer_needed"),  # a button's code
        ("it's for a trip that got called off", "other"),
    ],
)
async def test_the_shopper_s_own_words_become_a_cancellation_reason(
    answer: str, reason: str, domain: dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(domain, slots={"requested_slot": "cancel_reason"}, text=answer)

    result = await ValidateCancelOrderForm().validate_cancel_reason(
        answer, dispatcher, tracker, domain
    )

    assert result == {"cancel_reason": reason}
    assert dispatcher.messages == []


@pytest.mark.parametrize("answer", ["never mind", "no", "Forget it, I'll keep it."])
async def test_backing_out_instead_of_giving_a_reason_stops_the_cancellation(
    answer: str, domain: dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(domain, slots={"requested_slot": "cancel_reason"}, text=answer)

    result = await ValidateCancelOrderForm().validate_cancel_reason(
        answer, dispatcher, tracker, domain
    )

    assert result == {"cancel_reason": None, "change_blocked": "backed_out"}


@pytest.mark.usefixtures("live_backend")
async def test_naming_another_order_mid_way_starts_over_with_that_order(
    store: Store, domain: dict[str, Any]
) -> None:
    first, other = store.sample("paid", 0), store.sample("packed", 0)
    text = f"sorry, wrong order, it's {other['order_id']}"
    tracker = make_tracker(
        domain,
        slots={
            "order_id": first["order_id"],
            "order_verified": True,
            "customer_id": first["customer_id"],
            "requested_slot": "cancel_reason",
        },
        text=text,
        earlier_events=[SlotSet("order_id", first["order_id"])],
        extracted={"cancel_reason": text},
        active_loop=FORM,
    )
    dispatcher = CollectingDispatcher()

    events = await ValidateCancelOrderForm().run(dispatcher, tracker, domain)

    updates = slot_updates(events)
    assert (updates["order_id"], updates["order_verified"]) == (other["order_id"], None)
    assert updates["cancel_reason"] is None  # the words that named the order are no reason
    assert responses(dispatcher) == ["utter_switching_order"]


@pytest.mark.parametrize(("answer", "confirmed"), [(True, True), ("true", True), (False, False)])
async def test_only_a_yes_confirms_the_cancellation(
    answer: Any, confirmed: bool, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(domain, slots={"requested_slot": "cancel_confirmed"})

    result = await ValidateCancelOrderForm().validate_cancel_confirmed(
        answer, CollectingDispatcher(), tracker, domain
    )

    assert result == {"cancel_confirmed": confirmed}


# ---- the commit action ---------------------------------------------------------------------


async def test_a_confirmed_cancellation_cancels_the_order_and_says_what_comes_back(
    writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("paid")
    before = await writable_backend.get_json(f"/api/v1/orders/{sample['order_id']}")
    dispatcher = CollectingDispatcher()

    events = await ActionCancelOrder().run(dispatcher, saved_tracker(SAVED, domain, sample), domain)

    after = await writable_backend.get_json(f"/api/v1/orders/{sample['order_id']}")
    assert after["status"] == "cancelled"
    assert sum(refund["amount"] for refund in after["refunds"]) == pytest.approx(before["total"])
    assert responses(dispatcher) == ["utter_order_cancelled"]
    message = dispatcher.messages[0]
    assert message["order_id"] == sample["order_id"]
    assert message["refund_amount"] == money(before["total"], "USD")
    assert message["refund_timing"] == "5 to 7 business days"
    assert forgotten(events) >= set(CHANGE_DETAILS)
    assert not forgotten(events) & set(FOCUS)  # the order stays in focus
    assert slot_updates(events)["order_status"] == "cancelled"


async def test_cancelling_an_order_not_charged_yet_says_there_is_nothing_to_refund(
    writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("pending")
    dispatcher = CollectingDispatcher()

    events = await ActionCancelOrder().run(dispatcher, saved_tracker(SAVED, domain, sample), domain)

    after = await writable_backend.get_json(f"/api/v1/orders/{sample['order_id']}")
    assert after["status"] == "cancelled"
    assert after["refunds"] == []
    assert responses(dispatcher) == ["utter_order_cancelled_no_charge"]
    assert dispatcher.messages[0]["order_id"] == sample["order_id"]
    assert forgotten(events) >= set(CHANGE_DETAILS)
    assert not forgotten(events) & set(FOCUS)  # the order stays in focus


async def test_a_confirmed_cancellation_refunds_the_payment_once_when_repeated(
    writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("paid", 1)
    first, second = CollectingDispatcher(), CollectingDispatcher()

    await ActionCancelOrder().run(first, saved_tracker(SAVED, domain, sample), domain)
    events = await ActionCancelOrder().run(second, saved_tracker(SAVED, domain, sample), domain)

    after = await writable_backend.get_json(f"/api/v1/orders/{sample['order_id']}")
    assert len(after["refunds"]) == len(after["payments"])  # one refund per payment
    assert sum(refund["amount"] for refund in after["refunds"]) == pytest.approx(after["total"])
    assert second.messages == first.messages  # the shopper hears the same, nothing new
    assert forgotten(events) >= set(CHANGE_DETAILS)
    assert not forgotten(events) & set(FOCUS)  # the order stays in focus


@pytest.mark.parametrize(
    "slots",
    [
        {"cancel_confirmed": False},
        {"cancel_confirmed": None, "cancel_reason": None, "change_blocked": "backed_out"},
    ],
    ids=["said-no", "backed-out"],
)
async def test_a_cancellation_not_confirmed_changes_nothing(
    slots: dict[str, Any], writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("paid")
    dispatcher = CollectingDispatcher()

    events = await ActionCancelOrder().run(
        dispatcher, saved_tracker(SAVED, domain, sample, slots=slots), domain
    )

    after = await writable_backend.get_json(f"/api/v1/orders/{sample['order_id']}")
    assert after["status"] == "paid"
    assert after["refunds"] == []
    assert responses(dispatcher) == ["utter_nothing_changed"]
    assert forgotten(events) >= set(CHANGE_DETAILS)
    assert not forgotten(events) & set(FOCUS)  # the order stays in focus


async def test_an_order_that_shipped_while_we_talked_is_not_cancelled(
    writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("shipped")
    dispatcher = CollectingDispatcher()

    events = await ActionCancelOrder().run(dispatcher, saved_tracker(SAVED, domain, sample), domain)

    after = await writable_backend.get_json(f"/api/v1/orders/{sample['order_id']}")
    assert after["status"] == "shipped"
    assert responses(dispatcher) == ["utter_cancel_not_possible_now"]
    assert dispatcher.messages[0]["order_id"] == sample["order_id"]
    assert forgotten(events) >= set(CHANGE_DETAILS)
    assert not forgotten(events) & set(FOCUS)  # the order stays in focus


@pytest.mark.usefixtures("backend_down")
async def test_when_the_backend_is_down_the_shopper_hears_an_apology_and_whom_to_ask(
    store: Store, domain: dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()

    events = await ActionCancelOrder().run(
        dispatcher, saved_tracker(SAVED, domain, store.sample("paid")), domain
    )

    assert responses(dispatcher) == ["utter_backend_unavailable"]
    assert dispatcher.messages[0]["support_email"] == load_policy().support.email
    assert forgotten(events) >= set(CHANGE_DETAILS)
    assert not forgotten(events) & set(FOCUS)  # the order stays in focus
