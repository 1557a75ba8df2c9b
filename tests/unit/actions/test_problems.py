"""What went wrong with a delivery, read from the shopper's own words."""

from __future__ import annotations

import pytest

from actions.problems import kind_of


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("my parcel arrived smashed", "damaged"),
        ("the mug is cracked", "damaged"),
        ("one item is missing from the box", "missing"),
        ("you sent me the wrong size", "wrong_item"),
        ("tracking says delivered but it's not here", "not_received"),
        ("not_received", "not_received"),  # a button's code
        ("hello", None),
    ],
)
def test_the_kind_of_delivery_problem_is_read_from_the_shoppers_words(
    typed: str, kind: str | None
) -> None:
    assert kind_of(typed) == kind
