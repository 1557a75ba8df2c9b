"""Change the default address on the shopper's account ("I moved, update my address on file").

Orders already placed keep their delivery address (``actions/address.py`` changes one of
those). The shopper is identified first, as a person rather than by an order
(``shopper_identity``: the e-mail, or the full name and ZIP, as the merchant's verification
policy asks), unless the conversation already knows them; then the new address is read on
one line (or taken from the request itself: "update my default address to 12 Oak St, ..."),
read back, and changed on an explicit yes.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.changes import BACKED_OUT, confirm_buttons
from actions.postal import format_address, parse_address, read_new_address
from actions.reask import AskAction
from actions.services.commerce import ChangeRefused, CommerceError
from actions.support import RunContext, support_contact, tenant_of, then_next_request
from actions.verification import LOCKED, UNAVAILABLE, OrderVerification

FORM = "profile_address_form"
INTENT = "change_profile_address"
CONFIRMED = "profile_address_confirmed"
# What the flow forgets when it ends, whatever the outcome; the shopper stays known.
FLOW_SLOTS = ("new_address", CONFIRMED, "shopper_identity", "change_blocked")


class ValidateProfileAddressForm(OrderVerification, FormValidationAction):
    """Identifies the shopper, reads the new address, takes the yes."""

    def name(self) -> str:
        return "validate_profile_address_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """Nothing while lookups are blocked or the shopper backed out; no identity twice."""
        if tracker.get_slot("lookup_blocked") or tracker.get_slot("change_blocked"):
            return []
        if tracker.get_slot("customer_id"):
            return [slot for slot in domain_slots if slot != "shopper_identity"]
        return domain_slots

    async def extract_new_address(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """An address typed with the request itself is taken without asking for it."""
        if tracker.get_slot("new_address") or tracker.get_slot("requested_slot"):
            return {}
        if (tracker.latest_message.get("intent") or {}).get("name") != INTENT:
            return {}
        text = tracker.latest_message.get("text") or ""
        return {"new_address": text} if parse_address(text) else {}

    async def validate_new_address(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        return read_new_address(slot_value, dispatcher)

    async def validate_profile_address_confirmed(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        return {CONFIRMED: slot_value is True}


class ActionAskProfileAddressConfirmed(AskAction):
    """Reads the new address back, says orders keep theirs, and asks for an explicit yes."""

    slot = CONFIRMED

    async def ask(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(
            response="utter_ask_profile_address_confirmed",
            new_address=tracker.get_slot("new_address"),
            buttons=confirm_buttons("Yes, change it"),
        )
        return []


class ActionChangeProfileAddress(Action):
    """Changes the account's default address once the shopper said yes."""

    def name(self) -> str:
        return "action_change_profile_address"

    @then_next_request
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reset: list[EventType] = [SlotSet(name, None) for name in FLOW_SLOTS]
        blocked = tracker.get_slot("lookup_blocked")
        if blocked == LOCKED:
            contact = support_contact(tenant_of(tracker))
            dispatcher.utter_message(response="utter_lookup_locked", **contact)
            return reset
        context = RunContext.of(tracker)
        if blocked == UNAVAILABLE:
            context.apologise(dispatcher)
            return [*reset, SlotSet("lookup_blocked", None)]
        customer_id = tracker.get_slot("customer_id")
        address = parse_address(tracker.get_slot("new_address") or "")
        confirmed = tracker.get_slot(CONFIRMED) is True
        backed_out = tracker.get_slot("change_blocked") == BACKED_OUT
        if not (customer_id and address and confirmed) or backed_out:
            dispatcher.utter_message(response="utter_profile_nothing_changed")
            return reset
        shown = format_address(address)
        key = ":".join([tracker.sender_id, str(customer_id), "default-address", shown])
        try:
            await context.client.change_default_address(str(customer_id), dict(address), key)
        except ChangeRefused:
            dispatcher.utter_message(response="utter_profile_address_invalid")
            return reset
        except CommerceError:
            context.apologise(dispatcher)
            return reset
        dispatcher.utter_message(response="utter_profile_address_changed", new_address=shown)
        return reset
