"""A 1-5 rating in the shopper's words, for both rating questions.

The desk's question after a person resolved a case (actions/handoff.py) and the assistant's own
at a served shopper's goodbye (actions/rating.py) read the answer alike.
"""

from __future__ import annotations

import re
from typing import Any

SKIPPED = "skipped"
_RATING_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}


def rating_from(text: str) -> int | None:
    """A 1-5 rating in the shopper's words ("4", "5 stars", "four", "3/5", "★★★★")."""
    lowered = text.lower()
    if (stars := lowered.count("★") or lowered.count("⭐")) and 1 <= stars <= 5:
        return stars
    digits = re.findall(r"\b([1-5])\b(?!\s*/\s*10)", lowered)
    if digits:
        return int(digits[0])
    for word, value in _RATING_WORDS.items():
        if re.search(rf"\b{word}\b", lowered):
            return value
    return None


def rating_answer(answer: Any) -> str:
    """What a rating question's slot keeps: the rating ("1"-"5"), or "skipped" for other words."""
    score = rating_from(str(answer or ""))
    return str(score) if score else SKIPPED
