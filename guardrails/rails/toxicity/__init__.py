"""No profanity, insult or hostile tone in a reply to a shopper.

Two checks. A curated word list (``words.yml``: profanity and insults, a few in German, Spanish
and French) matched on word boundaries; no offline profanity library is installed, and a short
list the merchant can read and extend beats an opaque one. Then VADER (``vaderSentiment``): a
candidate whose compound score is at or below ``negative_max`` and more negative than the
source by ``margin`` is refused; the margin lets an apology for a lost parcel ("I'm really
sorry: ... has lost track of ...") stay as sombre as its template, and the words of plain bad
news ("unfortunately", "cancelled", "delayed", :data:`NEUTRAL`) are not scored at all.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Extra, Field, validator

from guardrails.rails.types import Context, Decision

NAME = "toxicity"
WORDS = Path(__file__).resolve().parent / "words.yml"


class Settings(BaseModel):
    """``toxicity`` in rails.yml."""

    words: str = Field(str(WORDS), min_length=1)
    negative_max: float = Field(-0.6, ge=-1.0, le=0.0)
    """VADER compound score at or below which a reply is hostile."""
    margin: float = Field(0.3, ge=0.0, le=2.0)
    """How much more negative than the source a hostile reply must be to be refused."""

    class Config:
        extra = Extra.forbid
        allow_mutation = False

    @validator("words")
    def _loads(cls, value: str) -> str:  # noqa: N805
        word_patterns(value)
        return value


@cache
def word_patterns(path: str) -> dict[str, re.Pattern[str]]:
    """Category (profanity, insult) to one pattern of its words."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or not raw:
        raise ValueError(f"{path}: expected categories of words")
    patterns = {}
    for category, words in raw.items():
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            raise ValueError(f"{path}: {category} must be a list of words")
        parts = [
            r"\s+".join(map(re.escape, w.rstrip("*").split())) + (r"\w*" if w.endswith("*") else "")
            for w in words
        ]
        patterns[str(category)] = re.compile(rf"(?<!\w)(?:{'|'.join(parts)})(?!\w)", re.IGNORECASE)
    return patterns


_LEET = str.maketrans("1!34@0$57", "iieaaosst")


def _leet(text: str) -> str:
    """Undo the commonest digit-for-letter spellings ("sh1t", "@ss")."""
    return text.translate(_LEET)


@cache
def _vader() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


NEUTRAL = re.compile(
    r"(?i)\b(?:unfortunately|sorry|apolog\w*|regret\w*|cancel\w*|lost|late|delay\w*|damag\w*"
    r"|missing|wrong|problem\w*|issue\w*|fail\w*|refus\w*|reject\w*|unable|error\w*|broken"
    r"|no longer|can't|cannot|won't)\b"
)
"""Words VADER scores as negative that a support reply uses plainly ("Unfortunately, order
... can no longer be cancelled" scores -0.71); they are left out before scoring tone."""


def compound(text: str) -> float:
    """VADER's compound score in [-1, 1], with :data:`NEUTRAL` support words left out."""
    text = NEUTRAL.sub(" ", text)
    return float(_vader().polarity_scores(text)["compound"]) if text.strip() else 0.0


def check(text: str, context: Context, settings: Settings) -> Decision:
    """Refuse listed words the source lacks, and a markedly more hostile tone than the source."""
    source = "\n".join([context.source, *context.passages])
    for category, pattern in word_patterns(settings.words).items():
        found = {m.group().lower() for m in pattern.finditer(_leet(text))} | {
            m.group().lower() for m in pattern.finditer(text)
        }
        allowed = {m.group().lower() for m in pattern.finditer(source)}
        if found - allowed:
            return Decision(rail=NAME, allowed=False, score=1.0, reason=category)
    score = compound(text)
    risk = round(max(0.0, -score), 3)
    if score <= settings.negative_max and score < compound(source) - settings.margin:
        return Decision(rail=NAME, allowed=False, score=risk, reason="hostile tone")
    return Decision(rail=NAME, allowed=True, score=risk)
