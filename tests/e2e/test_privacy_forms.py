"""The privacy walk on the session's shared stack: SQLite tracker store, file event broker, DEBUG.

The shared stack is configured as this walk needs it (tests/e2e/conftest.py), so the walk runs
there instead of starting a stack of its own; it takes orders no other test has changed
(tests/e2e/privacy_walk.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from stack.processes import Stack
from tests.e2e.privacy_walk import (
    Walk,
    every_question_was_asked_and_answered,
    nothing_typed_rests_in_any_sink,
    walk_everything,
)

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def walked(stack: Stack, seeded_store: tuple[str, list[dict[str, str]]]) -> Walk:
    assert stack.env["EVENT_BROKER"] == "file" and stack.env["LOG_LEVEL"] == "DEBUG"
    assert stack.env["TRACKER_STORE_URL"].startswith("sqlite:///")
    return walk_everything(stack, seeded_store[0])


def test_every_question_of_every_form_was_asked_and_answered(walked: Walk) -> None:
    every_question_was_asked_and_answered(walked)


def test_nothing_typed_at_any_question_rests_in_any_sink(walked: Walk, tmp_path: Path) -> None:
    nothing_typed_rests_in_any_sink(walked, tmp_path)
