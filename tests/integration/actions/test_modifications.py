"""The item-change flow (another option of an item before the order ships): its form
validator and its commit action, against the real backend.

Validators run on a store only read, except where a case is built through the backend's API;
the commit action gets a store of its own per test and reads the order back.
"""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.modifications import ValidateChangeItemsForm
from merchants.policy import load_policy
from tests.integration.actions.conftest import Backend, Store
from tests.integration.actions.samples import options_of, order_of, the_change
from tests.integration.actions.trackers import (
    make_tracker,
    responses,
    slot_updates,
    verified,
)

FORM = "change_items_form"
# The pending sample whose shopper has a card and a small gift card, with a one-item order.
PENDING = 1

pytestmark = pytest.mark.usefixtures("fresh_commerce_client")


# ---- the form ------------------------------------------------------------------------------


@pytest.mark.usefixtures("live_backend")
async def test_a_pending_order_verified_by_its_email_may_change_its_items(
    store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("pending", PENDING)
    tracker = make_tracker(
        domain, slots={"order_id": sample["order_id"], "requested_slot": "order_verified"}
    )
    dispatcher = CollectingDispatcher()

    result = await ValidateChangeItemsForm().validate_order_verified(
        sample["email"], dispatcher, tracker, domain
    )

    assert result == {
        "order_verified": True,
        "order_id": sample["order_id"],
        "customer_id": sample["customer_id"],
    }
    assert dispatcher.messages == []


@pytest.mark.usefixtures("live_backend")
async def test_a_paid_order_keeps_its_items_and_the_form_ends(
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

    events = await ValidateChangeItemsForm().run(dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_items_too_late"]
    assert dispatcher.messages[0]["status_words"] == "paid"
    assert dispatcher.messages[0]["support_email"] == load_policy().support.email
    updates = slot_updates(events)
    assert updates["change_blocked"] == "items_not_allowed"
    assert updates["requested_slot"] is None


@pytest.mark.usefixtures("live_backend")
async def test_a_delivered_order_s_items_are_exchanged_instead(
    store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered")
    tracker = make_tracker(domain, slots={"order_id": sample["order_id"]})
    dispatcher = CollectingDispatcher()

    result = await ValidateChangeItemsForm().validate_order_verified(
        sample["email"], dispatcher, tracker, domain
    )

    assert result["change_blocked"] == "exchange_instead"
    assert responses(dispatcher) == ["utter_items_delivered_exchange_instead"]


async def test_an_order_whose_items_changed_once_is_not_changed_again(
    writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("pending", PENDING)
    change = await the_change(writable_backend, sample)
    line_id, sku = change["item_changes"].split(":")
    await writable_backend.post_json(
        f"/api/v1/orders/{sample['order_id']}/items",
        {
            "changes": [{"line_id": int(line_id), "new_sku": sku}],
            "payment_method_id": change["payment_method"],
        },
        key="an-earlier-change",
    )
    tracker = make_tracker(domain, slots={"order_id": sample["order_id"]})
    dispatcher = CollectingDispatcher()

    result = await ValidateChangeItemsForm().validate_order_verified(
        sample["email"], dispatcher, tracker, domain
    )

    assert result["change_blocked"] == "items_changed_once"
    assert responses(dispatcher) == ["utter_items_changed_once"]


async def test_a_new_option_in_the_shopper_s_words_is_read_and_costs_nothing_more(
    live_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("pending", PENDING)
    change = await the_change(live_backend, sample)
    line = (await order_of(live_backend, sample["order_id"]))["lines"][0]
    new = next(
        v
        for v in await options_of(live_backend, line, in_stock=True)
        if v["sku"] == change["new_sku"]
    )
    answer = "can I have it in " + " ".join(new["options"].values()) + " instead?"
    tracker = make_tracker(
        domain, slots=verified(sample, requested_slot="item_changes"), text=answer
    )
    dispatcher = CollectingDispatcher()

    result = await ValidateChangeItemsForm().validate_item_changes(
        answer, dispatcher, tracker, domain
    )

    assert result == {
        "item_changes": change["item_changes"],
        "price_difference": 0.0,
        "payment_method": change["payment_method"],  # nothing to pay: nobody is asked how
    }
    assert dispatcher.messages == []


async def test_an_option_out_of_stock_is_refused_and_the_options_in_stock_are_shown(
    live_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("pending", PENDING)
    line = (await order_of(live_backend, sample["order_id"]))["lines"][0]
    sold_out = (await options_of(live_backend, line, in_stock=False))[0]
    answer = "in " + " ".join(sold_out["options"].values())
    tracker = make_tracker(
        domain, slots=verified(sample, requested_slot="item_changes"), text=answer
    )
    dispatcher = CollectingDispatcher()

    result = await ValidateChangeItemsForm().validate_item_changes(
        answer, dispatcher, tracker, domain
    )

    assert result == {"item_changes": None}
    assert responses(dispatcher) == ["utter_option_out_of_stock"]
    assert dispatcher.messages[0]["buttons"]


@pytest.mark.usefixtures("live_backend")
async def test_words_that_name_no_option_get_the_options_shown_again(
    store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("pending", PENDING)
    answer = "something nicer maybe"
    tracker = make_tracker(
        domain, slots=verified(sample, requested_slot="item_changes"), text=answer
    )
    dispatcher = CollectingDispatcher()

    result = await ValidateChangeItemsForm().validate_item_changes(
        answer, dispatcher, tracker, domain
    )

    assert result == {"item_changes": None}
    assert responses(dispatcher) == ["utter_option_not_understood"]
    assert dispatcher.messages[0]["buttons"]


@pytest.mark.usefixtures("live_backend")
async def test_a_gift_card_too_small_for_the_difference_is_refused_with_its_balance(
    store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("pending", PENDING)
    tracker = make_tracker(
        domain,
        slots=verified(sample, price_difference=10.0, requested_slot="payment_method"),
        text="use my gift card",
    )
    dispatcher = CollectingDispatcher()

    result = await ValidateChangeItemsForm().validate_payment_method(
        "use my gift card", dispatcher, tracker, domain
    )

    assert result == {"payment_method": None}
    assert responses(dispatcher) == ["utter_gift_card_too_small"]
    assert (dispatcher.messages[0]["balance"], dispatcher.messages[0]["amount"]) == (
        "$5.00",
        "$10.00",
    )


async def test_the_card_named_by_its_last_digits_pays_the_difference(
    live_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("pending", PENDING)
    listed = await live_backend.get_json(
        f"/api/v1/customers/{sample['customer_id']}/payment-methods"
    )
    card = next(m for m in listed["payment_methods"] if m["type"] == "credit_card")
    answer = f"the one ending {card['label'][-4:]}"
    tracker = make_tracker(
        domain,
        slots=verified(sample, price_difference=10.0, requested_slot="payment_method"),
        text=answer,
    )
    dispatcher = CollectingDispatcher()

    result = await ValidateChangeItemsForm().validate_payment_method(
        answer, dispatcher, tracker, domain
    )

    assert result == {"payment_method": card["payment_method_id"]}
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    ("validator", "slot"),
    [("validate_item_changes", "item_changes"), ("validate_payment_method", "payment_method")],
)
async def test_never_mind_at_any_question_stops_the_item_change(
    validator: str, slot: str, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(domain, slots={"requested_slot": slot}, text="never mind")

    result = await getattr(ValidateChangeItemsForm(), validator)(
        "never mind", CollectingDispatcher(), tracker, domain
    )

    assert result == {slot: None, "change_blocked": "backed_out"}


async def test_another_option_named_at_the_summary_replaces_the_first_and_asks_again(
    live_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("pending", PENDING)
    change = await the_change(live_backend, sample)
    line = (await order_of(live_backend, sample["order_id"]))["lines"][0]
    instead = (await options_of(live_backend, line, in_stock=True))[1]
    text = "hmm no, make it " + " ".join(instead["options"].values())
    tracker = make_tracker(
        domain,
        slots=verified(
            sample,
            item_changes=change["item_changes"],
            price_difference=0.0,
            payment_method=change["payment_method"],
            requested_slot="items_confirmed",
        ),
        text=text,
        active_loop=FORM,
    )
    dispatcher = CollectingDispatcher()

    events = await ValidateChangeItemsForm().run(dispatcher, tracker, domain)

    updates = slot_updates(events)
    assert updates["item_changes"] == f"{line['line_id']}:{instead['sku']}"
    assert updates["requested_slot"] == "items_confirmed"  # the summary again, new option
    assert dispatcher.messages == []


@pytest.mark.parametrize(("answer", "confirmed"), [(True, True), (False, False)])
async def test_only_a_yes_confirms_the_item_change(
    answer: bool, confirmed: bool, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(domain, slots={"requested_slot": "items_confirmed"})

    result = await ValidateChangeItemsForm().validate_items_confirmed(
        answer, CollectingDispatcher(), tracker, domain
    )

    assert result == {"items_confirmed": confirmed}
