"""The delivery-problem flow (damaged, missing, wrong, never arrived): its form validator and
its commit action, against the real backend.

Validators run on a store only read, except where a case is built through the backend's API;
the commit action gets a store of its own per test and reads the claim and its refund back.
"""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import ActionExecuted, UserUttered
from rasa_sdk.executor import CollectingDispatcher

from actions.changes import CHANGE_DETAILS
from actions.problems import (
    ActionAskProblemConfirmed,
    ActionReportProblem,
    ValidateDeliveryProblemForm,
)
from actions.support import money
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

FORM = "delivery_problem_form"
SAVED = "problem_confirmed"
ONE_ITEM = 1  # the delivered sample whose order has a single item
TWO_ITEMS = 0  # the delivered sample whose order has two

pytestmark = pytest.mark.usefixtures("fresh_commerce_client")


def reported(text: str) -> list[dict[str, Any]]:
    """The conversation so far: the shopper's first message about the problem."""
    return [
        ActionExecuted("action_listen"),
        UserUttered(text, {"intent": {"name": "delivery_problem", "confidence": 0.95}}),
    ]


async def claims_of(backend: Backend, customer_id: str) -> list[dict[str, Any]]:
    listed = await backend.get_json(f"/api/v1/customers/{customer_id}/claims?days=90")
    claims: list[dict[str, Any]] = listed["claims"]
    return claims


# ---- the form ------------------------------------------------------------------------------


