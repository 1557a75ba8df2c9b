"""A confirmed item change: what the backend does, once, and what the shopper hears."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.changes import CHANGE_DETAILS
from actions.modifications import ActionChangeItems
from actions.verification import FOCUS
from merchants.policy import load_policy
from tests.integration.actions.conftest import Backend, Store
from tests.integration.actions.samples import options_of, order_of, the_change
from tests.integration.actions.trackers import (
    forgotten,
    make_tracker,
    responses,
    saved_tracker,
    slot_updates,
    verified,
)

SAVED = "items_confirmed"
# The pending sample whose shopper has a card and a small gift card, with a one-item order.
PENDING = 1

pytestmark = pytest.mark.usefixtures("fresh_commerce_client")


# ---- the commit action ---------------------------------------------------------------------


async def test_a_confirmed_item_change_swaps_the_item_and_says_what_the_order_has_now(
    writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("pending", PENDING)
    change = await the_change(writable_backend, sample)
    dispatcher = CollectingDispatcher()

    events = await ActionChangeItems().run(dispatcher, saved_tracker(SAVED, domain, change), domain)

    after = await order_of(writable_backend, sample["order_id"])
    assert after["lines"][0]["sku"] == change["new_sku"]
    assert after["items_modified"] is True
    assert responses(dispatcher) == ["utter_items_changed"]
    assert dispatcher.messages[0]["order_id"] == sample["order_id"]
    assert dispatcher.messages[0]["items"] == change["new_item"]
    assert forgotten(events) >= set(CHANGE_DETAILS)
    assert not forgotten(events) & set(FOCUS)  # the order stays in focus


async def test_a_confirmation_sent_twice_changes_the_items_once(
    writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("pending", PENDING)
    change = await the_change(writable_backend, sample)
    first, second = CollectingDispatcher(), CollectingDispatcher()

    await ActionChangeItems().run(first, saved_tracker(SAVED, domain, change), domain)
    events = await ActionChangeItems().run(second, saved_tracker(SAVED, domain, change), domain)

    after = await order_of(writable_backend, sample["order_id"])
    assert after["lines"][0]["sku"] == change["new_sku"]
    assert responses(second) == responses(first) == ["utter_items_changed"]
    assert forgotten(events) >= set(CHANGE_DETAILS)
    assert not forgotten(events) & set(FOCUS)  # the order stays in focus


async def test_a_second_item_change_on_the_same_order_is_refused(
    writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("pending", PENDING)
    change = await the_change(writable_backend, sample)
    line = (await order_of(writable_backend, sample["order_id"]))["lines"][0]
    another = (await options_of(writable_backend, line, in_stock=True))[1]
    await ActionChangeItems().run(
        CollectingDispatcher(), saved_tracker(SAVED, domain, change), domain
    )
    dispatcher = CollectingDispatcher()

    events = await ActionChangeItems().run(
        dispatcher,
        saved_tracker(
            SAVED, domain, change, slots={"item_changes": f"{line['line_id']}:{another['sku']}"}
        ),
        domain,
    )

    after = await order_of(writable_backend, sample["order_id"])
    assert after["lines"][0]["sku"] == change["new_sku"]
    assert responses(dispatcher) == ["utter_items_refused_now"]
    assert dispatcher.messages[0]["order_id"] == sample["order_id"]
    assert forgotten(events) >= set(CHANGE_DETAILS)
    assert not forgotten(events) & set(FOCUS)  # the order stays in focus


async def test_an_option_sold_out_while_we_talked_is_not_ordered(
    writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("pending", PENDING)
    change = await the_change(writable_backend, sample)
    line = (await order_of(writable_backend, sample["order_id"]))["lines"][0]
    sold_out = (await options_of(writable_backend, line, in_stock=False))[0]
    dispatcher = CollectingDispatcher()

    await ActionChangeItems().run(
        dispatcher,
        saved_tracker(
            SAVED, domain, change, slots={"item_changes": f"{line['line_id']}:{sold_out['sku']}"}
        ),
        domain,
    )

    after = await order_of(writable_backend, sample["order_id"])
    assert after["lines"][0]["sku"] == line["sku"]
    assert responses(dispatcher) == ["utter_option_out_of_stock_now"]


@pytest.mark.parametrize(
    "slots",
    [
        {"items_confirmed": False},
        {"items_confirmed": None, "item_changes": None, "change_blocked": "backed_out"},
    ],
    ids=["said-no", "backed-out"],
)
async def test_an_item_change_not_confirmed_changes_nothing(
    slots: dict[str, Any], writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("pending", PENDING)
    change = await the_change(writable_backend, sample)
    before = await order_of(writable_backend, sample["order_id"])
    dispatcher = CollectingDispatcher()

    events = await ActionChangeItems().run(
        dispatcher, saved_tracker(SAVED, domain, change, slots=slots), domain
    )

    after = await order_of(writable_backend, sample["order_id"])
    assert (after["lines"], after["items_modified"]) == (before["lines"], False)
    assert responses(dispatcher) == ["utter_nothing_changed"]
    assert forgotten(events) >= set(CHANGE_DETAILS)
    assert not forgotten(events) & set(FOCUS)  # the order stays in focus


async def test_an_order_that_moved_on_while_we_talked_keeps_its_items(
    writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    pending = store.sample("pending", PENDING)
    change = await the_change(writable_backend, pending)
    sample = store.sample("packed")
    before = await order_of(writable_backend, sample["order_id"])
    dispatcher = CollectingDispatcher()

    await ActionChangeItems().run(
        dispatcher, saved_tracker(SAVED, domain, {**change, **sample}), domain
    )

    after = await order_of(writable_backend, sample["order_id"])
    assert after["lines"] == before["lines"]
    assert responses(dispatcher) == ["utter_items_refused_now"]


async def test_a_delivered_order_goes_on_to_an_exchange_with_the_order_kept(
    store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered")
    tracker = make_tracker(domain, slots=verified(sample, change_blocked="exchange_instead"))
    dispatcher = CollectingDispatcher()

    events = await ActionChangeItems().run(dispatcher, tracker, domain)

    assert slot_updates(events) == {"change_blocked": None, "return_resolution": "exchange"}
    assert events[-1] == {"event": "followup", "name": "return_form", "timestamp": None}
    assert dispatcher.messages == []


@pytest.mark.usefixtures("backend_down")
async def test_when_the_backend_is_down_the_shopper_hears_an_apology_and_whom_to_ask(
    store: Store, domain: dict[str, Any]
) -> None:
    values = {
        **store.sample("pending", PENDING),
        "item_changes": "1:P-0000-X",
        "payment_method": "PM-000000",
    }
    dispatcher = CollectingDispatcher()

    events = await ActionChangeItems().run(dispatcher, saved_tracker(SAVED, domain, values), domain)

    assert responses(dispatcher) == ["utter_backend_unavailable"]
    assert dispatcher.messages[0]["support_email"] == load_policy().support.email
    assert forgotten(events) >= set(CHANGE_DETAILS)
    assert not forgotten(events) & set(FOCUS)  # the order stays in focus
