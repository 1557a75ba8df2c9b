"""The address-change flow: its form validator and its commit action, against the real backend.

Validators run on a store only read; the commit action gets a store of its own per test and
reads the order back to see where it will really go.
"""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.address import ActionChangeAddress, ValidateChangeAddressForm
from actions.changes import CHANGE_DETAILS
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

FORM = "change_address_form"
SAVED = "address_confirmed"
NEW_ADDRESS = "12 oak st, apt 4, Springfield, IL 62704"  # as the saved conversation holds it

pytestmark = pytest.mark.usefixtures("fresh_commerce_client")


# ---- the form ------------------------------------------------------------------------------


@pytest.mark.usefixtures("live_backend")
async def test_a_packed_order_verified_by_its_zip_may_get_a_new_address(
    store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("packed")
    tracker = make_tracker(
        domain, slots={"order_id": sample["order_id"], "requested_slot": "order_verified"}
    )
    dispatcher = CollectingDispatcher()

    result = await ValidateChangeAddressForm().validate_order_verified(
        sample["postcode"], dispatcher, tracker, domain
    )

    assert result == {
        "order_verified": True,
        "order_id": sample["order_id"],
        "customer_id": sample["customer_id"],
    }
    assert dispatcher.messages == []


@pytest.mark.usefixtures("live_backend")
async def test_a_parcel_on_its_way_gets_no_new_address_and_the_form_ends(
    store: Store, domain: dict[str, Any]
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

    events = await ValidateChangeAddressForm().run(dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_address_too_late"]
    message = dispatcher.messages[0]
    assert message["order_id"] == sample["order_id"]
    assert message["status_words"] == "in transit"
    assert message["support_email"] == load_policy().support.email
    updates = slot_updates(events)
    assert updates["change_blocked"] == "address_not_allowed"
    assert updates["requested_slot"] is None


@pytest.mark.parametrize(
    ("answer", "normalised"),
    [
        ("12 oak st, apt 4, springfield, il 62704", "12 oak st, apt 4, Springfield, IL 62704"),
        ("500 Market Street, San Francisco CA 94105", "500 Market Street, San Francisco, CA 94105"),
        (
            "77 Elm Rd, Suite 200, austin, tx, 73301-1234, USA",
            "77 Elm Rd, Suite 200, Austin, TX 73301-1234",
        ),
    ],
)
async def test_an_address_typed_on_one_line_is_read_and_written_the_usual_way(
    answer: str, normalised: str, domain: dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(domain, slots={"requested_slot": "new_address"}, text=answer)

    result = await ValidateChangeAddressForm().validate_new_address(
        answer, dispatcher, tracker, domain
    )

    assert result == {"new_address": normalised}
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    "answer",
    ["the blue house next to the park", "12 Oak St, Springfield, ZZ 62704", "Oak St, Springfield"],
)
async def test_an_address_that_does_not_read_as_one_is_asked_again(
    answer: str, domain: dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(domain, slots={"requested_slot": "new_address"}, text=answer)

    result = await ValidateChangeAddressForm().validate_new_address(
        answer, dispatcher, tracker, domain
    )

    assert result == {"new_address": None}
    assert responses(dispatcher) == ["utter_address_not_understood"]


async def test_never_mind_instead_of_an_address_stops_the_change(domain: dict[str, Any]) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(domain, slots={"requested_slot": "new_address"}, text="never mind")

    result = await ValidateChangeAddressForm().validate_new_address(
        "never mind", dispatcher, tracker, domain
    )

    assert result == {"new_address": None, "change_blocked": "backed_out"}
    assert dispatcher.messages == []


@pytest.mark.parametrize(("answer", "confirmed"), [(True, True), (False, False)])
async def test_only_a_yes_confirms_the_new_address(
    answer: bool, confirmed: bool, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(domain, slots={"requested_slot": "address_confirmed"})

    result = await ValidateChangeAddressForm().validate_address_confirmed(
        answer, CollectingDispatcher(), tracker, domain
    )

    assert result == {"address_confirmed": confirmed}


@pytest.mark.usefixtures("live_backend")
async def test_a_corrected_address_at_the_summary_replaces_the_old_one_and_is_read_back(
    store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("paid")
    text = "no wait, make that 14 Birch Ave, Columbus, OH 43004"
    tracker = make_tracker(
        domain,
        slots={
            "order_id": sample["order_id"],
            "order_verified": True,
            "customer_id": sample["customer_id"],
            "new_address": NEW_ADDRESS,
            "requested_slot": "address_confirmed",
        },
        text=text,
        active_loop=FORM,
    )
    dispatcher = CollectingDispatcher()

    events = await ValidateChangeAddressForm().run(dispatcher, tracker, domain)

    updates = slot_updates(events)
    assert updates["new_address"] == "14 Birch Ave, Columbus, OH 43004"
    assert updates["requested_slot"] == "address_confirmed"  # the summary again, new address
    assert dispatcher.messages == []


# ---- the commit action ---------------------------------------------------------------------


async def test_a_confirmed_address_change_sends_the_order_to_the_new_address(
    writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("paid")
    before = await writable_backend.get_json(f"/api/v1/orders/{sample['order_id']}")
    dispatcher = CollectingDispatcher()

    events = await ActionChangeAddress().run(
        dispatcher, saved_tracker(SAVED, domain, sample), domain
    )

    after = await writable_backend.get_json(f"/api/v1/orders/{sample['order_id']}")
    assert after["shipping_address"] == {
        "name": before["shipping_address"]["name"],
        "line1": "12 oak st",
        "line2": "apt 4",
        "city": "Springfield",
        "region": "IL",
        "postcode": "62704",
        "country": "US",
    }
    assert responses(dispatcher) == ["utter_address_changed"]
    assert dispatcher.messages[0]["order_id"] == sample["order_id"]
    assert dispatcher.messages[0]["new_address"] == NEW_ADDRESS
    assert forgotten(events) >= set(CHANGE_DETAILS)
    assert not forgotten(events) & set(FOCUS)  # the order stays in focus


async def test_a_confirmation_sent_twice_changes_the_address_once_and_says_the_same(
    writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("packed")
    first, second = CollectingDispatcher(), CollectingDispatcher()

    await ActionChangeAddress().run(first, saved_tracker(SAVED, domain, sample), domain)
    events = await ActionChangeAddress().run(second, saved_tracker(SAVED, domain, sample), domain)

    after = await writable_backend.get_json(f"/api/v1/orders/{sample['order_id']}")
    assert after["shipping_address"]["postcode"] == "62704"
    assert responses(first) == responses(second) == ["utter_address_changed"]
    assert forgotten(events) >= set(CHANGE_DETAILS)
    assert not forgotten(events) & set(FOCUS)  # the order stays in focus


@pytest.mark.parametrize(
    "slots",
    [
        {"address_confirmed": False},
        {"address_confirmed": None, "new_address": None, "change_blocked": "backed_out"},
    ],
    ids=["said-no", "backed-out"],
)
async def test_an_address_change_not_confirmed_changes_nothing(
    slots: dict[str, Any], writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("paid")
    before = await writable_backend.get_json(f"/api/v1/orders/{sample['order_id']}")
    dispatcher = CollectingDispatcher()

    events = await ActionChangeAddress().run(
        dispatcher, saved_tracker(SAVED, domain, sample, slots=slots), domain
    )

    after = await writable_backend.get_json(f"/api/v1/orders/{sample['order_id']}")
    assert after["shipping_address"] == before["shipping_address"]
    assert responses(dispatcher) == ["utter_nothing_changed"]
    assert forgotten(events) >= set(CHANGE_DETAILS)
    assert not forgotten(events) & set(FOCUS)  # the order stays in focus


async def test_an_order_that_shipped_while_we_talked_keeps_its_address(
    writable_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("shipped")
    before = await writable_backend.get_json(f"/api/v1/orders/{sample['order_id']}")
    dispatcher = CollectingDispatcher()

    events = await ActionChangeAddress().run(
        dispatcher, saved_tracker(SAVED, domain, sample), domain
    )

    after = await writable_backend.get_json(f"/api/v1/orders/{sample['order_id']}")
    assert after["shipping_address"] == before["shipping_address"]
    assert responses(dispatcher) == ["utter_address_too_late_now"]
    assert dispatcher.messages[0]["order_id"] == sample["order_id"]
    assert forgotten(events) >= set(CHANGE_DETAILS)
    assert not forgotten(events) & set(FOCUS)  # the order stays in focus


@pytest.mark.usefixtures("backend_down")
async def test_when_the_backend_is_down_the_shopper_hears_an_apology_and_whom_to_ask(
    store: Store, domain: dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()

    events = await ActionChangeAddress().run(
        dispatcher, saved_tracker(SAVED, domain, store.sample("paid")), domain
    )

    assert responses(dispatcher) == ["utter_backend_unavailable"]
    assert dispatcher.messages[0]["support_email"] == load_policy().support.email
    assert forgotten(events) >= set(CHANGE_DETAILS)
    assert not forgotten(events) & set(FOCUS)  # the order stays in focus
