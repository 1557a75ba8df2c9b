"""A 1-5 rating read from the shopper's words, as both rating questions read it."""

from __future__ import annotations

import pytest

from actions.scores import rating_from


@pytest.mark.parametrize(
    ("typed", "score"),
    [
        ("5", 5),
        ("4 stars", 4),
        ("I'd say three", 3),
        ("★★", 2),
        ("1/5", 1),
        ("meh", None),
        ("10", None),
    ],
)
def test_a_rating_is_read_from_the_shoppers_words(typed: str, score: int | None) -> None:
    assert rating_from(typed) == score
