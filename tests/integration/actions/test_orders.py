"""The order-status flow's real actions, with rasa_sdk trackers, against the real backend.

Every action here reaches the backend the way the action server does: through
``client_from_env()`` and the ``COMMERCE_API_*`` environment variables.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from rasa_sdk.events import (
    ActionExecuted,
    FollowupAction,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
)
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionNluFallback
from actions.orders import ActionAskOrderId, ActionOrderStatus, ValidateOrderStatusForm
from actions.services.commerce import BackendUnavailable, HttpCommerceClient
from actions.session import ActionSessionStart
from actions.support import money
from merchants import identity
from merchants.policy import load_policy
from tests.integration.actions.conftest import Backend, Store
from tests.integration.actions.trackers import make_tracker, responses

FORM = "order_status_form"
UNKNOWN_ORDER = "AC-999999"
SECRET = "actions-integration-identity-secret-0123456789"

pytestmark = pytest.mark.usefixtures("fresh_commerce_client")


def support() -> dict[str, str]:
    policy = load_policy().support
    return {"support_email": policy.email, "support_hours": policy.hours}


def placeholders(domain: dict[str, Any], response: str) -> set[str]:
    """The template variables every variant of a response needs."""
    return {
        name
        for variant in domain["responses"][response]
        for name in re.findall(r"{(\w+)}", variant.get("text", ""))
    }


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


# ---- session start and fallback ----------------------------------------------------------


@pytest.mark.parametrize(
    ("signed_with", "expected_customer"),
    [(SECRET, "C-10227"), ("a-forger-secret-that-is-long-enough-1234", None)],
    ids=["signed", "forged"],
)
async def test_when_session_starts_then_only_a_signed_customer_token_is_believed(
    monkeypatch: pytest.MonkeyPatch,
    domain: dict[str, Any],
    signed_with: str,
    expected_customer: str | None,
) -> None:
    monkeypatch.setenv("AFTERCARE_IDENTITY_SECRET", SECRET)
    token = identity.sign_customer_token("C-10227", signed_with)
    tracker = make_tracker(domain, slots={"session_started_metadata": {"customer_token": token}})

    events = await ActionSessionStart().run(CollectingDispatcher(), tracker, domain)

    identified = [SlotSet("customer_id", expected_customer)] if expected_customer else []
    assert events == [SessionStarted(), *identified, ActionExecuted("action_listen")]


async def test_when_session_starts_without_metadata_then_shopper_is_anonymous(
    domain: dict[str, Any],
) -> None:
    events = await ActionSessionStart().run(CollectingDispatcher(), make_tracker(domain), domain)

    assert events == [SessionStarted(), ActionExecuted("action_listen")]


def _misunderstood(text: str) -> list[dict[str, Any]]:
    """An earlier misunderstood message, the bot's request to rephrase, and the revert."""
    parse_data = {"intent": {"name": "nlu_fallback", "confidence": 0.3}, "entities": []}
    return [
        ActionExecuted("action_listen"),
        {"event": "user", "timestamp": None, "text": text, "parse_data": parse_data},
        ActionExecuted("action_nlu_fallback"),
        {"event": "bot", "timestamp": None, "text": "Sorry, I didn't quite get that."},
        UserUtteranceReverted(),
    ]


