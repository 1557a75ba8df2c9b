"""Normalised lookup keys for the loose references shoppers type.

The seeder stores these keys next to the raw values and the repository normalises the
shopper's input the same way, so a lookup is one indexed equality match instead of a scan
with SQL string functions. Both sides must use these functions; that is the whole point.
"""

from __future__ import annotations

import re

_NON_ALNUM = re.compile(r"[^A-Z0-9]")
_NON_DIGIT = re.compile(r"\D")
_US_ZIP = re.compile(r"^(\d{5})(?:-?\d{4})?$")
_WHITESPACE = re.compile(r"\s+")


def order_ref_key(reference: str) -> str:
    """Normalise an order reference as the contract says.

    Upper-cases and drops everything but letters and digits, so `ac-104233`, `AC 104233`
    and `AC-104233` all become `AC104233`, and `#104233` becomes `104233`.
    """
    return _NON_ALNUM.sub("", reference.upper())


def order_digits_key(order_id: str) -> str:
    """The digits of an order id, matched when a shopper typed only the number."""
    return _NON_DIGIT.sub("", order_id)


def email_key(email: str) -> str:
    """E-mail addresses compare case-insensitively once surrounding spaces are trimmed."""
    return email.strip().lower()


def postcode_key(postcode: str) -> str:
    """Normalise a postcode: spaces ignored, upper-cased, a US ZIP+4 cut to its five digits.

    Non-US postcodes keep all their letters and digits (`SW1A 1AA` becomes `SW1A1AA`), so
    the function stays correct if the store ever ships abroad.
    """
    compact = _WHITESPACE.sub("", postcode).upper()
    zip_match = _US_ZIP.match(compact)
    if zip_match:
        return zip_match.group(1)
    return compact


def name_key(full_name: str) -> str:
    """A full name as typed compares case-insensitively with runs of spaces collapsed.

    `Noah  Brown`, ` noah brown ` and `NOAH BROWN` all become `noah brown`; the seeders
    store the key of `first_name + " " + last_name`.
    """
    return _WHITESPACE.sub(" ", full_name).strip().casefold()


def phone_key(phone: str) -> str:
    """A phone number compares by its national digits: `+1 (415) 555-0101` is `4155550101`.

    SMS senders arrive in E.164 (`+14155550101`), stores keep what the shopper typed; a
    leading US country code 1 on an 11-digit number is dropped so both forms meet.
    """
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) == 11 and digits.startswith("1"):
        return digits[1:]
    return digits
