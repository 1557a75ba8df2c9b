"""Signals in the shopper's own words that a person should take over.

Safety words first (someone may be hurt), then legal threats, then strong anger read by VADER,
a lexicon and rule based analyser that ships its lexicon inside its pip package: nothing is
downloaded and a message takes well under a millisecond. The analyser is built once, lazily.

Repeated prompt-injection attempts are a signal too, but one that needs the conversation: the
NLU pipeline marks each refused message (:data:`GUARDRAIL_ENTITY`), and
:func:`injection_handoff_due` counts the marks of the session.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

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


GUARDRAIL_ENTITY = "guardrail"
"""Set by the Rasa server's NLU pipeline on a message an input rail refused (generation on)."""
INJECTION = "injection"


def flags_injection(entities: Iterable[Mapping[str, Any]]) -> bool:
    """True when a message's entities say the injection rail refused it."""
    return any(
        e.get("entity") == GUARDRAIL_ENTITY and e.get("value") == INJECTION for e in entities
    )


def injection_handoff_due(
    session: Sequence[Iterable[Mapping[str, Any]]], rules: HandoffRules
) -> bool:
    """True when the latest message is an injection attempt and the session has had enough.

    Args:
        session: The entities of each shopper message of the session, oldest first.
        rules: ``injection_attempts_before_handoff`` counts the latest message too.
    """
    if not session or not flags_injection(session[-1]):
        return False
    attempts = sum(1 for entities in session if flags_injection(entities))
    return attempts >= rules.injection_attempts_before_handoff
