"""toxicity: listed words the source lacks, and a much more hostile tone than the source."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from guardrails.rails.toxicity import Settings, check
from guardrails.rails.types import Context

SOURCE = "Order AC-123456 is in transit with UPS. Expected delivery: Tuesday, March 10."
LOST = (
    "I'm really sorry: UPS has lost track of order AC-123456. You can have a replacement sent "
    "at no cost or get a full refund."
)


@pytest.mark.parametrize(
    ("candidate", "reason"),
    [
        ("Your damn order is in transit.", "profanity"),
        ("It's in transit, stop asking, you idiot.", "insult"),
        ("That was a stupid question; it's in transit.", "insult"),
        ("Your sh1t is in transit.", "profanity"),
        ("Shut up, it's in transit.", "insult"),
        (
            "I hate this awful, horrible, terrible order and your miserable complaints.",
            "hostile tone",
        ),
    ],
)
def test_when_a_candidate_is_abusive_then_it_is_refused(candidate: str, reason: str) -> None:
    decision = check(candidate, Context(source=SOURCE), Settings())
    assert not decision.allowed
    assert decision.reason == reason


@pytest.mark.parametrize(
    ("source", "candidate"),
    [
        (SOURCE, "Good news: order AC-123456 is on its way with UPS, due Tuesday, March 10."),
        (LOST, "I am so sorry: UPS lost order AC-123456. We can send a replacement or refund it."),
        ("Dickens' Tales is final sale.", "Dickens' Tales is final sale, sorry."),
    ],
)
def test_when_a_candidate_is_civil_then_it_passes(source: str, candidate: str) -> None:
    assert check(candidate, Context(source=source), Settings()).allowed


def test_when_the_word_list_is_broken_then_the_settings_do_not_validate(tmp_path: Path) -> None:
    broken = tmp_path / "words.yml"
    broken.write_text("profanity: shit\n", encoding="utf-8")
    with pytest.raises(ValidationError):
        Settings(words=str(broken))


def test_when_bad_news_is_told_plainly_then_its_words_do_not_count_as_hostile() -> None:
    source = (
        "Order AC-1 has already shipped, so it can't be cancelled any more. Once it's delivered "
        "you can return it within 30 days for a refund."
    )
    candidate = (
        "Unfortunately order AC-1 has already shipped, so it can no longer be cancelled. Once "
        "it arrives, you can return it within 30 days for a refund."
    )
    assert check(candidate, Context(source=source), Settings()).allowed
