"""Names the name lists do not hold, and house numbers that look like short phone numbers.

The values are made up for these tests (they are not taken from any benchmark set).
"""

from __future__ import annotations

import pytest

from guardrails.pii import Scrubber


def found(scrubber: Scrubber, text: str) -> list[tuple[str, str]]:
    return [(f.entity_type, text[f.start : f.end]) for f in scrubber.analyze(text)]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("please put the parcel under Dauletkhan Zhumabekovich, he picks it up",
         "Dauletkhan Zhumabekovich"),
        ("the gift is from Sigurlaug Hrafnkelsdóttir and her brother",
         "Sigurlaug Hrafnkelsdóttir"),
    ],
)  # fmt: skip
def test_when_two_unknown_capitalised_words_follow_each_other_then_they_are_a_name(
    scrubber: Scrubber, text: str, name: str
) -> None:
    assert found(scrubber, text) == [("PERSON", name)]
    assert name not in scrubber.scrub(text)


@pytest.mark.parametrize(
    "text",
    [
        "Awarded Salesperson of the Month three times",
        "Songs You're Supposed To Hate",
        "parcel AC-123456 went to the Brisbane depot, 1Z999AA10123456784 is on its way",
    ],
)
def test_when_capitalised_words_are_inflected_words_titles_or_places_then_they_stay(
    scrubber: Scrubber, text: str
) -> None:
    assert scrubber.scrub(text) == text


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("new address is 224 4966 Bond Street", "224 4966 Bond Street"),
        ("new address: 636 1812 Rue de la Gare", "636 1812 Rue de la Gare"),
    ],
)
def test_when_two_numbers_open_a_street_then_they_are_part_of_the_address(
    scrubber: Scrubber, text: str, address: str
) -> None:
    assert found(scrubber, text) == [("STREET_ADDRESS", address)]


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("call 451 5986 after 6 pls", "451 5986"),
        ("text me on 555 1234 via whatsapp", "555 1234"),
        ("+44 20 7946 0958 is the shop on Bond Street", "+44 20 7946 0958"),
    ],
)
def test_when_a_short_number_is_not_followed_by_a_street_then_it_is_still_a_phone(
    scrubber: Scrubber, text: str, phone: str
) -> None:
    assert ("PHONE_NUMBER", phone) in found(scrubber, text)


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("I once lived in 416 Ojakatu 98 Apt. 934 OULU NO", "416 Ojakatu 98 Apt. 934 OULU NO"),
        ("The bus station is on Kaevu 94", "Kaevu 94"),
        ("pls send it to 4241 Na Příkopě 1677/12", "4241 Na Příkopě 1677/12"),
        ("Vegetarians must enter on 172 Maneeži 75-77", "172 Maneeži 75-77"),
        ("The bus station is on Ελευθερίου Βενιζέλου 12", "Ελευθερίου Βενιζέλου 12"),
        ("the early shows on tarsicio isle street were the best", "tarsicio isle street"),
        ("Please return to 69 Av Sidi Lakhmi", "69 Av Sidi Lakhmi"),
        ("The address of the Brno shop is Tylova 285", "Tylova 285"),
        ("Address:     Slovenčeva 51", "Slovenčeva 51"),
        ("what is your address? it is Dalmatinova 68", "Dalmatinova 68"),
        ("pls send a new one to Příční 1429", "Příční 1429"),
        (
            "Heather Houghton, 5 Lucas Vista Lake Monica TN 61841, 0114 496 0056",
            "5 Lucas Vista Lake Monica TN 61841",
        ),
    ],
)
def test_when_a_street_has_no_street_word_a_second_number_or_a_region_code_then_it_is_found(
    scrubber: Scrubber, text: str, address: str
) -> None:
    assert ("STREET_ADDRESS", address) in found(scrubber, text)


@pytest.mark.parametrize(
    "text",
    [
        "your order is on Hold 2 days now",
        "size 10 shoes 9/10 stars",
        "i'm on my way to the main road",
        "3 items on 2 orders, AC-123456 and AC-654321",
        "the speaker from 3 Round Stones Inc is great",
    ],
)
def test_when_a_number_follows_words_that_are_no_street_then_nothing_is_scrubbed(
    scrubber: Scrubber, text: str
) -> None:
    assert scrubber.scrub(text) == text


def test_when_a_phone_number_follows_an_address_then_it_stays_a_phone_number(
    scrubber: Scrubber,
) -> None:
    text = "Heather Houghton, 5 Lucas Vista Lake Monica TN 61841, 0114 496 0056"
    assert ("PHONE_NUMBER", "0114 496 0056") in found(scrubber, text)


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("phone: +49 (0) 5934 998690", "+49 (0) 5934 998690"),
        ("call +44 (0)20 7946 0958", "+44 (0)20 7946 0958"),
    ],
)
def test_when_the_trunk_zero_is_written_in_brackets_then_the_whole_number_is_scrubbed(
    scrubber: Scrubber, text: str, phone: str
) -> None:
    assert found(scrubber, text) == [("PHONE_NUMBER", phone)]


def test_when_two_numbers_follow_an_address_cue_then_they_are_scrubbed_as_an_address(
    scrubber: Scrubber,
) -> None:
    text = "Jana lives at 74285 56655 Hlavní"
    assert found(scrubber, text) == [("PERSON", "Jana"), ("STREET_ADDRESS", "74285 56655")]
    assert "74285" not in scrubber.scrub(text)


def test_when_a_phone_cue_is_nearer_than_an_address_cue_then_it_is_a_phone(
    scrubber: Scrubber,
) -> None:
    text = "my address is 5 Oak St, call me on 555 1234"
    assert found(scrubber, text) == [("STREET_ADDRESS", "5 Oak St"), ("PHONE_NUMBER", "555 1234")]
