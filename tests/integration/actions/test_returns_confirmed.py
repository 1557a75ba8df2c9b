"""A confirmed return or exchange: the RMA the backend opens, once, and what the shopper hears."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.changes import CHANGE_DETAILS
from actions.returns import ActionAskReturnConfirmed, ActionCreateReturn
from actions.support import money
from actions.verification import FOCUS
from merchants.policy import load_policy
from tests.integration.actions.conftest import Backend, Store
from tests.integration.actions.samples import in_stock_swap, order_of
from tests.integration.actions.trackers import (
    forgotten,
    make_tracker,
    responses,
    saved_tracker,
    slot_updates,
    verified,
)

FORM = "return_form"
SAVED = "return_confirmed"

pytestmark = pytest.mark.usefixtures("fresh_commerce_client")


# ---- the commit action ---------------------------------------------------------------------


async def test_a_confirmed_return_opens_an_rma_and_tells_the_shopper_its_number(
    writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered", 0)
    dispatcher = CollectingDispatcher()

    events = await ActionCreateReturn().run(
        dispatcher, saved_tracker(SAVED, domain, sample), domain
    )

    after = await order_of(writable_backend, sample["order_id"])
    assert after["status"] == "return_requested"
    [rma] = after["returns"]
    assert (rma["line_ids"], rma["resolution"], rma["reason"]) == ([1], "refund", "too small")
    assert responses(dispatcher) == ["utter_return_created"]
    message = dispatcher.messages[0]
    assert (message["order_id"], message["rma_id"]) == (sample["order_id"], rma["rma_id"])
    assert message["instructions"]
    assert forgotten(events) >= set(CHANGE_DETAILS)
    assert not forgotten(events) & set(FOCUS)  # the order stays in focus
    assert slot_updates(events)["order_status"] == "return_requested"


async def test_a_confirmed_return_for_store_credit_opens_an_rma_for_store_credit(
    writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered", 0)
    dispatcher = CollectingDispatcher()

    await ActionCreateReturn().run(
        dispatcher,
        saved_tracker(SAVED, domain, sample, slots={"return_resolution": "store_credit"}),
        domain,
    )

    [rma] = (await order_of(writable_backend, sample["order_id"]))["returns"]
    assert rma["resolution"] == "store_credit"
    assert responses(dispatcher) == ["utter_return_created"]
    assert dispatcher.messages[0]["rma_id"] == rma["rma_id"]


async def test_a_confirmation_sent_twice_opens_one_rma(
    writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered", 0)
    first, second = CollectingDispatcher(), CollectingDispatcher()

    await ActionCreateReturn().run(first, saved_tracker(SAVED, domain, sample), domain)
    events = await ActionCreateReturn().run(second, saved_tracker(SAVED, domain, sample), domain)

    after = await order_of(writable_backend, sample["order_id"])
    assert len(after["returns"]) == 1
    assert second.messages == first.messages  # the same RMA number both times
    assert forgotten(events) >= set(CHANGE_DETAILS)
    assert not forgotten(events) & set(FOCUS)  # the order stays in focus


async def test_a_confirmed_exchange_opens_an_exchange_for_the_new_option(
    writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered", 0)
    order = await order_of(writable_backend, sample["order_id"])
    swap = await in_stock_swap(writable_backend, order["lines"][0])
    slots = {
        "return_resolution": "exchange",
        "item_changes": swap,
        "payment_method": order["payments"][0]["method"]["payment_method_id"],
        "price_difference": 0.0,
    }
    dispatcher = CollectingDispatcher()

    events = await ActionCreateReturn().run(
        dispatcher, saved_tracker(SAVED, domain, sample, slots=slots), domain
    )

    after = await order_of(writable_backend, sample["order_id"])
    assert after["status"] == "exchange_requested"
    [rma] = after["returns"]
    assert rma["resolution"] == "exchange"
    assert responses(dispatcher) == ["utter_return_created"]
    assert dispatcher.messages[0]["rma_id"] == rma["rma_id"]
    assert slot_updates(events)["order_status"] == "exchange_requested"
    assert forgotten(events) >= set(CHANGE_DETAILS)
    assert not forgotten(events) & set(FOCUS)  # the order stays in focus


@pytest.mark.parametrize(
    "slots",
    [
        {"return_confirmed": False},
        {"return_confirmed": None, "return_resolution": None, "change_blocked": "backed_out"},
    ],
    ids=["said-no", "backed-out"],
)
async def test_a_return_not_confirmed_changes_nothing(
    slots: dict[str, Any], writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered", 0)
    dispatcher = CollectingDispatcher()

    events = await ActionCreateReturn().run(
        dispatcher, saved_tracker(SAVED, domain, sample, slots=slots), domain
    )

    after = await order_of(writable_backend, sample["order_id"])
    assert (after["status"], after["returns"]) == ("delivered", [])
    assert responses(dispatcher) == ["utter_nothing_changed"]
    assert forgotten(events) >= set(CHANGE_DETAILS)
    assert not forgotten(events) & set(FOCUS)  # the order stays in focus


async def test_an_order_the_backend_will_not_take_back_is_refused_and_nothing_opens(
    writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("in_transit")
    dispatcher = CollectingDispatcher()

    events = await ActionCreateReturn().run(
        dispatcher, saved_tracker(SAVED, domain, sample), domain
    )

    after = await order_of(writable_backend, sample["order_id"])
    assert (after["status"], after["returns"]) == ("in_transit", [])
    assert responses(dispatcher) == ["utter_return_refused_now"]
    assert dispatcher.messages[0]["order_id"] == sample["order_id"]
    assert forgotten(events) >= set(CHANGE_DETAILS)
    assert not forgotten(events) & set(FOCUS)  # the order stays in focus


@pytest.mark.usefixtures("backend_down")
async def test_when_the_backend_is_down_the_shopper_hears_an_apology_and_whom_to_ask(
    store: Store, domain: dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()

    events = await ActionCreateReturn().run(
        dispatcher, saved_tracker(SAVED, domain, store.sample("delivered")), domain
    )

    assert responses(dispatcher) == ["utter_backend_unavailable"]
    assert dispatcher.messages[0]["support_email"] == load_policy().support.email
    assert forgotten(events) >= set(CHANGE_DETAILS)
    assert not forgotten(events) & set(FOCUS)  # the order stays in focus


async def test_the_summary_says_what_comes_back_as_every_reply_writes_money(
    store: Store, live_backend: Backend, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered", 0)
    order = await order_of(live_backend, sample["order_id"])
    line = order["lines"][0]
    dispatcher = CollectingDispatcher()
    slots = verified(
        sample, return_items=str(line["line_id"]), return_reason="too big",
        return_resolution="refund", requested_slot="return_confirmed",
    )  # fmt: skip

    await ActionAskReturnConfirmed().run(
        dispatcher, make_tracker(domain, slots=slots, active_loop=FORM), domain
    )

    (message,) = dispatcher.messages
    assert message["response"] == "utter_ask_return_confirmed"
    assert message["amount"] == money(line["unit_price"] * line["quantity"], order["currency"])
    assert message["resolution_words"] == "to your original payment method"
