"""The return flow (refunds and exchanges): its form validator and its commit action, against
the real backend.

Validators run on a store only read; the commit action gets a store of its own per test and
reads the order back to see the return (RMA) really opened.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.returns import ValidateReturnForm
from merchants.policy import load_policy
from tests.integration.actions.conftest import Backend, Store
from tests.integration.actions.samples import in_stock_swap, order_of, other_variants
from tests.integration.actions.trackers import (
    make_tracker,
    responses,
    slot_updates,
    verified,
)

FORM = "return_form"

pytestmark = pytest.mark.usefixtures("fresh_commerce_client")


# ---- the form: which order may be returned -------------------------------------------------


@pytest.mark.usefixtures("live_backend")
async def test_a_delivered_order_with_several_items_is_verified_and_the_items_are_asked(
    store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered", 0)
    tracker = make_tracker(
        domain, slots={"order_id": sample["order_id"], "requested_slot": "order_verified"}
    )
    dispatcher = CollectingDispatcher()

    result = await ValidateReturnForm().validate_order_verified(
        sample["email"], dispatcher, tracker, domain
    )

    assert result == {
        "order_verified": True,
        "order_id": sample["order_id"],
        "customer_id": sample["customer_id"],
    }
    assert dispatcher.messages == []


async def test_a_delivered_order_of_one_item_needs_no_choice_of_items(
    live_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered", 1)
    lines = (await order_of(live_backend, sample["order_id"]))["lines"]
    assert len(lines) == 1, "the second delivered sample should be a one-item order"
    tracker = make_tracker(domain, slots={"order_id": sample["order_id"]})

    result = await ValidateReturnForm().validate_order_verified(
        sample["email"], CollectingDispatcher(), tracker, domain
    )

    assert result["return_items"] == str(lines[0]["line_id"])


@pytest.mark.usefixtures("live_backend")
async def test_an_order_not_delivered_yet_cannot_be_returned_and_the_form_ends(
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

    events = await ValidateReturnForm().run(dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_return_not_delivered"]
    assert dispatcher.messages[0]["order_id"] == sample["order_id"]
    assert dispatcher.messages[0]["status_words"] == "paid"
    updates = slot_updates(events)
    assert updates["change_blocked"] == "return_not_allowed"
    assert updates["requested_slot"] is None


@pytest.mark.usefixtures("live_backend")
async def test_an_order_with_a_return_open_is_not_returned_again(
    store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("return_requested")
    tracker = make_tracker(domain, slots={"order_id": sample["order_id"]})
    dispatcher = CollectingDispatcher()

    result = await ValidateReturnForm().validate_order_verified(
        sample["email"], dispatcher, tracker, domain
    )

    assert result["change_blocked"] == "return_not_allowed"
    assert responses(dispatcher) == ["utter_return_already_open"]


async def test_an_order_delivered_before_the_return_window_is_refused_with_the_window(
    live_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    window = load_policy().returns.window_days
    old = None
    for sample in store.samples:
        listed = await live_backend.get_json(
            f"/api/v1/customers/{sample['customer_id']}/orders?limit=50"
        )
        for summary in listed["orders"]:
            order = await order_of(live_backend, summary["order_id"])
            delivered = (order["shipment"] or {}).get("delivered_at")
            cutoff = datetime.now(timezone.utc) - timedelta(days=window + 1)
            if order["status"] == "delivered" and delivered and delivered < f"{cutoff:%Y-%m-%d}":
                old = (sample, order)
                break
        if old:
            break
    assert old, "the seeded store has no order delivered before the return window"
    sample, order = old
    tracker = make_tracker(domain, slots={"order_id": order["order_id"]})
    dispatcher = CollectingDispatcher()

    result = await ValidateReturnForm().validate_order_verified(
        sample["email"], dispatcher, tracker, domain
    )

    assert result["change_blocked"] == "return_not_allowed"
    assert responses(dispatcher) == ["utter_return_window_closed"]
    assert dispatcher.messages[0]["window_days"] == str(window)


# ---- the form: items, reason, resolution, new options --------------------------------------


async def test_an_item_named_in_the_shopper_s_words_is_the_one_returned(
    live_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered", 0)
    lines = (await order_of(live_backend, sample["order_id"]))["lines"]
    last_word = lines[-1]["product_name"].split()[-1].lower()
    answer = f"just the {last_word}"
    tracker = make_tracker(domain, slots=verified(sample, requested_slot="return_items"))
    dispatcher = CollectingDispatcher()

    result = await ValidateReturnForm().validate_return_items(answer, dispatcher, tracker, domain)

    assert result == {"return_items": str(lines[-1]["line_id"])}
    assert dispatcher.messages == []


async def test_all_of_them_returns_every_item(
    live_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered", 0)
    lines = (await order_of(live_backend, sample["order_id"]))["lines"]
    tracker = make_tracker(domain, slots=verified(sample, requested_slot="return_items"))

    result = await ValidateReturnForm().validate_return_items(
        "all of them", CollectingDispatcher(), tracker, domain
    )

    assert result == {"return_items": ",".join(str(line["line_id"]) for line in lines)}


@pytest.mark.usefixtures("live_backend")
async def test_an_item_not_in_the_order_gets_the_items_asked_again(
    store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered", 0)
    tracker = make_tracker(domain, slots=verified(sample, requested_slot="return_items"))
    dispatcher = CollectingDispatcher()

    result = await ValidateReturnForm().validate_return_items(
        "the kayak", dispatcher, tracker, domain
    )

    assert result == {"return_items": None}
    assert responses(dispatcher) == ["utter_return_item_not_found"]


@pytest.mark.parametrize(
    ("validator", "slot"),
    [
        ("validate_return_items", "return_items"),
        ("validate_return_reason", "return_reason"),
        ("validate_return_resolution", "return_resolution"),
        ("validate_item_changes", "item_changes"),
        ("validate_payment_method", "payment_method"),
    ],
)
async def test_never_mind_at_any_question_stops_the_return(
    validator: str, slot: str, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(domain, slots={"requested_slot": slot}, text="never mind")

    result = await getattr(ValidateReturnForm(), validator)(
        "never mind", CollectingDispatcher(), tracker, domain
    )

    assert result == {slot: None, "change_blocked": "backed_out"}


async def test_the_reason_is_kept_in_the_shopper_s_words(domain: dict[str, Any]) -> None:
    tracker = make_tracker(domain, slots={"requested_slot": "return_reason"})

    result = await ValidateReturnForm().validate_return_reason(
        "  runs a size small  ", CollectingDispatcher(), tracker, domain
    )

    assert result == {"return_reason": "runs a size small"}


@pytest.mark.parametrize(
    ("answer", "resolution"),
    [
        ("I'd like my money back", "refund"),
        ("/inform refund", "refund"),
        ("store credit is fine", "store_credit"),
        ("can I exchange it for a bigger size?", "exchange"),
    ],
)
@pytest.mark.usefixtures("live_backend")
async def test_the_resolution_is_read_from_the_shopper_s_words(
    answer: str, resolution: str, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered", 0)
    tracker = make_tracker(domain, slots=verified(sample, requested_slot="return_resolution"))
    dispatcher = CollectingDispatcher()

    result = await ValidateReturnForm().validate_return_resolution(
        answer, dispatcher, tracker, domain
    )

    assert result == {"return_resolution": resolution}
    assert dispatcher.messages == []


@pytest.mark.usefixtures("live_backend")
async def test_an_answer_that_names_no_resolution_leaves_the_question_open(
    store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered", 0)
    tracker = make_tracker(domain, slots=verified(sample, requested_slot="return_resolution"))
    dispatcher = CollectingDispatcher()

    result = await ValidateReturnForm().validate_return_resolution(
        "whatever works", dispatcher, tracker, domain
    )

    assert result == {"return_resolution": None}
    assert dispatcher.messages == []  # the question itself is asked again


async def test_an_exchange_asks_for_the_new_options_and_a_refund_does_not(
    domain: dict[str, Any],
) -> None:
    form = ValidateReturnForm()
    exchange = make_tracker(domain, slots={"return_resolution": "exchange"}, active_loop=FORM)
    refund = make_tracker(domain, slots={"return_resolution": "refund"}, active_loop=FORM)
    slots = form.domain_slots(domain)

    asked_for_exchange = await form.required_slots(slots, CollectingDispatcher(), exchange, domain)
    asked_for_refund = await form.required_slots(slots, CollectingDispatcher(), refund, domain)

    assert {"item_changes", "payment_method"} <= set(asked_for_exchange)
    assert not {"item_changes", "payment_method"} & set(asked_for_refund)


async def test_an_in_stock_option_for_the_returned_item_is_taken_for_the_exchange(
    live_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered", 0)
    order = await order_of(live_backend, sample["order_id"])
    line = order["lines"][0]
    swap = await in_stock_swap(live_backend, line)
    tracker = make_tracker(
        domain,
        slots=verified(
            sample,
            return_items=str(line["line_id"]),
            return_resolution="exchange",
            requested_slot="item_changes",
        ),
        active_loop=FORM,
    )
    dispatcher = CollectingDispatcher()

    result = await ValidateReturnForm().validate_item_changes(swap, dispatcher, tracker, domain)

    assert result == {
        "item_changes": swap,
        "price_difference": 0.0,
        "payment_method": order["payments"][0]["method"]["payment_method_id"],
    }
    assert dispatcher.messages == []


async def test_an_option_out_of_stock_is_refused_and_the_options_in_stock_are_shown(
    live_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered", 0)
    line = (await order_of(live_backend, sample["order_id"]))["lines"][0]
    sold_out = [v for v in await other_variants(live_backend, line) if v["stock"] == 0]
    assert sold_out, f"the seeded store has no sold-out option of {line['product_name']}"
    answer = "in " + " ".join(sold_out[0]["options"].values())
    tracker = make_tracker(
        domain,
        slots=verified(
            sample,
            return_items=str(line["line_id"]),
            return_resolution="exchange",
            requested_slot="item_changes",
        ),
        text=answer,
        active_loop=FORM,
    )
    dispatcher = CollectingDispatcher()

    result = await ValidateReturnForm().validate_item_changes(answer, dispatcher, tracker, domain)

    assert result == {"item_changes": None}
    assert responses(dispatcher) == ["utter_option_out_of_stock"]
    assert dispatcher.messages[0]["buttons"], "the options in stock are offered"


async def test_the_shopper_s_other_method_named_in_words_settles_an_exchange_s_difference(
    live_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered", 0)
    listed = await live_backend.get_json(
        f"/api/v1/customers/{sample['customer_id']}/payment-methods"
    )
    paypal = [m for m in listed["payment_methods"] if m["type"] == "paypal"]
    assert len(paypal) == 1, "the first delivered sample's shopper should have one PayPal"
    tracker = make_tracker(
        domain,
        slots=verified(
            sample,
            return_resolution="exchange",
            price_difference=12.0,
            requested_slot="payment_method",
        ),
        text="put it on my paypal",
        active_loop=FORM,
    )
    dispatcher = CollectingDispatcher()

    result = await ValidateReturnForm().validate_payment_method(
        "put it on my paypal", dispatcher, tracker, domain
    )

    assert result == {"payment_method": paypal[0]["payment_method_id"]}
    assert dispatcher.messages == []


@pytest.mark.parametrize(("answer", "confirmed"), [(True, True), (False, False)])
async def test_only_a_yes_confirms_the_return(
    answer: bool, confirmed: bool, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(domain, slots={"requested_slot": "return_confirmed"})

    result = await ValidateReturnForm().validate_return_confirmed(
        answer, CollectingDispatcher(), tracker, domain
    )

    assert result == {"return_confirmed": confirmed}
