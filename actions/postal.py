"""A US address typed on one line, read into the fields the backend takes, and read back.

Shared by the flows that ask for an address: an order's delivery address
(``actions/address.py``) and the account's default one (``actions/profile.py``).
"""

from __future__ import annotations

import re
from typing import Any

import usaddress
from rasa_sdk.executor import CollectingDispatcher

from actions.changes import BACKED_OUT, is_backing_out

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
