"""Signals in the shopper's own words that a person should take over.

Safety words first (someone may be hurt), then legal threats, then strong anger read by VADER,
a lexicon and rule based analyser that ships its lexicon inside its pip package: nothing is
downloaded and a message takes well under a millisecond. The analyser is built once, lazily.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

from guardrails.handoff.rules import HandoffRules, Reason

if TYPE_CHECKING:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


@cache
def _analyser() -> SentimentIntensityAnalyzer:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


@cache
def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """One case-insensitive alternation, longest phrase first, on word boundaries."""
    alternatives = sorted((re.escape(w) for w in words), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b", re.IGNORECASE)


def anger_score(text: str) -> float:
    """VADER's compound score, -1 (most negative) to +1."""
    return float(_analyser().polarity_scores(text)["compound"])


def detect_signal(text: str, rules: HandoffRules) -> Reason | None:
    """The strongest reason in ``text`` to hand off at once, or None.

    Args:
        text: What the shopper wrote.
        rules: The validated handoff rules (word lists, sentiment threshold).
    """
    if not text or not text.strip():
        return None
    if _pattern(tuple(rules.safety_words)).search(text):
        return Reason.safety
    if _pattern(tuple(rules.legal_words)).search(text):
        return Reason.legal_threat
    if len(text.split()) >= rules.sentiment.min_words and (
        anger_score(text) <= rules.sentiment.compound_at_most
    ):
        return Reason.strong_anger
    return None
