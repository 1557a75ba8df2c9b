"""Normalised lookup keys: order references, e-mails and postcodes as shoppers type them."""

from __future__ import annotations

import pytest

from commerce.keys import (
    email_key,
    name_key,
    order_digits_key,
    order_ref_key,
    phone_key,
    postcode_key,
)


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("AC-104233", "AC104233"),
        ("ac104233", "AC104233"),
        ("ac-104233", "AC104233"),
        (" AC 104233 ", "AC104233"),
        ("#104233", "104233"),
        ("104233", "104233"),
        ("AC_104.233", "AC104233"),
        ("#W2378156", "W2378156"),
        ("w2378156", "W2378156"),
        (" #w 2378156", "W2378156"),
        ("", ""),
        ("#-", ""),
    ],
)
def test_when_reference_is_typed_loosely_then_it_normalises_to_letters_and_digits(
    typed: str, key: str
) -> None:
    assert order_ref_key(typed) == key


def test_when_order_id_has_a_prefix_then_its_digits_key_keeps_only_the_number() -> None:
    assert order_digits_key("AC-104233") == "104233"


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Jane.Doe@Example.com", "jane.doe@example.com"),
        ("  jane.doe@example.com\n", "jane.doe@example.com"),
        ("", ""),
    ],
)
def test_when_email_differs_in_case_or_spaces_then_its_key_is_the_same(
    typed: str, key: str
) -> None:
    assert email_key(typed) == key


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("94107", "94107"),
        (" 94107 ", "94107"),
        ("94107-1234", "94107"),
        ("941071234", "94107"),
        ("94107 - 1234", "94107"),
        ("9 4 1 0 7", "94107"),
        ("sw1a 1aa", "SW1A1AA"),
        ("9410", "9410"),
        ("", ""),
    ],
)
def test_when_postcode_has_spaces_or_zip_plus_four_then_it_compares_on_five_digits(
    typed: str, key: str
) -> None:
    assert postcode_key(typed) == key


@pytest.mark.parametrize(
    "typed", ["Noah Brown", "noah brown", "  NOAH   Brown ", "Noah\tBrown", "noah brown\n"]
)
def test_when_a_full_name_is_typed_loosely_then_it_normalises_to_one_key(typed: str) -> None:
    assert name_key(typed) == "noah brown"


def test_when_names_differ_in_more_than_case_and_spacing_then_their_keys_differ() -> None:
    assert name_key("Noah Brown") != name_key("Noah Browne")
    assert name_key("") == ""


@pytest.mark.parametrize(
    "typed", ["+1 (415) 555-0101", "+14155550101", "14155550101", "415-555-0101", "4155550101"]
)
def test_when_a_us_phone_is_written_any_way_then_its_key_is_the_ten_digits(typed: str) -> None:
    assert phone_key(typed) == "4155550101"


def test_when_a_phone_is_not_american_then_its_digits_are_kept_whole() -> None:
    assert phone_key("+44 20 7183 8750") == "442071838750"
