"""personal_data: no personal value in a candidate that the source did not already show."""

from __future__ import annotations

import pytest

from guardrails.rails import personal_data
from guardrails.rails.personal_data import Settings, check, could_hold_personal_data
from guardrails.rails.types import Context

SOURCE = (
    "I'm passing you to a person from our team. You can also write to help@demo-outfitters.example "
    "(Monday to Friday, 9am to 6pm Eastern)."
)


@pytest.mark.parametrize(
    ("candidate", "entity"),
    [
        (SOURCE + " Ask for Maria Gonzalez.", "PERSON"),
        (SOURCE + " Or e-mail john.smith@gmail.com.", "EMAIL_ADDRESS"),
        (SOURCE + " Or call +1 415 555 0134.", "PHONE_NUMBER"),
        (SOURCE + " Your card 4111 1111 1111 1111 is on file.", "CREDIT_CARD"),
        (SOURCE + " Refunds go to DE89 3704 0044 0532 0130 00.", "IBAN_CODE"),
        (
            SOURCE + " We'll send it to 742 Evergreen Terrace, Springfield, IL 62704.",
            "STREET_ADDRESS",
        ),
    ],
)
def test_when_a_candidate_adds_a_personal_value_then_it_is_refused(
    candidate: str, entity: str
) -> None:
    decision = check(candidate, Context(source=SOURCE), Settings())
    assert not decision.allowed
    assert decision.reason == f"new {entity}"


def test_when_the_personal_value_is_in_the_source_then_it_passes() -> None:
    source = "Done: order AC-123456 will now go to 12 Oak St, Apt 4, Springfield, IL 62704."
    candidate = "All set: order AC-123456 is now headed to 12 Oak St, Apt 4, Springfield, IL 62704."
    decision = check(candidate, Context(source=source), Settings(prefilter=False))
    assert decision.allowed
    assert decision.reason == ""


def test_when_a_rephrase_adds_only_ordinary_words_then_presidio_is_not_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def boom() -> None:
        raise AssertionError("the analyzer must not run")

    monkeypatch.setattr(personal_data, "analyzer", boom)
    candidate = (
        "Sure! I'm handing you over to someone from our team. You can also write to "
        "help@demo-outfitters.example (Monday to Friday, 9am to 6pm Eastern)."
    )
    decision = check(candidate, Context(source=SOURCE), Settings())
    assert decision.allowed
    assert decision.reason == "prefilter"


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        ("Sure, I'm handing you over now.", False),
        ("Please ask maria gonzalez.", True),
        ("Write to x@y.co.", True),
        ("Order 555 0134.", True),
        ("Thanks, Priya will help.", True),
    ],
)
def test_when_new_words_are_screened_then_names_digits_and_capitals_trigger_presidio(
    candidate: str, expected: bool
) -> None:
    assert could_hold_personal_data(candidate, SOURCE) is expected
