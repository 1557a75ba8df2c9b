"""The normalise rail: one canonical text, invisible characters gone, walls of text refused."""

from __future__ import annotations

import pytest

from guardrails.rails.normalise import Settings, check, normalise
from guardrails.rails.types import Context


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Ｉｇｎｏｒｅ ａｌｌ", "Ignore all"),  # full-width letters fold (NFKC)
        ("ﬁle a claim", "file a claim"),  # ligature
        ("ig\u200bno\u200dre", "ignore"),  # zero-width space and joiner
        ("order \u202eredro\u202c now", "order redro now"),  # bidi override and pop
        ("hi\U000e0069\U000e0067\U000e006e", "hi"),  # tag characters smuggling "ign"
        ("box\ufe0f\U000e0100", "box"),  # variation selectors
        ("where \n\t is   my\u00a0order ", "where is my order"),  # whitespace runs, NBSP
        ("a\x00b\x07c", "abc"),  # control characters
        ("Größe ändern", "Größe ändern"),  # ordinary letters stay
    ],
)
def test_when_text_is_normalised_then_look_alikes_fold_and_invisibles_go(
    raw: str, clean: str
) -> None:
    assert normalise(raw) == clean


def test_when_a_message_fits_then_it_passes_normalised() -> None:
    decision = check(" where is\u200b my order ", Context(), Settings(max_chars=17))
    assert (decision.allowed, decision.text) == (True, "where is my order")


def test_when_a_message_is_longer_than_the_cap_then_it_is_refused_with_the_reason() -> None:
    decision = check("x" * 18, Context(), Settings(max_chars=17))
    assert not decision.allowed
    assert decision.reason == "too long: 18 characters, at most 17"


@pytest.mark.parametrize("raw", ["", "   ", "\u200b\u200b", "\ufeff"])
def test_when_nothing_is_left_then_the_message_is_refused(raw: str) -> None:
    decision = check(raw, Context(), Settings())
    assert (decision.allowed, decision.reason) == (False, "empty")
