"""Change the delivery address of an order that has not shipped yet.

Pick and verify the order, check the policy allows it in the order's state, take the new
address in one line ("12 Oak St, Apt 4, Springfield, IL 62704"), read it back and wait for
an explicit yes. The backend validates the ZIP and state again and refuses a shipped order.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import usaddress
from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.changes import (
    BACKED_OUT,
    ChangeForm,
    confirm_buttons,
    is_backing_out,
    order_or_apologise,
    state_allows,
)
from actions.confirmed import ConfirmedChange
from actions.reask import AskAction
from actions.services.commerce import CommerceClient, Order
from actions.support import RunContext, tenant_of
from actions.verification import UNAVAILABLE

# A US address as the backend takes it: line1, line2, city, region, postcode, country, name.
Address = dict[str, str | None]
STATES = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA",
    "colorado": "CO", "connecticut": "CT", "delaware": "DE", "district of columbia": "DC",
    "florida": "FL", "georgia": "GA", "hawaii": "HI", "idaho": "ID", "illinois": "IL",
    "indiana": "IN", "iowa": "IA", "kansas": "KS", "kentucky": "KY", "louisiana": "LA",
    "maine": "ME", "maryland": "MD", "massachusetts": "MA", "michigan": "MI", "minnesota": "MN",
    "mississippi": "MS", "missouri": "MO", "montana": "MT", "nebraska": "NE", "nevada": "NV",
    "new hampshire": "NH", "new jersey": "NJ", "new mexico": "NM", "new york": "NY",
    "north carolina": "NC", "north dakota": "ND", "ohio": "OH", "oklahoma": "OK", "oregon": "OR",
    "pennsylvania": "PA", "rhode island": "RI", "south carolina": "SC", "south dakota": "SD",
    "tennessee": "TN", "texas": "TX", "utah": "UT", "vermont": "VT", "virginia": "VA",
    "washington": "WA", "west virginia": "WV", "wisconsin": "WI", "wyoming": "WY",
    "puerto rico": "PR",
}  # fmt: skip
US_STATES = frozenset(STATES.values())
ZIP = re.compile(r"\d{5}(?:-\d{4})?")
# usaddress's labels, grouped into the backend's address fields.
STREET_LABELS = frozenset(
    {
        "AddressNumberPrefix",
        "AddressNumber",
        "AddressNumberSuffix",
        "StreetNamePreModifier",
        "StreetNamePreDirectional",
        "StreetNamePreType",
        "StreetName",
        "StreetNamePostType",
        "StreetNamePostDirectional",
        "StreetNamePostModifier",
        "USPSBoxType",
        "USPSBoxID",
    }
)
UNIT_LABELS = frozenset(
    {"OccupancyType", "OccupancyIdentifier", "SubaddressType", "SubaddressIdentifier"}
)
STARTS = frozenset({"AddressNumber", "USPSBoxType"})
COUNTRY_WORDS = frozenset({"us", "usa", "u.s.", "u.s.a.", "united states", "america"})


def parse_address(text: str) -> Address | None:
    """A US address typed on one line, or None when it does not read as one.

    usaddress (a CRF trained on US addresses) labels the words, so commas are optional and a
    lead-in ("ship to", "it's") is dropped: the address starts at its house number or PO box.
    A street, a city, a state (code or name) and a ZIP code are all required.
    """
    try:
        tokens = usaddress.parse(text or "")
    except (usaddress.RepeatedLabelError, ValueError):
        return None
    start = next((i for i, (_, label) in enumerate(tokens) if label in STARTS), None)
    if start is None:
        return None
    fields: dict[str, list[str]] = {"line1": [], "line2": [], "city": [], "state": [], "zip": []}
    for word, label in tokens[start:]:
        field = _field_of(label)
        if field is None:
            if word.strip(",.").lower() in COUNTRY_WORDS or label == "CountryName":
                continue
            return None  # words after the address that are no part of it
        fields[field].append(word.strip(","))
    state = STATES.get(" ".join(fields["state"]).lower().strip("."), "")
    state = state or " ".join(fields["state"]).upper().strip(".")
    postcode = " ".join(fields["zip"])
    if not (fields["line1"] and fields["city"] and state in US_STATES and ZIP.fullmatch(postcode)):
        return None
    return {
        "line1": " ".join(fields["line1"]),
        "line2": " ".join(fields["line2"]).replace("# ", "#") or None,
        "city": " ".join(fields["city"]).title(),
        "region": state,
        "postcode": postcode,
        "country": "US",
    }


def _field_of(label: str) -> str | None:
    if label in STREET_LABELS:
        return "line1"
    if label in UNIT_LABELS:
        return "line2"
    return {"PlaceName": "city", "StateName": "state", "ZipCode": "zip"}.get(label)


def format_address(address: Address) -> str:
    parts = [address["line1"], address.get("line2"), address["city"]]
    return ", ".join(p for p in parts if p) + f", {address['region']} {address['postcode']}"


def read_new_address(slot_value: Any, dispatcher: CollectingDispatcher) -> dict[str, Any]:
    """The ``new_address`` answer, tidied; a backing out or an unreadable address said so."""
    text = str(slot_value or "")
    if is_backing_out(text):
        return {"new_address": None, "change_blocked": BACKED_OUT}
    address = parse_address(text)
    if address is None:
        dispatcher.utter_message(response="utter_address_not_understood")
        return {"new_address": None}
    return {"new_address": format_address(address)}


class ValidateChangeAddressForm(ChangeForm, FormValidationAction):
    """Verifies the order, checks the policy, then reads the new address."""

    pending_change = True
    corrections: ClassVar[dict[str, tuple[str, ...]]] = {"address_confirmed": ("new_address",)}

    def name(self) -> str:
        return "validate_change_address_form"

    async def check_order(
        self,
        order: Order,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Refuse early when the order is past the states the policy allows."""
        return state_allows(
            order,
            RunContext.of(tracker).policy.changes.change_address,
            dispatcher,
            refusal="utter_address_too_late",
            blocked="address_not_allowed",
            tenant=tenant_of(tracker),
        )

    async def validate_new_address(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        return read_new_address(slot_value, dispatcher)

    async def validate_address_confirmed(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        return {"address_confirmed": slot_value is True}


class ActionAskAddressConfirmed(AskAction):
    """Reads the new address back and asks for an explicit yes."""

    slot = "address_confirmed"

    async def ask(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        order = await order_or_apologise(dispatcher, tracker)
        if order is None:
            return [SlotSet("lookup_blocked", UNAVAILABLE)]
        dispatcher.utter_message(
            response="utter_ask_address_confirmed",
            order_id=order.order_id,
            new_address=tracker.get_slot("new_address"),
            buttons=confirm_buttons("Yes, change it"),
        )
        return []


class ActionChangeAddress(ConfirmedChange[Address, None]):
    """Changes the address once the shopper said yes; says nothing changed otherwise."""

    action_name = "action_change_address"
    confirmed_slot = "address_confirmed"
    kind = "address"
    refused_response = "utter_address_too_late_now"
    refusals: ClassVar[dict[str, str]] = {"invalid_address": "utter_address_invalid"}

    async def plan(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        context: RunContext,
        order_ref: str,
    ) -> Address | None:
        """The parsed address, addressed to the order's recipient."""
        address = parse_address(tracker.get_slot("new_address") or "")
        if address is None:
            return None
        order = await context.client.get_order(order_ref)
        return {**address, "name": order.shipping_name or "Customer"}

    def key_parts(self, plan: Address) -> list[str]:
        return [format_address(plan)]

    async def apply(self, client: CommerceClient, order_ref: str, plan: Address, key: str) -> None:
        await client.change_address(order_ref, plan, key)

    def done(
        self,
        dispatcher: CollectingDispatcher,
        context: RunContext,
        order_ref: str,
        plan: Address,
        outcome: None,
    ) -> list[EventType]:
        dispatcher.utter_message(
            response="utter_address_changed", order_id=order_ref, new_address=format_address(plan)
        )
        return []
