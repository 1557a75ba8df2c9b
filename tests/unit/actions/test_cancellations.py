"""Reasons for cancelling, as shoppers type them, and the answers that mean "don't"."""

from __future__ import annotations

import pytest

from actions.cancellations import reason_code
from actions.changes import is_backing_out


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("I don't need it anymore", "no_longer_needed"),
        ("changed my mind", "no_longer_needed"),
        ("ordered it by mistake", "ordered_by_mistake"),
        ("accidentally ordered twice", "ordered_by_mistake"),
        ("ordered_by_mistake", "ordered_by_mistake"),  # a button's code
        ("found a better colour elsewhere", "other"),
    ],
)
def test_reasons_are_read_from_the_shoppers_words(typed: str, code: str) -> None:
    assert reason_code(typed) == code


@pytest.mark.parametrize(
    ("typed", "backing_out"),
    [
        ("no", True),
        ("no forget it", True),
        ("never mind, keep it", True),
        ("nope!", True),
        ("no, I don't need it anymore", False),
        ("no reason really", False),
        ("it's too expensive", False),
    ],
)
def test_a_no_to_why_means_dont_cancel_unless_it_gives_a_reason(
    typed: str, backing_out: bool
) -> None:
    assert is_backing_out(typed) is backing_out
