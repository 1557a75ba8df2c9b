"""Verifying the shopper before an order is revealed: real actions against the real backend."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import (
    SlotSet,
)
from rasa_sdk.executor import CollectingDispatcher

from actions.orders import ActionOrderStatus, ValidateOrderStatusForm
from merchants.policy import load_policy
from tests.integration.actions.conftest import Backend, Store
from tests.integration.actions.samples import support
from tests.integration.actions.trackers import make_tracker, responses

FORM = "order_status_form"
UNKNOWN_ORDER = "AC-999999"

pytestmark = pytest.mark.usefixtures("fresh_commerce_client")


# ---- verification ------------------------------------------------------------------------


async def test_when_shopper_gives_the_right_email_then_order_is_verified_and_customer_known(
    live_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("in_transit")
    answer = sample["email"].upper()
    tracker = make_tracker(
        domain, slots={"order_id": sample["order_id"], "requested_slot": "order_verified"}
    )
    dispatcher = CollectingDispatcher()

    result = await ValidateOrderStatusForm().validate_order_verified(
        answer, dispatcher, tracker, domain
    )

    assert result == {
        "order_verified": True,
        "order_id": sample["order_id"],
        "customer_id": sample["customer_id"],
    }
    assert dispatcher.messages == []


async def test_when_form_runs_on_an_extracted_email_then_rasa_gets_the_verified_slots(
    live_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered")
    tracker = make_tracker(
        domain,
        slots={"order_id": sample["order_id"], "requested_slot": "order_verified"},
        text=f"it's {sample['email']}",
        entities={"email": sample["email"]},
        extracted={"order_verified": sample["email"]},
        active_loop=FORM,
    )
    dispatcher = CollectingDispatcher()

    events = await ValidateOrderStatusForm().run(dispatcher, tracker, domain)

    assert {e["name"]: e["value"] for e in events if e["event"] == "slot"} == {
        "order_verified": True,
        "order_id": sample["order_id"],
        "customer_id": sample["customer_id"],
        "requested_slot": None,  # nothing left to ask
    }
    assert dispatcher.messages == []


async def test_when_shopper_gives_the_order_number_and_email_at_once_then_both_are_checked(
    live_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("lost")
    digits = sample["order_id"].removeprefix("AC-")
    tracker = make_tracker(
        domain,
        slots={"requested_slot": "order_id"},
        text=f"#{digits}, {sample['email']}",
        entities={"order_id": f"#{digits}", "email": sample["email"]},
        extracted={"order_id": f"#{digits}"},
        active_loop=FORM,
    )
    dispatcher = CollectingDispatcher()

    events = await ValidateOrderStatusForm().run(dispatcher, tracker, domain)

    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots == {
        "order_id": sample["order_id"],
        "order_verified": True,
        "customer_id": sample["customer_id"],
        "requested_slot": None,  # nothing left to ask
    }


async def test_when_email_is_wrong_or_order_unknown_then_shopper_hears_exactly_the_same(
    live_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample, other = store.sample("in_transit", 0), store.sample("delayed", 0)
    outcomes = []
    for order_id, answer in (
        (sample["order_id"], other["email"]),
        (UNKNOWN_ORDER, sample["email"]),
    ):
        tracker = make_tracker(
            domain,
            slots={"order_id": order_id, "failed_verifications": 2.0},
            text=answer,
            entities={"email": answer},
        )
        dispatcher = CollectingDispatcher()
        result = await ValidateOrderStatusForm().validate_order_verified(
            answer, dispatcher, tracker, domain
        )
        outcomes.append((result, dispatcher.messages))

    (wrong_email, wrong_email_said), (unknown_order, unknown_order_said) = outcomes
    assert (
        wrong_email
        == unknown_order
        == {
            "order_id": None,
            "order_verified": None,
            "failed_verifications": 3,
        }
    )
    assert wrong_email_said == unknown_order_said
    assert [m["response"] for m in wrong_email_said] == ["utter_verification_failed"]


async def test_when_verification_fails_the_fifth_time_then_lookups_are_locked(
    live_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    limit = load_policy().verification.max_failed_attempts
    sample, other = store.sample("in_transit", 0), store.sample("in_transit", 1)
    tracker = make_tracker(
        domain,
        slots={
            "order_id": sample["order_id"],
            "failed_verifications": float(limit - 1),
            "requested_slot": "order_verified",
        },
        text=other["postcode"],
        entities={"postcode": other["postcode"]},
        extracted={"order_verified": other["postcode"]},
        active_loop=FORM,
    )
    dispatcher = CollectingDispatcher()

    events = await ValidateOrderStatusForm().run(dispatcher, tracker, domain)

    assert limit == 5
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots == {
        "order_verified": None,
        "failed_verifications": limit,
        "lookup_blocked": "locked",
        "requested_slot": None,  # the form ends at once
    }
    assert dispatcher.messages == []

    locked = make_tracker(domain, slots={**slots, "order_id": sample["order_id"]})
    dispatcher = CollectingDispatcher()
    status_events = await ActionOrderStatus().run(dispatcher, locked, domain)

    assert responses(dispatcher) == ["utter_lookup_locked"]
    assert {k: dispatcher.messages[0][k] for k in support()} == support()
    assert status_events == [SlotSet("order_id", None), SlotSet("order_verified", None)]


async def test_when_lookups_are_locked_then_even_a_right_order_number_is_not_looked_up(
    backend_down: None, store: Store, domain: dict[str, Any]
) -> None:
    # The backend is down, so a lookup could not have ended in "locked": none was made.
    tracker = make_tracker(domain, slots={"failed_verifications": 5.0, "customer_id": "C-1"})
    dispatcher = CollectingDispatcher()

    result = await ValidateOrderStatusForm().validate_order_id(
        store.sample("pending")["order_id"], dispatcher, tracker, domain
    )

    assert result == {"order_id": None, "lookup_blocked": "locked"}
    assert dispatcher.messages == []


@pytest.mark.parametrize("typed", ["12ab", "1042", "AC-10423345", "my order please"])
async def test_when_order_number_is_malformed_then_shopper_is_asked_again(
    live_backend: Backend, domain: dict[str, Any], typed: str
) -> None:
    dispatcher = CollectingDispatcher()

    result = await ValidateOrderStatusForm().validate_order_id(
        typed, dispatcher, make_tracker(domain, text=typed), domain
    )

    assert result == {"order_id": None}
    assert responses(dispatcher) == ["utter_order_id_invalid"]


async def test_when_order_number_is_well_formed_then_second_factor_is_asked_next(
    live_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    order_id = store.sample("packed")["order_id"]
    typed = "ac" + order_id.removeprefix("AC-")
    dispatcher = CollectingDispatcher()

    result = await ValidateOrderStatusForm().validate_order_id(
        typed, dispatcher, make_tracker(domain, text=typed), domain
    )

    # A new order number clears whatever an earlier order had verified.
    assert result == {"order_id": order_id, "order_verified": None}
    assert dispatcher.messages == []


async def test_when_known_customer_names_their_own_order_then_no_second_question(
    live_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("out_for_delivery")
    typed = "#" + sample["order_id"].removeprefix("AC-")
    tracker = make_tracker(domain, slots={"customer_id": sample["customer_id"]}, text=typed)
    dispatcher = CollectingDispatcher()

    result = await ValidateOrderStatusForm().validate_order_id(typed, dispatcher, tracker, domain)

    assert result == {"order_id": sample["order_id"], "order_verified": True}
    assert dispatcher.messages == []


async def test_when_known_customer_names_someone_elses_order_then_it_fails_like_a_wrong_answer(
    live_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    shopper, stranger = store.sample("in_transit", 0), store.sample("delivered", 0)
    assert shopper["customer_id"] != stranger["customer_id"]
    form = ValidateOrderStatusForm()

    # Naming the order reveals nothing: the second factor is asked as for any order.
    dispatcher = CollectingDispatcher()
    known = {"customer_id": shopper["customer_id"]}
    asked = await form.validate_order_id(
        stranger["order_id"], dispatcher, make_tracker(domain, slots=known), domain
    )
    assert asked == {"order_id": stranger["order_id"], "order_verified": None}
    assert dispatcher.messages == []

    # Even the stranger's real e-mail does not unlock it in this shopper's conversation.
    own_answer = CollectingDispatcher()
    tracker = make_tracker(domain, slots={**known, "order_id": stranger["order_id"]})
    result = await form.validate_order_verified(stranger["email"], own_answer, tracker, domain)

    wrong_answer = CollectingDispatcher()
    baseline = await form.validate_order_verified(
        "nobody@example.invalid",
        wrong_answer,
        make_tracker(domain, slots={"order_id": stranger["order_id"]}),
        domain,
    )
    assert (
        result == baseline == {"order_id": None, "order_verified": None, "failed_verifications": 1}
    )
    assert own_answer.messages == wrong_answer.messages
    assert responses(own_answer) == ["utter_verification_failed"]