async def test_when_bot_misunderstands_once_then_it_asks_to_rephrase(
    domain: dict[str, Any],
) -> None:
    tracker = make_tracker(domain, text="blorp", intent="nlu_fallback")
    dispatcher = CollectingDispatcher()

    events = await ActionNluFallback().run(dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_please_rephrase"]
    assert events == [UserUtteranceReverted()]


async def test_when_bot_misunderstands_twice_in_a_row_then_a_person_takes_over(
    domain: dict[str, Any],
) -> None:
    tracker = make_tracker(
        domain, text="zzz", intent="nlu_fallback", earlier_events=_misunderstood("blorp")
    )
    dispatcher = CollectingDispatcher()

    events = await ActionNluFallback().run(dispatcher, tracker, domain)

    # Two misses in a row is a handoff rule (guardrails/handoff/rules.yml, docs/handoff.md).
    assert responses(dispatcher) == ["utter_fallback_to_person"]
    assert events == [
        UserUtteranceReverted(),
        SlotSet("handoff_reason", "nlu_fallbacks"),
        FollowupAction("action_hand_off"),
    ]


async def test_when_an_understood_message_came_between_misses_then_it_asks_to_rephrase_again(
    domain: dict[str, Any],
) -> None:
    understood = [
        ActionExecuted("action_listen"),
        {
            "event": "user",
            "timestamp": None,
            "text": "hi",
            "parse_data": {"intent": {"name": "greet", "confidence": 0.99}, "entities": []},
        },
        {"event": "bot", "timestamp": None, "text": "Hello!"},
    ]
    tracker = make_tracker(
        domain,
        text="zzz",
        intent="nlu_fallback",
        earlier_events=[*_misunderstood("blorp"), *understood],
    )
    dispatcher = CollectingDispatcher()

    await ActionNluFallback().run(dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_please_rephrase"]


async def test_when_a_new_session_starts_after_a_miss_then_the_first_miss_asks_to_rephrase(
    domain: dict[str, Any],
) -> None:
    new_session = [SessionStarted(), ActionExecuted("action_session_start")]
    tracker = make_tracker(
        domain,
        text="zzz",
        intent="nlu_fallback",
        earlier_events=[*_misunderstood("blorp"), *new_session],
    )
    dispatcher = CollectingDispatcher()

    await ActionNluFallback().run(dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_please_rephrase"]


async def test_when_a_misunderstood_message_carries_an_order_number_then_lookup_starts(
    domain: dict[str, Any],
) -> None:
    tracker = make_tracker(
        domain,
        text="blah AC-106180 blah",
        intent="nlu_fallback",
        entities={"order_id": "AC-106180"},
        earlier_events=_misunderstood("blorp"),
    )
    dispatcher = CollectingDispatcher()

    events = await ActionNluFallback().run(dispatcher, tracker, domain)

    assert events == [FollowupAction(FORM)]
    assert dispatcher.messages == []


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


# ---- what is in the order and what it cost -------------------------------------------------


def _details_tracker(domain: dict[str, Any], sample: dict[str, str], question: str) -> Any:
    return make_tracker(
        domain,
        slots={"order_id": sample["order_id"], "order_verified": True},
        text=question,
        intent="order_details",
    )


async def test_when_shopper_asks_what_they_paid_then_lines_total_and_card_come_from_the_store(
    live_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered")
    raw = await live_backend.get_json(f"/api/v1/orders/{sample['order_id']}")
    dispatcher = CollectingDispatcher()

    await ActionOrderStatus().run(
        dispatcher, _details_tracker(domain, sample, "how much did I pay for my order?"), domain
    )

    details = dispatcher.messages[0]
    assert details["response"] == "utter_order_details"
    assert placeholders(domain, "utter_order_details") <= set(details)
    assert details["total"] == money(raw["total"], raw["currency"])
    assert details["items"].count("•") == len(raw["lines"])
    for line in raw["lines"]:
        assert line["product_name"] in details["items"]
        assert money(line["unit_price"], raw["currency"]) in details["items"]
    assert raw["payments"][0]["method"]["label"] in details["payment"]
    parcel = dispatcher.messages[-1]
    assert parcel["response"] == "utter_order_details_parcel"
    assert parcel["tracking_number"] == raw["shipment"]["tracking_number"]


async def test_when_shopper_names_one_item_then_its_price_is_told_alone_with_the_total(
    live_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    for sample in (s for s in store.samples if s["status"] == "delivered"):
        raw = await live_backend.get_json(f"/api/v1/orders/{sample['order_id']}")
        names = [line["product_name"] for line in raw["lines"]]
        if len(set(names)) == len(names) > 1:
            break
    else:
        pytest.fail("the seed lacks a delivered sample order with several different products")
    asked = raw["lines"][-1]
    dispatcher = CollectingDispatcher()

    await ActionOrderStatus().run(
        dispatcher,
        _details_tracker(domain, sample, f"how much was the {asked['product_name'].lower()}?"),
        domain,
    )

    details = dispatcher.messages[0]
    assert details["items"].count("•") == 1
    assert asked["product_name"] in details["items"]
    assert details["total"] == money(raw["total"], raw["currency"])


async def test_when_the_payment_methods_cannot_be_read_the_figures_are_still_told(
    live_backend: Backend, store: Store, domain: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    sample = store.sample("in_transit")
    raw = await live_backend.get_json(f"/api/v1/orders/{sample['order_id']}")

    async def broken(*_: Any, **__: Any) -> Any:
        raise BackendUnavailable("payment methods down")

    monkeypatch.setattr(HttpCommerceClient, "payment_methods", broken)
    dispatcher = CollectingDispatcher()

    await ActionOrderStatus().run(
        dispatcher, _details_tracker(domain, sample, "what's in my order"), domain
    )

    details = dispatcher.messages[0]
    assert details["total"] == money(raw["total"], raw["currency"])
    assert details["payment"] == "the payment method on file"
