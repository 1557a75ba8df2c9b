"""The first input rail: one canonical form of the shopper's text for every rail after it.

Attacks hide words from pattern lists and classifiers with look-alike characters (full-width
letters, ligatures: NFKC folds them), invisible ones (zero-width spaces and joiners, bidi
overrides that reorder what a person sees, Unicode tag characters that carry hidden ASCII,
variation selectors) and runs of whitespace. A message longer than ``max_chars`` is refused:
a wall of text is not a support question, and long inputs are where jailbreaks live.
"""

from __future__ import annotations

import unicodedata

from pydantic import BaseModel, Extra, Field

from guardrails.rails.types import Context, Decision

RAIL = "normalise"


class Settings(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False

    max_chars: int = Field(1000, ge=1, le=100_000)
    """Longest message (after normalisation) that may reach a model."""


def _invisible(char: str) -> bool:
    """Format characters (Cf: zero-width, bidi controls, tags), variation selectors, controls."""
    code = ord(char)
    if 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF:  # variation selectors
        return True
    category = unicodedata.category(char)
    return category == "Cf" or (category == "Cc" and not char.isspace())


def normalise(text: str) -> str:
    """NFKC, invisible characters dropped, whitespace runs collapsed to one space."""
    folded = unicodedata.normalize("NFKC", text)
    return " ".join("".join(c for c in folded if not _invisible(c)).split())


def check(text: str, context: Context, settings: Settings) -> Decision:
    """Refuses empty and over-long messages; returns the normalised text."""
    clean = normalise(text)
    if not clean:
        return Decision(rail=RAIL, allowed=False, reason="empty", text=clean)
    if len(clean) > settings.max_chars:
        return Decision(
            rail=RAIL,
            allowed=False,
            reason=f"too long: {len(clean)} characters, at most {settings.max_chars}",
            text=clean,
        )
    return Decision(rail=RAIL, allowed=True, text=clean)
