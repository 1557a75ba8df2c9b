"""Cue-led findings: licence and social security numbers, titled and introduced names,
firms and places that look like names, German street forms and postal blocks.

The values are made up for these tests (they are not taken from any benchmark set).
"""

from __future__ import annotations

import pytest

from guardrails.pii import Scrubber
from guardrails.pii.recognizers.id_numbers import IdNumberRecognizer


def found(scrubber: Scrubber, text: str) -> list[tuple[str, str]]:
    return [(f.entity_type, text[f.start : f.end]) for f in scrubber.analyze(text)]


def covered(scrubber: Scrubber, text: str, value: str, entity: str) -> bool:
    """True when one finding of ``entity`` covers all of ``value``."""
    start = text.index(value)
    end = start + len(value)
    return any(
        f.entity_type == entity and f.start <= start and end <= f.end
        for f in scrubber.analyze(text)
    )


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        ("my driver's license number is 4417-23-9081", "US_DRIVER_LICENSE", "4417-23-9081"),
        ("Drivers licence: D512 3390 2214", "US_DRIVER_LICENSE", "D512 3390 2214"),
        ("my DL# is 8806152", "US_DRIVER_LICENSE", "8806152"),
        ("Driver Lic. 4417239081 exp 2029", "US_DRIVER_LICENSE", "4417239081"),
        ("8806152 is my driver's license", "US_DRIVER_LICENSE", "8806152"),
        ("license number 55102933 if you need it", "US_DRIVER_LICENSE", "55102933"),
        ("SSN: 512 44 7781", "US_SSN", "512 44 7781"),
        ("social security number is 512447781", "US_SSN", "512447781"),
    ],
)
def test_when_a_number_follows_its_name_then_it_is_tagged_as_that_number(
    scrubber: Scrubber, text: str, entity: str, value: str
) -> None:
    assert covered(scrubber, text, value, entity)
    assert not any(t == "PHONE_NUMBER" for t, _ in found(scrubber, text))


@pytest.mark.parametrize(
    ("value", "possible"),
    [("512-44-7781", True), ("000-44-7781", False), ("666447781", False), ("912 44 7781", False),
     ("512-00-7781", False), ("512-44-0000", False)],
)  # fmt: skip
def test_when_an_ssn_is_never_issued_then_it_is_not_one(value: str, possible: bool) -> None:
    assert IdNumberRecognizer.possible_ssn(value) is possible


@pytest.mark.parametrize(
    "text",
    [
        "postcode 3610-114, Lisboa",
        "it goes to Quinta do Lago 8135-024 next week",
        "CEP 75534-030 Goiânia",
    ],
)
def test_when_a_number_is_a_dashed_postcode_then_it_is_no_phone_number(
    scrubber: Scrubber, text: str
) -> None:
    assert not any(t == "PHONE_NUMBER" for t, _ in found(scrubber, text))


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Please have Dr. Ilse Vandermaat call me back", "Ilse Vandermaat"),
        ("I'd like to join accounts with ms. Oriane", "Oriane"),
        ("Mr. K. Haraldsen ordered it", "K. Haraldsen"),
        ("Torvald lives on Elm Road now.", "Torvald"),
        ("ok. brynja is from the office next door", "brynja"),
        ("I want to add my kid Elodie to the account", "Elodie"),
        ("please follow up with gunnhild sæther tomorrow", "gunnhild sæther"),
        ("Ingrid Kowalczyk signed for it. Later Kowalczyk called", "Kowalczyk"),
        ('Anselm: "Where is it?"\nMirela: "On its way."', "Anselm"),
    ],
)
def test_when_a_cue_names_someone_then_the_name_is_found(
    scrubber: Scrubber, text: str, name: str
) -> None:
    positions = [i for i in range(len(text)) if text.startswith(name, i)]
    assert all(
        any(f.entity_type == "PERSON" and f.start <= i and i + len(name) <= f.end
            for f in scrubber.analyze(text))
        for i in positions
    )  # fmt: skip


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Quorvex is the brainchild of two engineers", "Quorvex"),
        ("Halvorsen and Sons opened a new store", "Halvorsen"),
        ("Tindrel is a design agency based in Leeds", "Tindrel"),
        ("the parcel arrived at Zwolle this morning", "Zwolle"),
        ("I'm in Assendelft for the week", "Assendelft"),
        ("check the Brightwell Markets website", "Brightwell"),
        ("a song by the White Stripes", "White Stripes"),
    ],
)
def test_when_a_capitalised_word_names_a_firm_or_place_then_it_is_no_person(
    scrubber: Scrubber, text: str, word: str
) -> None:
    start = text.index(word)
    assert not any(
        f.entity_type == "PERSON" and f.start < start + len(word) and start < f.end
        for f in scrubber.analyze(text)
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("bitte an Karl-Marx-Ring 12, 10969 Berlin", "Karl-Marx-Ring 12"),
        ("Lieferung an Anna-Seghers-Straße 4b", "Anna-Seghers-Straße 4"),
        ("send it to Lindenring 7, Hamburg", "Lindenring 7"),
        ("Adresse: Am Mühlbach 3, 80331 München", "Am Mühlbach 3"),
        ("Im Winkel 21, Köln", "Im Winkel 21"),
        ("the corner of ul. Miodowa 12 and Brenna Trail", "ul. Miodowa 12 and Brenna Trail"),
        ("send it to Lidia and Calle Mayor 45 please", "Lidia and Calle Mayor 45"),
        ("we met at 4410 22 harbour view\nport kelso\n, wc\n 73310. great", "harbour view"),
        ("the shows on Ansel Gate Street were loud", "Ansel Gate Street"),
    ],
)
def test_when_a_street_has_a_german_or_crossing_or_block_form_then_it_is_found(
    scrubber: Scrubber, text: str, value: str
) -> None:
    assert covered(scrubber, text, value, "STREET_ADDRESS")


@pytest.mark.parametrize(
    "text",
    [
        "I am 5 minutes away",
        "we are considering 2 options, ordering 3 items",
        "Am I getting 2 refunds?",
        "bring 2 bags and 3 boxes",
        "my license expired, can I still pick it up",
        "the driver was licensed 3 years ago",
    ],
)
def test_when_chat_has_numbers_after_common_words_then_nothing_is_found(
    scrubber: Scrubber, text: str
) -> None:
    assert found(scrubber, text) == []


@pytest.mark.parametrize(
    ("text", "needs"),
    [
        ("I'm still waiting on AC-123456", False),
        ("its arriving tomorrow apparently", False),
        ("where is my stuff #W1234567", False),
        ("thanks Maria", True),
        ("hi my name is olga escamilla", True),
        ("parcel for Ms. Oyelaran", True),
    ],
)
def test_when_no_word_could_be_a_name_then_the_model_is_not_needed(
    scrubber: Scrubber, text: str, needs: bool
) -> None:
    person = scrubber._person
    assert person is not None
    assert person.needs_model(text) is needs


@pytest.mark.parametrize(
    "text",
    [
        "I'm still waiting on AC-123456",
        "its arriving tomorrow apparently",
        "this is ridiculous, 3 weeks and still nothing",
        "tracking 1Z999AA10123456784 stuck",
        "my card was charged $42.10 twice",
    ],
)
def test_when_the_model_is_skipped_then_the_findings_are_those_with_the_model(
    scrubber: Scrubber, text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    gated = scrubber.analyze(text)
    assert scrubber._person is not None
    monkeypatch.setattr(scrubber._person, "needs_model", lambda _text: True)
    assert scrubber.analyze(text) == gated
