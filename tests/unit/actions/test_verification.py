"""Who the shopper says they are, as they type it (τ-bench: e-mail, or full name and ZIP)."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker

from actions.verification import identity_in


def _tracker(text: str, entities: list[dict[str, Any]] | None = None) -> Tracker:
    return Tracker(
        sender_id="t",
        slots={},
        latest_message={"text": text, "entities": entities or []},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name=None,
    )


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Sofia Rossi, 78784", (None, "Sofia Rossi", "78784")),
        ("my name is yusuf rossi and my zip is 19122", (None, "yusuf rossi", "19122")),
        ("I'm Mei Patel, zip code 76165-1234", (None, "Mei Patel", "76165")),
        ("it's sofia.rossi2645@example.com", ("sofia.rossi2645@example.com", None, None)),
        ("Sofia Rossi", (None, None, None)),  # a name alone identifies nobody
        ("78784", (None, None, "78784")),
    ],
)
def test_identity_is_read_from_what_the_shopper_typed(
    typed: str, expected: tuple[str | None, str | None, str | None]
) -> None:
    assert identity_in(typed, _tracker(typed)) == expected


def test_an_email_entity_wins_over_the_words_around_it() -> None:
    entity = {"entity": "email", "value": "jane@example.com"}
    assert identity_in("jane at example", _tracker("x", [entity]))[0] == "jane@example.com"
