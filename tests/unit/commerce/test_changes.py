"""Rules of the changes that need no store: which addresses are deliverable."""

from __future__ import annotations

from typing import Any

import pytest

from commerce.changes import NewAddress, validate_address
from commerce.errors import InvalidAddress

GOOD = {
    "name": "Dana Reyes",
    "line1": "12 Elm St",
    "line2": None,
    "city": "Springfield",
    "region": "IL",
    "postcode": "62704",
    "country": "US",
}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({}, {}),
        ({"postcode": "62704-1234"}, {"postcode": "62704-1234"}),
        ({"postcode": " 62704 "}, {}),
        ({"region": "il"}, {}),
        ({"region": "DC"}, {"region": "DC"}),
        ({"region": "PR", "postcode": "00901"}, {"region": "PR", "postcode": "00901"}),
        ({"country": "usa"}, {}),
        ({"line2": "  Apt   4B "}, {"line2": "Apt 4B"}),
        ({"line2": ""}, {}),
        ({"name": "  Dana   Reyes "}, {}),
    ],
)
def test_when_the_address_is_a_us_address_then_it_is_normalised(
    change: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert validate_address({**GOOD, **change}) == NewAddress(**{**GOOD, **expected})


@pytest.mark.parametrize(
    ("change", "mentions"),
    [
        ({"postcode": "6270"}, "ZIP"),
        ({"postcode": "627041"}, "ZIP"),
        ({"postcode": "62704-12"}, "ZIP"),
        ({"postcode": "627041234"}, "ZIP"),
        ({"postcode": "K1A 0B1"}, "ZIP"),
        ({"region": "XX"}, "state"),
        ({"region": "Illinois"}, "state"),
        ({"country": "CA"}, "United States"),
        ({"name": ""}, "address.name"),
        ({"city": None}, "address.city"),
        ({"line1": 12}, "address.line1"),
        ({"line1": "x" * 121}, "too long"),
    ],
)
def test_when_the_address_is_not_deliverable_then_it_is_refused_with_the_reason(
    change: dict[str, Any], mentions: str
) -> None:
    with pytest.raises(InvalidAddress, match=mentions):
        validate_address({**GOOD, **change})


def test_when_a_required_field_is_absent_then_the_address_is_refused() -> None:
    without_city = {key: value for key, value in GOOD.items() if key != "city"}

    with pytest.raises(InvalidAddress, match="address.city"):
        validate_address(without_city)
