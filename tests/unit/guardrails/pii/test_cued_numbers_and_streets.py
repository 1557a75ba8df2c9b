"""Licence numbers named by a bare "license", postcodes by their nearest cue, postcodes grouped
after a town, and streets without a street word after an address cue.

The values are made up for these tests (they are not taken from any benchmark set).
"""

from __future__ import annotations

import pytest

from guardrails.pii import Scrubber


def found(scrubber: Scrubber, text: str) -> list[tuple[str, str]]:
    return [(f.entity_type, text[f.start : f.end]) for f in scrubber.analyze(text)]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("License: X1234567", "X1234567"),
        ("my license is 88120334", "88120334"),
        ("I lost my license, number 9981223341", "9981223341"),
        ("can you confirm my license number? it's 4412881093", "4412881093"),
        ("license ID 99887766", "99887766"),
        ("my drivers lic number 9981-22-3341", "9981-22-3341"),
        ("my dl is 998 122 334", "998 122 334"),
        ("lic. no. 998122334", "998122334"),
    ],
)
def test_when_a_license_word_names_a_number_then_it_is_a_licence_not_a_phone(
    scrubber: Scrubber, text: str, value: str
) -> None:
    assert found(scrubber, text) == [("US_DRIVER_LICENSE", value)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("zip 02139-4307", []),
        ("postal code: 1011 5234", []),
        ("zip or phone: 212 555 0198", [("PHONE_NUMBER", "212 555 0198")]),
        ("postcode 10115, mobile 0151 2345 6789", [("PHONE_NUMBER", "0151 2345 6789")]),
    ],
)
def test_when_the_nearest_cue_names_a_postcode_then_no_phone_is_found(
    scrubber: Scrubber, text: str, expected: list[tuple[str, str]]
) -> None:
    assert found(scrubber, text) == expected


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("ship it to 12 Kaevu 94\nHarju, 43 73313", "12 Kaevu 94\nHarju, 43 73313"),
        ("send to Lindvägen 4, Överturingen, 840 24 please", "Lindvägen 4, Överturingen, 840 24"),
    ],
)
def test_when_a_grouped_postcode_ends_an_address_then_it_is_part_of_it(
    scrubber: Scrubber, text: str, address: str
) -> None:
    assert found(scrubber, text) == [("STREET_ADDRESS", address)]


def test_when_a_phone_number_follows_the_town_then_it_stays_a_phone_number(
    scrubber: Scrubber,
) -> None:
    text = "my address: 88 Saarepuiestee 12, Tallinn, 10 1234 5678"
    assert found(scrubber, text) == [
        ("STREET_ADDRESS", "88 Saarepuiestee 12, Tallinn"),
        ("PHONE_NUMBER", "10 1234 5678"),
    ]


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("She lives at Kaevu 94, Liiva.", "Kaevu 94, Liiva."),
        ("Please ship it to Bygget 64, Varde.", "Bygget 64, Varde."),
        ("My address is Jahu 80", "Jahu 80"),
        ("I moved to Maneeži 75 last week.", "Maneeži 75"),
        ("Deliver it to Hollow Bend 17 please", "Hollow Bend 17"),
        ("His home is at Jahu 80", "Jahu 80"),
        ("he stays at Ferenciek 3.", "Ferenciek 3."),
    ],
)
def test_when_capitalised_words_and_a_number_follow_an_address_cue_then_they_are_a_street(
    scrubber: Scrubber, text: str, address: str
) -> None:
    assert found(scrubber, text) == [("STREET_ADDRESS", address)]


@pytest.mark.parametrize(
    "text",
    [
        "I moved to Monday 5 for the pickup",
        "ship it to Gate 12 at the airport",
        "I waited at Gate 12 for hours",
        "I bought it at Target 5 days ago",
        "I have 3 items at 2 stores",
        "send it to me by 5",
    ],
)
def test_when_a_day_or_a_place_in_a_building_follows_a_cue_then_no_street_is_found(
    scrubber: Scrubber, text: str
) -> None:
    assert [e for e, _ in found(scrubber, text)] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("born on 16.04.2000 at 11:34", []),
        ("it came on 2019-02-03, two weeks late", []),
        ("since 12/01/1981", []),
        ("my number is +49 30 1204 2000", [("PHONE_NUMBER", "+49 30 1204 2000")]),
        ("call me at 415.555.0132", [("PHONE_NUMBER", "415.555.0132")]),
    ],
)
def test_when_a_number_is_a_calendar_date_then_it_is_not_a_phone_number(
    scrubber: Scrubber, text: str, expected: list[tuple[str, str]]
) -> None:
    assert found(scrubber, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "my dl got lost, call 0151 2345 6789",
        "my driver's license expired, call me on 0151 2345 6789",
        "can i dl the app? 0151 2345 6789",
    ],
)
def test_when_a_phone_cue_stands_between_a_licence_word_and_a_number_then_it_is_a_phone(
    scrubber: Scrubber, text: str
) -> None:
    assert found(scrubber, text) == [("PHONE_NUMBER", "0151 2345 6789")]
