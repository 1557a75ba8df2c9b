"""The payment-change flow (another payment method for a pending order): its form validator
and its commit action, against the real backend.

The seeded shoppers with a pending order hold one usable method each, or a gift card too
small to pay; a gift card big enough is built through the backend's API (refunded claims on
the shopper's delivered orders) on a store of the test's own.
"""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.changes import CHANGE_DETAILS
from actions.modifications import ActionChangePaymentMethod, ValidateChangePaymentForm
from actions.verification import FOCUS
from merchants.policy import load_policy
from tests.integration.actions.conftest import Backend, Store
from tests.integration.actions.samples import order_of
from tests.integration.actions.trackers import (
    forgotten,
    make_tracker,
    responses,
    saved_tracker,
    slot_updates,
    verified,
)

FORM = "change_payment_form"
SAVED = "payment_confirmed"
# The pending sample whose shopper has a card and a gift card too small to pay the order.
PENDING = 1

pytestmark = pytest.mark.usefixtures("fresh_commerce_client")


async def gift_card(backend: Backend, customer_id: str) -> dict[str, Any]:
    listed = await backend.get_json(f"/api/v1/customers/{customer_id}/payment-methods")
    [card] = [m for m in listed["payment_methods"] if m["type"] == "gift_card"]
    return card


async def top_up_gift_card(backend: Backend, sample: dict[str, str]) -> dict[str, Any]:
    """The shopper's gift card, topped up until it pays the order.

    Built through the backend's API: refunded claims on the shopper's delivered orders give
    back what their gift card paid for them.
    """
    total = (await order_of(backend, sample["order_id"]))["total"]
    listed = await backend.get_json(f"/api/v1/customers/{sample['customer_id']}/orders?limit=50")
    for summary in listed["orders"]:
        if summary["status"] != "delivered":
            continue
        order = await order_of(backend, summary["order_id"])
        await backend.post_json(
            f"/api/v1/orders/{order['order_id']}/claims",
            {
                "kind": "damaged",
                "line_ids": [line["line_id"] for line in order["lines"]],
                "remedy": "refund",
            },
            key=f"top-up-{order['order_id']}",
        )
        card = await gift_card(backend, sample["customer_id"])
        if card["balance"] >= total:
            return card
    raise AssertionError("the shopper's gift card cannot be topped up to the order's total")


def holding(order: dict[str, Any]) -> set[str]:
    """The methods that pay for the order now (authorised or captured)."""
    return {
        payment["method"]["payment_method_id"]
        for payment in order["payments"]
        if payment["status"] in ("authorized", "captured")
    }


# ---- the form ------------------------------------------------------------------------------