@pytest.mark.usefixtures("live_backend")
async def test_what_went_wrong_is_taken_from_the_first_message_and_the_one_item_chosen(
    store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered", ONE_ITEM)
    tracker = make_tracker(
        domain,
        slots={"order_id": sample["order_id"], "requested_slot": "order_verified"},
        text=sample["email"],
        earlier_events=reported("my parcel arrived smashed"),
    )
    dispatcher = CollectingDispatcher()

    result = await ValidateDeliveryProblemForm().validate_order_verified(
        sample["email"], dispatcher, tracker, domain
    )

    assert result == {
        "order_verified": True,
        "order_id": sample["order_id"],
        "customer_id": sample["customer_id"],
        "problem_kind": "damaged",
        "problem_items": "1",
    }
    assert dispatcher.messages == []


@pytest.mark.usefixtures("live_backend")
async def test_a_problem_with_an_order_not_shipped_yet_ends_the_form(
    store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("packed")
    tracker = make_tracker(
        domain,
        slots={"order_id": sample["order_id"], "requested_slot": "order_verified"},
        text=sample["email"],
        entities={"email": sample["email"]},
        extracted={"order_verified": sample["email"]},
        earlier_events=reported("the box came in damaged"),
        active_loop=FORM,
    )
    dispatcher = CollectingDispatcher()

    events = await ValidateDeliveryProblemForm().run(dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_problem_not_shipped"]
    assert dispatcher.messages[0]["order_id"] == sample["order_id"]
    updates = slot_updates(events)
    assert updates["change_blocked"] == "not_shipped"
    assert updates["requested_slot"] is None


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        ("one thing was missing from the box", "missing"),
        ("you sent me the wrong item", "wrong_item"),
        ("the lid is cracked", "damaged"),
        ("wrong_item", "wrong_item"),  # a button's code
    ],
)
@pytest.mark.usefixtures("live_backend")
async def test_the_kind_of_problem_is_read_from_the_shopper_s_words(
    answer: str, kind: str, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered", TWO_ITEMS)
    tracker = make_tracker(domain, slots=verified(sample, requested_slot="problem_kind"))
    dispatcher = CollectingDispatcher()

    result = await ValidateDeliveryProblemForm().validate_problem_kind(
        answer, dispatcher, tracker, domain
    )

    assert result == {"problem_kind": kind}  # which item is asked next
    assert dispatcher.messages == []


@pytest.mark.usefixtures("live_backend")
async def test_a_parcel_that_never_arrived_covers_every_item(
    store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered", TWO_ITEMS)
    tracker = make_tracker(domain, slots=verified(sample, requested_slot="problem_kind"))

    result = await ValidateDeliveryProblemForm().validate_problem_kind(
        "it says delivered but it never arrived", CollectingDispatcher(), tracker, domain
    )

    assert result == {"problem_kind": "not_received", "problem_items": "1,2"}


@pytest.mark.usefixtures("live_backend")
async def test_words_that_name_no_problem_leave_the_question_open(
    store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered", TWO_ITEMS)
    tracker = make_tracker(domain, slots=verified(sample, requested_slot="problem_kind"))
    dispatcher = CollectingDispatcher()

    result = await ValidateDeliveryProblemForm().validate_problem_kind(
        "hmm, well", dispatcher, tracker, domain
    )

    assert result == {"problem_kind": None}
    assert dispatcher.messages == []  # the question itself is asked again


async def test_the_item_named_in_the_shopper_s_words_is_the_one_reported(
    live_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered", TWO_ITEMS)
    lines = (await order_of(live_backend, sample["order_id"]))["lines"]
    answer = "the " + lines[-1]["product_name"].split()[-1].lower()
    tracker = make_tracker(
        domain, slots=verified(sample, problem_kind="damaged", requested_slot="problem_items")
    )
    dispatcher = CollectingDispatcher()

    result = await ValidateDeliveryProblemForm().validate_problem_items(
        answer, dispatcher, tracker, domain
    )

    assert result == {"problem_items": str(lines[-1]["line_id"])}
    assert dispatcher.messages == []


@pytest.mark.usefixtures("live_backend")
async def test_an_item_not_in_the_order_gets_the_items_asked_again(
    store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered", TWO_ITEMS)
    tracker = make_tracker(
        domain, slots=verified(sample, problem_kind="damaged", requested_slot="problem_items")
    )
    dispatcher = CollectingDispatcher()

    result = await ValidateDeliveryProblemForm().validate_problem_items(
        "the kayak", dispatcher, tracker, domain
    )

    assert result == {"problem_items": None}
    assert responses(dispatcher) == ["utter_return_item_not_found"]


async def test_a_claim_worth_more_than_the_threshold_goes_to_a_person(
    live_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    threshold = load_policy().claims.human_above_value
    for sample in store.samples:
        if sample["status"] in ("in_transit", "out_for_delivery", "lost", "delivered"):
            order = await order_of(live_backend, sample["order_id"])
            if sum(li["unit_price"] * li["quantity"] for li in order["lines"]) > threshold:
                break
    else:
        raise AssertionError(f"the seeded store has no sent order worth more than {threshold}")
    tracker = make_tracker(domain, slots=verified(sample, requested_slot="problem_kind"))
    dispatcher = CollectingDispatcher()

    result = await ValidateDeliveryProblemForm().validate_problem_kind(
        "it never arrived", dispatcher, tracker, domain
    )

    assert result["change_blocked"] == "handed_to_person"
    assert result["handoff_reason"] == "claim_above_threshold"
    assert responses(dispatcher) == ["utter_problem_to_person"]
    assert dispatcher.messages[0]["support_email"] == load_policy().support.email


async def test_a_shopper_with_many_recent_claims_goes_to_a_person(
    writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered", ONE_ITEM)
    listed = await writable_backend.get_json(
        f"/api/v1/customers/{sample['customer_id']}/orders?limit=50"
    )
    others = [
        o["order_id"]
        for o in listed["orders"]
        if o["status"] == "delivered" and o["order_id"] != sample["order_id"]
    ][: load_policy().claims.max_claims]
    assert len(others) == load_policy().claims.max_claims, "the shopper has too few orders"
    for order_id in others:  # the earlier claims, built through the backend's API
        await writable_backend.post_json(
            f"/api/v1/orders/{order_id}/claims",
            {"kind": "missing", "line_ids": [1], "remedy": "reship"},
            key=f"an-earlier-claim-{order_id}",
        )
    tracker = make_tracker(domain, slots=verified(sample, requested_slot="problem_kind"))
    dispatcher = CollectingDispatcher()

    result = await ValidateDeliveryProblemForm().validate_problem_kind(
        "it arrived broken", dispatcher, tracker, domain
    )

    assert result["change_blocked"] == "handed_to_person"
    assert result["handoff_reason"] == "fraud_signal"
    assert responses(dispatcher) == ["utter_problem_to_person"]


@pytest.mark.parametrize(
    ("answer", "remedy"),
    [
        ("please send a replacement", "reship"),
        ("can you resend it", "reship"),
        ("I'd rather have my money back", "refund"),
        ("dunno", None),
    ],
)
async def test_the_remedy_is_one_the_policy_offers(
    answer: str, remedy: str | None, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(domain, slots={"requested_slot": "problem_remedy"}, text=answer)
    dispatcher = CollectingDispatcher()

    result = await ValidateDeliveryProblemForm().validate_problem_remedy(
        answer, dispatcher, tracker, domain
    )

    assert result == {"problem_remedy": remedy}
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    ("validator", "slot"),
    [
        ("validate_problem_kind", "problem_kind"),
        ("validate_problem_items", "problem_items"),
        ("validate_problem_remedy", "problem_remedy"),
    ],
)
async def test_never_mind_at_any_question_stops_the_report(
    validator: str, slot: str, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(domain, slots={"requested_slot": slot}, text="never mind")

    result = await getattr(ValidateDeliveryProblemForm(), validator)(
        "never mind", CollectingDispatcher(), tracker, domain
    )

    assert result == {slot: None, "change_blocked": "backed_out"}


@pytest.mark.parametrize(("answer", "confirmed"), [(True, True), (False, False)])
async def test_only_a_yes_confirms_the_report(
    answer: bool, confirmed: bool, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(domain, slots={"requested_slot": "problem_confirmed"})

    result = await ValidateDeliveryProblemForm().validate_problem_confirmed(
        answer, CollectingDispatcher(), tracker, domain
    )

    assert result == {"problem_confirmed": confirmed}


# ---- the commit action ---------------------------------------------------------------------


async def test_a_confirmed_claim_with_a_refund_records_the_claim_and_refunds_the_item(
    writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered", ONE_ITEM)
    line = (await order_of(writable_backend, sample["order_id"]))["lines"][0]
    value = line["unit_price"] * line["quantity"]
    dispatcher = CollectingDispatcher()

    events = await ActionReportProblem().run(
        dispatcher, saved_tracker(SAVED, domain, sample), domain
    )

    [claim] = await claims_of(writable_backend, sample["customer_id"])
    assert (claim["order_id"], claim["kind"], claim["remedy"]) == (
        sample["order_id"],
        "damaged",
        "refund",
    )
    after = await order_of(writable_backend, sample["order_id"])
    assert sum(refund["amount"] for refund in after["refunds"]) == pytest.approx(value)
    assert responses(dispatcher) == ["utter_problem_refunded"]
    message = dispatcher.messages[0]
    assert (message["order_id"], message["claim_id"]) == (sample["order_id"], claim["claim_id"])
    assert message["amount"] == money(value, after["currency"])
    assert forgotten(events) >= set(CHANGE_DETAILS)
    assert not forgotten(events) & set(FOCUS)  # the order stays in focus


async def test_the_refund_the_shopper_hears_after_the_claim_is_the_one_the_summary_promised(
    writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered", ONE_ITEM)
    asking = saved_tracker(
        SAVED, domain, sample, slots={"problem_confirmed": None, "requested_slot": None}
    )
    summary, result = CollectingDispatcher(), CollectingDispatcher()

    await ActionAskProblemConfirmed().run(summary, asking, domain)
    await ActionReportProblem().run(result, saved_tracker(SAVED, domain, sample), domain)

    assert responses(summary) == ["utter_ask_problem_confirmed_refund"]
    assert responses(result) == ["utter_problem_refunded"]
    # "… and refund $57.99 …?" then "… $57.99 is being refunded …": same money, same words.
    assert result.messages[0]["amount"] == summary.messages[0]["amount"]


async def test_a_confirmed_claim_with_a_replacement_records_it_and_refunds_nothing(
    writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered", ONE_ITEM)
    dispatcher = CollectingDispatcher()

    events = await ActionReportProblem().run(
        dispatcher, saved_tracker(SAVED, domain, sample, slots={"problem_remedy": "reship"}), domain
    )

    [claim] = await claims_of(writable_backend, sample["customer_id"])
    assert claim["remedy"] == "reship"
    assert (await order_of(writable_backend, sample["order_id"]))["refunds"] == []
    assert responses(dispatcher) == ["utter_problem_reshipping"]
    assert dispatcher.messages[0]["claim_id"] == claim["claim_id"]
    assert forgotten(events) >= set(CHANGE_DETAILS)
    assert not forgotten(events) & set(FOCUS)  # the order stays in focus


async def test_a_confirmation_sent_twice_records_one_claim_and_one_refund(
    writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered", ONE_ITEM)
    first, second = CollectingDispatcher(), CollectingDispatcher()

    await ActionReportProblem().run(first, saved_tracker(SAVED, domain, sample), domain)
    events = await ActionReportProblem().run(second, saved_tracker(SAVED, domain, sample), domain)

    assert len(await claims_of(writable_backend, sample["customer_id"])) == 1
    assert len((await order_of(writable_backend, sample["order_id"]))["refunds"]) == 1
    assert second.messages == first.messages  # the same case number both times
    assert forgotten(events) >= set(CHANGE_DETAILS)
    assert not forgotten(events) & set(FOCUS)  # the order stays in focus


@pytest.mark.parametrize(
    "slots",
    [
        {"problem_confirmed": False},
        {"problem_confirmed": None, "problem_remedy": None, "change_blocked": "backed_out"},
    ],
    ids=["said-no", "backed-out"],
)
async def test_a_report_not_confirmed_records_nothing(
    slots: dict[str, Any], writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered", ONE_ITEM)
    dispatcher = CollectingDispatcher()

    events = await ActionReportProblem().run(
        dispatcher, saved_tracker(SAVED, domain, sample, slots=slots), domain
    )

    assert await claims_of(writable_backend, sample["customer_id"]) == []
    assert (await order_of(writable_backend, sample["order_id"]))["refunds"] == []
    assert responses(dispatcher) == ["utter_nothing_changed"]
    assert forgotten(events) >= set(CHANGE_DETAILS)
    assert not forgotten(events) & set(FOCUS)  # the order stays in focus


async def test_a_claim_a_person_must_decide_is_handed_over_and_not_recorded(
    writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered", ONE_ITEM)
    slots = {
        "problem_confirmed": None,
        "problem_remedy": None,
        "change_blocked": "handed_to_person",
        "handoff_reason": "claim_above_threshold",
    }
    dispatcher = CollectingDispatcher()

    events = await ActionReportProblem().run(
        dispatcher, saved_tracker(SAVED, domain, sample, slots=slots), domain
    )

    assert await claims_of(writable_backend, sample["customer_id"]) == []
    assert events[-1] == {"event": "followup", "name": "action_hand_off", "timestamp": None}
    assert dispatcher.messages == []  # the form already said a person takes it
    assert forgotten(events) >= set(CHANGE_DETAILS)
    assert not forgotten(events) & set(FOCUS)  # the order stays in focus


async def test_a_claim_the_backend_refuses_is_not_recorded_and_goes_to_a_person(
    writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("paid")  # not sent: the backend takes no claim for it
    dispatcher = CollectingDispatcher()

    events = await ActionReportProblem().run(
        dispatcher, saved_tracker(SAVED, domain, sample), domain
    )

    assert await claims_of(writable_backend, sample["customer_id"]) == []
    assert responses(dispatcher) == ["utter_problem_to_person"]
    assert dispatcher.messages[0]["order_id"] == sample["order_id"]
    assert dispatcher.messages[0]["support_email"] == load_policy().support.email
    assert slot_updates(events)["handoff_reason"] == "claim_refused"  # what the shopper was told
    assert events[-1] == {"event": "followup", "name": "action_hand_off", "timestamp": None}
    assert forgotten(events) >= set(CHANGE_DETAILS)
    assert not forgotten(events) & set(FOCUS)  # the order stays in focus


@pytest.mark.usefixtures("backend_down")
async def test_when_the_backend_is_down_the_shopper_hears_an_apology_and_whom_to_ask(
    store: Store, domain: dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()

    events = await ActionReportProblem().run(
        dispatcher, saved_tracker(SAVED, domain, store.sample("delivered", ONE_ITEM)), domain
    )

    assert responses(dispatcher) == ["utter_backend_unavailable"]
    assert dispatcher.messages[0]["support_email"] == load_policy().support.email
    assert forgotten(events) >= set(CHANGE_DETAILS)
    assert not forgotten(events) & set(FOCUS)  # the order stays in focus
