"""When spaCy's names are worth computing: words that cannot be names, tokens no name holds.

The values are made up for these tests (they are not taken from any benchmark set).
"""

from __future__ import annotations

import pytest

from guardrails.pii import Scrubber
from guardrails.pii.scrubber import _readable


@pytest.mark.parametrize(
    ("word", "could_be"),
    [
        ("charged", False),  # inflected lower-case verbs
        ("tracking", False),
        ("stopped", False),
        ("shipping", False),
        ("tried", False),
        ("delivered.", False),
        ("didn't", False),  # contractions
        ("i'd", False),
        ("we'll", False),
        ("pls", False),  # shorthand and mail hosts
        ("gmail", False),
        ("NVY", False),  # two or three capitals: a code
        ("TX", False),
        (",", False),  # no letter at all
        ("--", False),
        ("olga", True),  # listed names, in any case
        ("Oyelaran", True),  # a word no dictionary holds
        ("Charged", True),  # with a capital, an inflected form may be a surname
    ],
)
def test_when_a_word_is_read_then_only_possible_names_count(
    scrubber: Scrubber, word: str, could_be: bool
) -> None:
    person = scrubber._person
    assert person is not None
    assert person.could_be_a_name(word) is could_be


@pytest.mark.parametrize(
    ("text", "needs"),
    [
        ("reach me at michael.lee@gmail.com", False),
        ("my card was charged twice, pls check", False),
        ("didn't get the NVY jacket, tracking says delivered", False),
        ("see /orders/olga_escamilla for it", False),
        ("reach me at michael.lee@gmail.com, Michael", True),
        ("thanks Maria", True),
    ],
)
def test_when_every_possible_name_sits_in_an_address_or_id_then_the_model_is_not_needed(
    scrubber: Scrubber, text: str, needs: bool
) -> None:
    person = scrubber._person
    assert person is not None
    assert person.needs_model(_readable(scrubber._nlp.make_doc(text))) is needs


@pytest.mark.parametrize(
    "text",
    [
        "reach me at michael.lee@gmail.com",
        "my card was charged twice, pls check",
        "didn't get the NVY jacket, tracking says delivered",
        "see /orders/olga_escamilla for it",
        "we shipped it to jane_doe@example.org yesterday",
    ],
)
def test_when_the_model_is_skipped_then_the_findings_are_those_with_the_model(
    scrubber: Scrubber, text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    gated = scrubber.analyze(text)
    assert scrubber._person is not None
    monkeypatch.setattr(scrubber._person, "needs_model", lambda _text: True)
    assert scrubber.analyze(text) == gated
