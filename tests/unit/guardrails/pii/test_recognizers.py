"""Each recognizer on what shoppers really type: what it must find, and what it must leave."""

from __future__ import annotations

import pytest

from guardrails.pii import Scrubber
from guardrails.pii.recognizers.credit_card import luhn_valid
from guardrails.pii.recognizers.iban import iban_valid


def found(scrubber: Scrubber, text: str) -> list[tuple[str, str]]:
    return [(f.entity_type, text[f.start : f.end]) for f in scrubber.analyze(text)]


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        # e-mail
        ("my email is Jo.Baker+shop@Example.co.uk", "EMAIL_ADDRESS", "Jo.Baker+shop@Example.co.uk"),
        ("its jb_1987@mail.example.com i think", "EMAIL_ADDRESS", "jb_1987@mail.example.com"),
        # phone numbers, national and international
        ("call me on +1 415-555-0132", "PHONE_NUMBER", "+1 415-555-0132"),
        ("my number is (415) 555-0132", "PHONE_NUMBER", "(415) 555-0132"),
        ("text 415.555.0132 when it ships", "PHONE_NUMBER", "415.555.0132"),
        ("uk mobile 07700 900123", "PHONE_NUMBER", "07700 900123"),
        ("ring +44 (0)20 7946 0958", "PHONE_NUMBER", "+44 (0)20 7946 0958"),
        ("tel +49 30 901820", "PHONE_NUMBER", "+49 30 901820"),
        ("+33 6 12 34 56 78 c'est moi", "PHONE_NUMBER", "+33 6 12 34 56 78"),
        # card numbers: grouped, plain, Amex, a 12-digit Maestro named as a card
        ("card 4111 1111 1111 1111 was charged", "CREDIT_CARD", "4111 1111 1111 1111"),
        ("4012888888881881", "CREDIT_CARD", "4012888888881881"),
        ("amex 3782-822463-10005", "CREDIT_CARD", "3782-822463-10005"),
        ("refund to my card 675935834472", "CREDIT_CARD", "675935834472"),
        # IBAN, grouped or compact, upper or lower case, followed by words
        ("IBAN DE89 3704 0044 0532 0130 00 thanks", "IBAN_CODE", "DE89 3704 0044 0532 0130 00"),
        ("gb82west12345698765432", "IBAN_CODE", "gb82west12345698765432"),
        ("FR14 2004 1010 0505 0001 3M02 606", "IBAN_CODE", "FR14 2004 1010 0505 0001 3M02 606"),
        # street addresses on one line, any case
        ("ship to 12 Oak St, Apt 4, Springfield, IL 62704", "STREET_ADDRESS",
         "12 Oak St, Apt 4, Springfield, IL 62704"),
        ("new address 4417 larkspur terrace dayton oh 45402", "STREET_ADDRESS",
         "4417 larkspur terrace dayton oh 45402"),
        ("i live at 9 Elm Street", "STREET_ADDRESS", "9 Elm Street"),
        ("send it to PO Box 1234", "STREET_ADDRESS", "PO Box 1234"),
        ("16 Day Inlet, East Jamesport, VA 05537", "STREET_ADDRESS",
         "16 Day Inlet, East Jamesport, VA 05537"),
        # person names: capitalised, lower case after a cue, sign-offs, signatures
        ("Hi, this is Gwendolyn Abernathy", "PERSON", "Gwendolyn Abernathy"),
        ("my name is maria lopez", "PERSON", "maria lopez"),
        ("thanks, Priya", "PERSON", "Priya"),
        ("this is carole parkinson, where's my parcel", "PERSON", "carole parkinson"),
        ("xiti rastogi here, where is AC-503308??", "PERSON", "xiti rastogi"),
        ("it's for my wife tess dorsman, she's home", "PERSON", "tess dorsman"),
        ("Sent from my phone. alicia schuurmans | 0877 599681", "PERSON", "alicia schuurmans"),
    ],
)  # fmt: skip
def test_recognizer_finds_the_value(scrubber: Scrubber, text: str, entity: str, value: str) -> None:
    assert (entity, value) in found(scrubber, text)


@pytest.mark.parametrize(
    "text",
    [
        "this is ridiculous",
        "this is taking forever",
        "its arriving tomorrow i hope",
        "I'm waiting for 2 weeks now",
        "3 items on the way",
        "2 days in a row nobody came",
        "thanks so much!",
        "Nothing here yet",
        "quick question, can I return it?",
        "Best Regards",
        "thanks again, have a nice day",
        "my card was declined",  # a card word, but no number
        "order AC-104233 tracking 9400111202555842332669",
        "the timestamp was 1796115173.7263",
        "the server is on 127.0.0.1",
    ],
)
def test_ordinary_chat_is_left_alone(scrubber: Scrubber, text: str) -> None:
    assert found(scrubber, text) == []


@pytest.mark.parametrize(
    ("text", "entity"),
    [("4111 1111 1111 1112", "CREDIT_CARD"), ("DE89 3704 0044 0532 0130 01", "IBAN_CODE")],
)
def test_a_failed_checksum_is_not_reported_as_that_type(
    scrubber: Scrubber, text: str, entity: str
) -> None:
    # Digits like these may still be redacted as something else (a phone number): over-
    # redacting a mistyped card number is the safe side.
    assert entity not in [e for e, _ in found(scrubber, text)]


def test_when_findings_overlap_the_address_wins_over_the_name_in_it(scrubber: Scrubber) -> None:
    text = "send it to 20253 Margaret Corners, North Robert, IA 01363"
    assert found(scrubber, text) == [
        ("STREET_ADDRESS", "20253 Margaret Corners, North Robert, IA 01363")
    ]


@pytest.mark.parametrize(
    ("number", "valid"),
    [("4111111111111111", True), ("4111111111111112", False), ("378282246310005", True)],
)
def test_luhn_check(number: str, valid: bool) -> None:
    assert luhn_valid(number) is valid


@pytest.mark.parametrize(
    ("iban", "valid"),
    [
        ("DE89370400440532013000", True),
        ("GB82WEST12345698765432", True),
        ("GB82WEST1234569876543", False),  # one character short for GB
        ("DE89370400440532013001", False),
    ],
)
def test_iban_check(iban: str, valid: bool) -> None:
    assert iban_valid(iban) is valid