@pytest.mark.usefixtures("live_backend")
async def test_a_pending_order_verified_by_its_zip_may_be_paid_another_way(
    store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("pending", PENDING)
    tracker = make_tracker(
        domain, slots={"order_id": sample["order_id"], "requested_slot": "order_verified"}
    )
    dispatcher = CollectingDispatcher()

    result = await ValidateChangePaymentForm().validate_order_verified(
        sample["postcode"], dispatcher, tracker, domain
    )

    assert result == {
        "order_verified": True,
        "order_id": sample["order_id"],
        "customer_id": sample["customer_id"],
    }
    assert dispatcher.messages == []


@pytest.mark.usefixtures("live_backend")
async def test_a_paid_order_keeps_its_payment_and_the_form_ends(
    store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("paid")
    tracker = make_tracker(
        domain,
        slots={"order_id": sample["order_id"], "requested_slot": "order_verified"},
        text=sample["email"],
        entities={"email": sample["email"]},
        extracted={"order_verified": sample["email"]},
        active_loop=FORM,
    )
    dispatcher = CollectingDispatcher()

    events = await ValidateChangePaymentForm().run(dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_payment_change_too_late"]
    assert dispatcher.messages[0]["order_id"] == sample["order_id"]
    assert dispatcher.messages[0]["status_words"] == "paid"
    updates = slot_updates(events)
    assert updates["change_blocked"] == "payment_not_allowed"
    assert updates["requested_slot"] is None


async def test_a_gift_card_that_pays_the_order_is_taken(
    writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("pending", PENDING)
    card = await top_up_gift_card(writable_backend, sample)
    tracker = make_tracker(
        domain, slots=verified(sample, requested_slot="payment_method"), text="my gift card"
    )
    dispatcher = CollectingDispatcher()

    result = await ValidateChangePaymentForm().validate_payment_method(
        "my gift card", dispatcher, tracker, domain
    )

    assert result == {"payment_method": card["payment_method_id"]}
    assert dispatcher.messages == []


async def test_a_gift_card_too_small_for_the_order_is_refused_with_its_balance(
    live_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("pending", PENDING)
    total = (await order_of(live_backend, sample["order_id"]))["total"]
    tracker = make_tracker(
        domain, slots=verified(sample, requested_slot="payment_method"), text="gift card"
    )
    dispatcher = CollectingDispatcher()

    result = await ValidateChangePaymentForm().validate_payment_method(
        "gift card", dispatcher, tracker, domain
    )

    assert result == {"payment_method": None}
    assert responses(dispatcher) == ["utter_gift_card_too_small"]
    assert dispatcher.messages[0]["amount"] == f"${total:.2f}"


async def test_the_method_already_paying_is_no_answer_and_the_others_are_offered(
    live_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("pending", PENDING)
    paying = (await order_of(live_backend, sample["order_id"]))["payments"][0]["method"]
    answer = f"the {paying['label']}"
    tracker = make_tracker(
        domain, slots=verified(sample, requested_slot="payment_method"), text=answer
    )
    dispatcher = CollectingDispatcher()

    result = await ValidateChangePaymentForm().validate_payment_method(
        answer, dispatcher, tracker, domain
    )

    assert result == {"payment_method": None}
    assert responses(dispatcher) == ["utter_payment_method_not_understood"]
    offered = [button["payload"] for button in dispatcher.messages[0]["buttons"]]
    assert offered and not any(paying["payment_method_id"] in p for p in offered)


@pytest.mark.usefixtures("live_backend")
async def test_never_mind_instead_of_a_payment_method_stops_the_change(
    store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("pending", PENDING)
    tracker = make_tracker(
        domain, slots=verified(sample, requested_slot="payment_method"), text="never mind"
    )

    result = await ValidateChangePaymentForm().validate_payment_method(
        "never mind", CollectingDispatcher(), tracker, domain
    )

    assert result == {"payment_method": None, "change_blocked": "backed_out"}


@pytest.mark.parametrize(("answer", "confirmed"), [(True, True), (False, False)])
async def test_only_a_yes_confirms_the_payment_change(
    answer: bool, confirmed: bool, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(domain, slots={"requested_slot": "payment_confirmed"})

    result = await ValidateChangePaymentForm().validate_payment_confirmed(
        answer, CollectingDispatcher(), tracker, domain
    )

    assert result == {"payment_confirmed": confirmed}


# ---- the commit action ---------------------------------------------------------------------


async def test_a_confirmed_payment_change_pays_the_order_with_the_new_method(
    writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("pending", PENDING)
    card = await top_up_gift_card(writable_backend, sample)
    values = {**sample, "payment_method": card["payment_method_id"]}
    dispatcher = CollectingDispatcher()

    events = await ActionChangePaymentMethod().run(
        dispatcher, saved_tracker(SAVED, domain, values), domain
    )

    after = await order_of(writable_backend, sample["order_id"])
    assert holding(after) == {card["payment_method_id"]}
    assert responses(dispatcher) == ["utter_payment_changed"]
    assert dispatcher.messages[0]["order_id"] == sample["order_id"]
    assert forgotten(events) >= set(CHANGE_DETAILS)
    assert not forgotten(events) & set(FOCUS)  # the order stays in focus


async def test_a_confirmation_sent_twice_moves_the_payment_once(
    writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("pending", PENDING)
    card = await top_up_gift_card(writable_backend, sample)
    values = {**sample, "payment_method": card["payment_method_id"]}
    first, second = CollectingDispatcher(), CollectingDispatcher()

    await ActionChangePaymentMethod().run(first, saved_tracker(SAVED, domain, values), domain)
    once = await order_of(writable_backend, sample["order_id"])
    events = await ActionChangePaymentMethod().run(
        second, saved_tracker(SAVED, domain, values), domain
    )

    twice = await order_of(writable_backend, sample["order_id"])
    assert twice["payments"] == once["payments"]
    assert responses(second) == responses(first) == ["utter_payment_changed"]
    assert forgotten(events) >= set(CHANGE_DETAILS)
    assert not forgotten(events) & set(FOCUS)  # the order stays in focus


async def test_a_gift_card_too_small_is_refused_by_the_backend_and_the_payment_stays(
    writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("pending", PENDING)
    before = await order_of(writable_backend, sample["order_id"])
    card = await gift_card(writable_backend, sample["customer_id"])
    assert card["balance"] < before["total"], "the sample's gift card should be too small"
    values = {**sample, "payment_method": card["payment_method_id"]}
    dispatcher = CollectingDispatcher()

    events = await ActionChangePaymentMethod().run(
        dispatcher, saved_tracker(SAVED, domain, values), domain
    )

    after = await order_of(writable_backend, sample["order_id"])
    assert holding(after) == holding(before)
    assert responses(dispatcher) == ["utter_payment_change_refused_now"]
    assert dispatcher.messages[0]["order_id"] == sample["order_id"]
    assert dispatcher.messages[0]["support_email"] == load_policy().support.email
    assert forgotten(events) >= set(CHANGE_DETAILS)
    assert not forgotten(events) & set(FOCUS)  # the order stays in focus


async def test_an_order_that_moved_on_while_we_talked_keeps_its_payment(
    writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("paid", 1)  # a shopper with a second method
    before = await order_of(writable_backend, sample["order_id"])
    listed = await writable_backend.get_json(
        f"/api/v1/customers/{sample['customer_id']}/payment-methods"
    )
    other = next(
        m for m in listed["payment_methods"] if m["payment_method_id"] not in holding(before)
    )
    values = {**sample, "payment_method": other["payment_method_id"]}
    dispatcher = CollectingDispatcher()

    await ActionChangePaymentMethod().run(dispatcher, saved_tracker(SAVED, domain, values), domain)

    after = await order_of(writable_backend, sample["order_id"])
    assert holding(after) == holding(before)
    assert responses(dispatcher) == ["utter_payment_change_refused_now"]


@pytest.mark.parametrize(
    "slots",
    [
        {"payment_confirmed": False},
        {"payment_confirmed": None, "payment_method": None, "change_blocked": "backed_out"},
    ],
    ids=["said-no", "backed-out"],
)
async def test_a_payment_change_not_confirmed_changes_nothing(
    slots: dict[str, Any], writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("pending", PENDING)
    card = await top_up_gift_card(writable_backend, sample)
    before = await order_of(writable_backend, sample["order_id"])
    values = {**sample, "payment_method": card["payment_method_id"]}
    dispatcher = CollectingDispatcher()

    events = await ActionChangePaymentMethod().run(
        dispatcher, saved_tracker(SAVED, domain, values, slots=slots), domain
    )

    after = await order_of(writable_backend, sample["order_id"])
    assert after["payments"] == before["payments"]
    assert responses(dispatcher) == ["utter_nothing_changed"]
    assert forgotten(events) >= set(CHANGE_DETAILS)
    assert not forgotten(events) & set(FOCUS)  # the order stays in focus


@pytest.mark.usefixtures("backend_down")
async def test_when_the_backend_is_down_the_shopper_hears_an_apology_and_whom_to_ask(
    store: Store, domain: dict[str, Any]
) -> None:
    values = {**store.sample("pending", PENDING), "payment_method": "PM-000000"}
    dispatcher = CollectingDispatcher()

    events = await ActionChangePaymentMethod().run(
        dispatcher, saved_tracker(SAVED, domain, values), domain
    )

    assert responses(dispatcher) == ["utter_backend_unavailable"]
    assert dispatcher.messages[0]["support_email"] == load_policy().support.email
    assert forgotten(events) >= set(CHANGE_DETAILS)
    assert not forgotten(events) & set(FOCUS)  # the order stays in focus
