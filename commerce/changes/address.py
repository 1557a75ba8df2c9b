"""What a deliverable address is: the check of the `address` object a shopper's change sends,
and the change of a customer's default address.

Apart from the rule that changes an order's address because it changes for another reason:
which regions and postcodes the store ships to.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from commerce.errors import InvalidAddress
from commerce.keys import postcode_key
from commerce.models import Customer

US_REGIONS = frozenset(
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "
    "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY "
    "DC PR VI GU AS MP AA AE AP".split()
)
"""USPS codes of the states, DC, the inhabited territories and military post offices."""
US_ZIP = re.compile(r"^\d{5}(?:-\d{4})?$")
ADDRESS_LIMITS = {"name": 160, "line1": 120, "line2": 120, "city": 80}


@dataclass(frozen=True)
class NewAddress:
    name: str
    line1: str
    line2: str | None
    city: str
    region: str
    postcode: str
    country: str


def validate_address(raw: Mapping[str, Any]) -> NewAddress:
    """A deliverable US address from the request's `address` object.

    Raises:
        InvalidAddress: A required field missing or blank, a field too long, a postcode that
            is not `12345` or `12345-6789`, a region that is not a US state code, or a
            country other than the US.
    """
    values: dict[str, str | None] = {}
    for field in ("name", "line1", "line2", "city", "region", "postcode", "country"):
        value = raw.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            if field != "line2":
                raise InvalidAddress(f"address.{field} is required.")
            values[field] = None
            continue
        if not isinstance(value, str):
            raise InvalidAddress(f"address.{field} must be a string.")
        value = " ".join(value.split())
        if len(value) > ADDRESS_LIMITS.get(field, 120):
            raise InvalidAddress(f"address.{field} is too long.")
        values[field] = value
    postcode = str(values["postcode"])
    region = str(values["region"]).upper()
    country = str(values["country"]).upper()
    if not US_ZIP.match(postcode):
        raise InvalidAddress(f"{postcode} is not a US ZIP code (12345 or 12345-6789).")
    if region not in US_REGIONS:
        raise InvalidAddress(f"{values['region']} is not a two-letter US state code.")
    if country not in ("US", "USA"):
        raise InvalidAddress("We only ship within the United States.")
    return NewAddress(
        name=str(values["name"]),
        line1=str(values["line1"]),
        line2=values["line2"],
        city=str(values["city"]),
        region=region,
        postcode=postcode,
        country="US",
    )


def change_default_address(customer: Customer, address: NewAddress) -> None:
    """Make ``address`` the customer's default address; orders already placed keep theirs.

    The name on the address is the order recipient's business: the account keeps its own.
    """
    customer.line1 = address.line1
    customer.line2 = address.line2
    customer.city = address.city
    customer.region = address.region
    customer.postcode = address.postcode
    customer.postcode_key = postcode_key(address.postcode)
    customer.country = address.country
