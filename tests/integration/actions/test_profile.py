"""The account's default address: the real validators and commit action against the backend."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.profile import (
    ActionAskProfileAddressConfirmed,
    ActionChangeProfileAddress,
    ValidateProfileAddressForm,
)
from tests.integration.actions.conftest import Backend, Store
from tests.integration.actions.trackers import make_tracker, responses

pytestmark = pytest.mark.usefixtures("fresh_commerce_client")
FORM = "profile_address_form"
TYPED = "update my default address to 742 evergreen terrace apt 2 springfield or 97477"
SHOWN = "742 Evergreen Terrace, Apt 2, Springfield, OR 97477"
SLOTS = ["shopper_identity", "new_address", "profile_address_confirmed"]


async def test_a_known_shopper_is_not_asked_who_they_are_again(domain: dict[str, Any]) -> None:
    form = ValidateProfileAddressForm()
    known = make_tracker(domain, slots={"customer_id": "C-10001"}, active_loop=FORM)
    stranger = make_tracker(domain, active_loop=FORM)

    assert await form.required_slots(SLOTS, CollectingDispatcher(), known, domain) == SLOTS[1:]
    assert await form.required_slots(SLOTS, CollectingDispatcher(), stranger, domain) == SLOTS


async def test_an_address_typed_with_the_request_is_taken_and_tidied(
    domain: dict[str, Any],
) -> None:
    form = ValidateProfileAddressForm()
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(domain, intent="change_profile_address", text=TYPED, active_loop=FORM)

    extracted = await form.extract_new_address(dispatcher, tracker, domain)
    validated = await form.validate_new_address(
        extracted["new_address"], dispatcher, tracker, domain
    )

    # the street as typed (a title-cased "Mcdonald St" would be wrong), the city tidied
    assert validated == {"new_address": "742 evergreen terrace, apt 2, Springfield, OR 97477"}
    assert dispatcher.messages == []


async def test_a_request_without_an_address_leaves_the_question_to_be_asked(
    domain: dict[str, Any],
) -> None:
    tracker = make_tracker(
        domain, intent="change_profile_address", text="i moved, update my account address"
    )

    extracted = await ValidateProfileAddressForm().extract_new_address(
        CollectingDispatcher(), tracker, domain
    )

    assert extracted == {}


async def test_the_shopper_is_identified_by_email_and_zip_for_a_merchant_that_checks_orders(
    domain: dict[str, Any], store: Store, live_backend: Backend
) -> None:
    sample = store.sample("delivered")
    dispatcher = CollectingDispatcher()
    text = f"{sample['email']} {sample['postcode']}"
    tracker = make_tracker(domain, text=text, active_loop=FORM)

    result = await ValidateProfileAddressForm().validate_shopper_identity(
        text, dispatcher, tracker, domain
    )

    assert result == {"shopper_identity": True, "customer_id": sample["customer_id"]}


async def test_the_summary_reads_the_address_back_with_a_yes_and_a_no(
    domain: dict[str, Any],
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(domain, slots={"new_address": SHOWN}, active_loop=FORM)

    await ActionAskProfileAddressConfirmed().run(dispatcher, tracker, domain)

    (message,) = dispatcher.messages
    assert message["response"] == "utter_ask_profile_address_confirmed"
    assert message["new_address"] == SHOWN
    assert [b["payload"] for b in message["buttons"]] == ["/affirm", "/deny"]


async def test_a_yes_changes_the_accounts_address_and_forgets_the_flow(
    domain: dict[str, Any], store: Store, writable_backend: Backend
) -> None:
    customer_id = store.sample("delivered", 1)["customer_id"]
    dispatcher = CollectingDispatcher()
    slots = {"customer_id": customer_id, "new_address": SHOWN, "profile_address_confirmed": True}

    events = await ActionChangeProfileAddress().run(
        dispatcher, make_tracker(domain, text="yes", intent="affirm", slots=slots), domain
    )

    assert responses(dispatcher) == ["utter_profile_address_changed"]
    assert dispatcher.messages[0]["new_address"] == SHOWN
    customer = await writable_backend.get_json(f"/api/v1/customers/{customer_id}")
    assert customer["postcode"] == "97477"
    assert SlotSet("new_address", None) in events
    assert SlotSet("customer_id", None) not in events


async def test_a_no_changes_nothing(
    domain: dict[str, Any], store: Store, writable_backend: Backend
) -> None:
    customer_id = store.sample("delivered", 1)["customer_id"]
    before = await writable_backend.get_json(f"/api/v1/customers/{customer_id}")
    slots = {"customer_id": customer_id, "new_address": SHOWN, "profile_address_confirmed": False}
    dispatcher = CollectingDispatcher()

    await ActionChangeProfileAddress().run(
        dispatcher, make_tracker(domain, text="no", intent="deny", slots=slots), domain
    )

    assert responses(dispatcher) == ["utter_profile_nothing_changed"]
    assert await writable_backend.get_json(f"/api/v1/customers/{customer_id}") == before


@pytest.mark.usefixtures("backend_down")
async def test_when_the_backend_is_down_the_shopper_hears_an_apology_and_a_person(
    domain: dict[str, Any],
) -> None:
    slots = {"customer_id": "C-10001", "new_address": SHOWN, "profile_address_confirmed": True}
    dispatcher = CollectingDispatcher()

    await ActionChangeProfileAddress().run(
        dispatcher, make_tracker(domain, text="yes", intent="affirm", slots=slots), domain
    )

    assert responses(dispatcher) == ["utter_backend_unavailable"]
    assert dispatcher.messages[0]["support_email"]
