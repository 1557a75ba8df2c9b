"""No promise beyond the merchant's: refunds, discounts, vouchers, free items, deadlines.

A model that writes "we'll refund you in full by tomorrow" has made the merchant a promise.
Promise phrases are grouped in classes (``promises.yml`` beside this file): a candidate may use
a class only when its source or passages use the same class ("refund {amount}" allows "we
will refund", "There's no refund" does not). Claims of an action done ("I've processed",
"I have issued") pass only when the source names the same action ("cancelled" for "I've
cancelled"): the model never did anything itself.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Extra, Field, validator

from guardrails.rails.types import Context, Decision

NAME = "promises"
PHRASES = Path(__file__).resolve().parent / "promises.yml"


class Settings(BaseModel):
    """``promises`` in rails.yml."""

    phrases: str = Field(str(PHRASES), min_length=1)
    """The YAML file of promise classes (class name to regular expressions)."""

    class Config:
        extra = Extra.forbid
        allow_mutation = False

    @validator("phrases")
    def _loads(cls, value: str) -> str:  # noqa: N805
        compiled(value)  # fail at start, not on the first reply
        return value


class _Phrases(BaseModel):
    classes: dict[str, list[str]]
    action_verbs: list[str] = Field(min_items=1)

    class Config:
        extra = Extra.forbid


@cache
def compiled(path: str) -> tuple[dict[str, re.Pattern[str]], re.Pattern[str]]:
    """(class name to one pattern, the action-claim pattern) from the phrases file."""
    raw = _Phrases.parse_obj(yaml.safe_load(Path(path).read_text(encoding="utf-8")))
    classes = {
        name: re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
        for name, patterns in raw.classes.items()
    }
    verbs = "|".join(raw.action_verbs)
    claim = re.compile(
        rf"\b(?:I|we)\s*(?:'ve|’ve|\s+have|\s+just|\s+already|'ve\s+just|\s+have\s+just"
        rf"|\s+have\s+already|'ve\s+already)?\s+({verbs})\b",
        re.IGNORECASE,
    )
    return classes, claim


def promised(text: str, path: str = str(PHRASES)) -> set[str]:
    """The promise classes ``text`` uses."""
    classes, _ = compiled(path)
    return {name for name, pattern in classes.items() if pattern.search(text)}


def claimed(text: str, path: str = str(PHRASES)) -> set[str]:
    """Verb stems of the actions ``text`` says were done ("processed" gives "process")."""
    _, claim = compiled(path)
    return {_stem(m.group(1)) for m in claim.finditer(text)}


def _stem(verb: str) -> str:
    return re.sub(r"(?:led|ed|d)$", "", verb.lower())[:6]


def check(text: str, context: Context, settings: Settings) -> Decision:
    """Refuse a promise class or an action claim that the source does not support."""
    source = "\n".join([context.source, *context.passages])
    extra = promised(text, settings.phrases) - promised(source, settings.phrases)
    if extra:
        return Decision(rail=NAME, allowed=False, score=1.0, reason=f"promise: {sorted(extra)[0]}")
    source_words = source.lower()
    for stem in claimed(text, settings.phrases):
        if stem not in source_words:
            return Decision(rail=NAME, allowed=False, score=1.0, reason="action claim")
    return Decision(rail=NAME, allowed=True, score=0.0)
