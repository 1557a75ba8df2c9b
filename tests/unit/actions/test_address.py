"""New delivery addresses as shoppers type them on one line."""

from __future__ import annotations

import pytest

from actions.postal import format_address, parse_address


@pytest.mark.parametrize(
    ("typed", "formatted"),
    [
        ("12 Oak St, Springfield, IL 62704", "12 Oak St, Springfield, IL 62704"),
        ("12 oak st, apt 4, springfield, il 62704", "12 oak st, apt 4, Springfield, IL 62704"),
        (
            "500 Market Street, San Francisco, CA 94105-1234, USA",
            "500 Market Street, San Francisco, CA 94105-1234",
        ),
        ("1 Main St, Austin TX 78701", "1 Main St, Austin, TX 78701"),
        # Typed without commas, with a lead-in, a state's name, a PO box, a unit after "#".
        ("12 Oak Street Apt 4 Springfield IL 62704", "12 Oak Street, Apt 4, Springfield, IL 62704"),
        ("please send it to 450 W 33rd St New York NY 10001", "450 W 33rd St, New York, NY 10001"),
        (
            "ship to 77 Elm Rd., Unit 2B, Austin, Texas 78701",
            "77 Elm Rd., Unit 2B, Austin, TX 78701",
        ),
        (
            "1600 Pennsylvania Ave NW Washington DC 20500",
            "1600 Pennsylvania Ave NW, Washington, DC 20500",
        ),
        ("PO Box 123 Anytown CA 90210", "PO Box 123, Anytown, CA 90210"),
        ("14 Oak St #5, Springfield, IL 62704", "14 Oak St, #5, Springfield, IL 62704"),
    ],
)
def test_one_line_us_addresses_are_read(typed: str, formatted: str) -> None:
    parsed = parse_address(typed)
    assert parsed is not None and format_address(parsed) == formatted


@pytest.mark.parametrize(
    "typed",
    [
        "my new house",
        "Springfield, IL 62704",  # no street
        "12 Oak St",  # no city, state or ZIP
        "12 Oak St, Springfield, ZZ 62704",  # no such state
        "12 Oak St, Springfield, IL 6270",  # a ZIP code has five digits
        "12 Oak St, Springfield, IL 62704 and please hurry",  # more than an address
        "my order AC-100234",
        "",
    ],
)
def test_what_is_not_an_address_is_refused(typed: str) -> None:
    assert parse_address(typed) is None
