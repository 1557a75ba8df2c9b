"""Facts are locked: a candidate reply carries exactly the source's facts, and no others.

The rephraser calls :func:`lock` on the rendered template and sends the model only the masked
text (``Order [ORDER_ID_1] ships [DATE_1].``). The rail then locks the same source again and
accepts a candidate only when

1. every placeholder of the source occurs in it exactly as often as in the source, and facts
   of one kind keep their order (no fact dropped, duplicated or swapped: "placed [DATE_1],
   delivered [DATE_2]" may not become "placed [DATE_2], delivered [DATE_1]"), and no fact
   stands right after a label of another kind ("tracking number [ORDER_ID_1]") unless the
   source has that same pairing;
2. it names no placeholder the source does not have (``[AMOUNT_2]`` when there is one);
3. outside its placeholders it holds no fact at all: no digit, date, weekday or month name,
   amount, id, carrier, URL, e-mail or phone, found by the same detectors, and no spelled
   number ("three") and no time, money or quantity word ("a day later", "plus a small fee",
   ``FACT_WORDS``) the source does not use;
4. a raw value written out instead of its placeholder counts as that placeholder only when it
   is character for character one of the source's values (whitespace aside); ``$12.50`` for a
   source's ``12.50 USD`` is refused: the model has no business reformatting a fact.

On success the decision carries the candidate with its placeholders replaced by the values.

For a summary (``context.task == "summary"``) the source is the passages, which the answer is
not expected to repeat whole: rule 1 is waived, rules 2 to 4 hold against the passages.
"""

from __future__ import annotations

import re
from collections import Counter

from pydantic import BaseModel, Extra, Field

from guardrails.rails.fact_lock.facts import (
    DEFAULT_CARRIERS,
    FACT_WORDS,
    Fact,
    Locked,
    blank,
    carrier_pattern,
    fact_words,
    find_facts,
    lock,
    number_words,
    placeholders,
    unlock,
)
from guardrails.rails.types import Context, Decision

__all__ = ["Locked", "Settings", "check", "lock", "unlock"]

NAME = "fact_lock"


class Settings(BaseModel):
    """``fact_lock`` in rails.yml."""

    carriers: list[str] = Field(default_factory=lambda: list(DEFAULT_CARRIERS), min_items=1)
    """Carrier names treated as facts (a carrier is a fact: "with UPS" must not become DHL)."""
    allow_raw_values: bool = True
    """Accept a source value written out in full instead of its placeholder (rule 4)."""
    fact_words: list[str] = Field(default_factory=lambda: sorted(FACT_WORDS))
    """Words that state a time, amount or quantity without digits (rule 3)."""

    class Config:
        extra = Extra.forbid
        allow_mutation = False


def _refuse(reason: str) -> Decision:
    return Decision(rail=NAME, allowed=False, score=1.0, reason=reason)


def _sequence(
    text: str, source: Locked, settings: Settings
) -> tuple[list[tuple[int, str]], str | None]:
    """The source placeholders ``text`` uses with their offsets, in order; or why it may not."""
    marks = placeholders(text)
    unknown = [p for _, _, p in marks if p not in source.values]
    if unknown:
        return [], f"unknown placeholder {unknown[0]}"
    rest = blank(text, [(s, e) for s, e, _ in marks])
    used: list[tuple[int, str]] = [(s, p) for s, _, p in marks]
    pattern = carrier_pattern(settings.carriers)
    for fact in find_facts(rest, pattern):
        placeholder = source.placeholder_of(fact.value) if settings.allow_raw_values else None
        if placeholder is None:
            return [], f"new {fact.kind} not in the source"
        used.append((fact.start, placeholder))
    if "[" in rest and any(_looks_like_placeholder(rest, f) for f in _brackets(rest)):
        return [], "malformed placeholder"
    return sorted(used), None


def _brackets(text: str) -> list[Fact]:
    out, start = [], text.find("[")
    while start != -1:
        end = text.find("]", start)
        if end == -1:
            break
        out.append(Fact("BRACKET", start, end + 1, text[start : end + 1]))
        start = text.find("[", end)
    return out


def _looks_like_placeholder(text: str, fact: Fact) -> bool:
    inner = fact.value[1:-1].strip()
    return len(inner) >= 3 and inner.replace("_", "").isupper()


def _kind(placeholder: str) -> str:
    return placeholder[1:].rsplit("_", 1)[0]


def _compare(source: Locked, used: list[str]) -> str | None:
    """Why ``used`` does not carry the same facts as the source (rule 1), or None."""
    want, got = Counter(source.order), Counter(used)
    for placeholder, count in want.items():
        if got[placeholder] < count:
            return f"dropped {_kind(placeholder)}"
        if got[placeholder] > count:
            return f"duplicated {_kind(placeholder)}"
    for kind in {_kind(p) for p in source.order}:
        if [p for p in source.order if _kind(p) == kind] != [p for p in used if _kind(p) == kind]:
            return f"swapped {kind}"
    return None


LABELS = {"order": "ORDER_ID", "tracking": "TRACKING", "return": "RMA_ID", "case": "ID"}
"""Words that say which kind of fact follows them."""
_LABEL = re.compile(
    rf"\b({'|'.join(LABELS)})(?:\s+(?:number|no\.?|id|reference|ref\.?))?\s*[:#]?\s*$",
    re.IGNORECASE,
)


def _labels(text: str, positions: list[tuple[int, str]]) -> set[tuple[str, str]]:
    """(label word, placeholder) for each placeholder right after a label word."""
    pairs = set()
    for start, placeholder in positions:
        match = _LABEL.search(text[max(0, start - 40) : start])
        if match:
            pairs.add((match.group(1).lower(), placeholder))
    return pairs


def _mislabelled(text: str, used: list[tuple[int, str]], source: Locked) -> str | None:
    source_pairs = _labels(source.text, [(m[0], m[2]) for m in placeholders(source.text)])
    for label, placeholder in sorted(_labels(text, used) - source_pairs):
        if LABELS[label] != _kind(placeholder):
            return f"{_kind(placeholder)} labelled as {LABELS[label]}"
    return None


def check(text: str, context: Context, settings: Settings) -> Decision:
    """Accept ``text`` only with the source's facts; return it with the values put back."""
    summary = context.task == "summary"
    source_text = "\n".join([context.source, *context.passages]) if summary else context.source
    source = lock(source_text, settings.carriers)
    positions, reason = _sequence(text, source, settings)
    if reason is not None:
        return _refuse(reason)
    used = [p for _, p in positions]
    if number_words(text) - number_words(source_text):
        return _refuse("spelled number not in the source")
    vocabulary = frozenset(w.lower() for w in settings.fact_words)
    if fact_words(text, vocabulary) - fact_words(source_text, vocabulary):
        return _refuse("time, money or quantity word not in the source")
    if not summary:
        reason = _compare(source, used) or _mislabelled(text, positions, source)
        if reason is not None:
            return _refuse(reason)
    return Decision(rail=NAME, allowed=True, score=0.0, text=unlock(text, source))
