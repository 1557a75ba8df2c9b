"""New delivery addresses as shoppers type them on one line."""

from __future__ import annotations

import pytest

from actions.address import format_address, parse_address


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
    ],
)
def test_one_line_us_addresses_are_read(typed: str, formatted: str) -> None:
    parsed = parse_address(typed)
    assert parsed is not None and format_address(parsed) == formatted


@pytest.mark.parametrize(
    "typed",
    ["my new house", "Springfield, IL 62704", "12 Oak St, Springfield, ZZ 62704", ""],
)
def test_what_is_not_an_address_is_refused(typed: str) -> None:
    assert parse_address(typed) is None
