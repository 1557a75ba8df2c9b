"""Every sentence of a candidate rests on the text it answers from, and so does every number.

The support is ``context.passages`` plus ``context.source`` (for a rephrase, passages are empty
and the source template is the only support: the candidate may make no claim it does not).
A candidate sentence is supported when

- enough of its content words (stopwords dropped, a common ending cut off and compared by
  their first five letters, so "refunded" meets "refund") occur in the support: ``lexical_min``; or
- its MiniLM embedding (``recommender.embeddings.shared_embedder``) is within ``cosine_min``
  of some support sentence.

The lexical test runs first; only sentences it cannot support are embedded, so a faithful
rephrase costs no model call, and with ``both`` a sentence sharing less than
``lexical_floor`` of its words is refused outright (an appended instruction, a sentence in
another language): MiniLM is asked only about the middle band, where paraphrases live.
Sentences with no content word ("Sure!", "Thanks for your patience!", "Hope this helps!":
stopwords and ``COURTESY`` words only) claim nothing and pass.
Every number in the candidate (digits, with separators removed) must occur in the support.
``method`` picks ``lexical``, ``embedding`` or ``both`` (either one supports); the benchmark
(``python -m benchmarks.guardrails_output``) measures each.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, Extra, Field

from guardrails.rails.types import Context, Decision

NAME = "grounding"

STOPWORDS = frozenset(
    """a about above after again all also am an and any are as at be been before being below
    between both but by can could did do does doing done down during each even ever every few
    for from further get gets got had has have having he her here hers him his how i if in into
    is it its itself just let lets may me might more most much must my no nor not now of off
    on once one only or other our ours out over own please quite rather really right same she
    should so some such sure than thank thanks that the their them then there these they this
    those through to too under until up upon us very via was we were what when where which
    while who whom why will with within without would yes yet you your yours ok okay hi hello
    dear great happy glad course certainly absolutely just also here's there's that's it's
    i'm i'll i've we're we'll we've you're you'll you've don't can't won't isn't aren't
    hasn't haven't didn't doesn't couldn't wouldn't shouldn't let's""".split()
)
COURTESY = frozenset(
    """good news set hope helps help helpful patience thank thanks glad happy welcome sure
    great apologies sorry unfortunately kindly know questions question feel
    free ask reach out day wonderful nice""".split()
)
"""Words of politeness that claim nothing ("Thanks for your patience!", "Hope this helps!")."""
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_DIGITS = re.compile(r"\d[\d,.\u202f]*\d|\d")


class Settings(BaseModel):
    """``grounding`` in rails.yml."""

    method: Literal["lexical", "embedding", "both"] = "both"
    lexical_min: float = Field(0.6, ge=0.0, le=1.0)
    """Share of a sentence's content words found in the support."""
    cosine_min: float = Field(0.75, ge=-1.0, le=1.0)
    """MiniLM cosine to the closest support sentence."""
    lexical_floor: float = Field(0.25, ge=0.0, le=1.0)
    """With ``both``: a sentence sharing less than this is refused without asking MiniLM."""

    class Config:
        extra = Extra.forbid
        allow_mutation = False


def sentences(text: str) -> list[str]:
    """``text`` split at sentence ends and line breaks, empty pieces dropped."""
    return [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]


_SUFFIX = re.compile(r"(?:ings?|ed|es|s|ly)$")


def stem(word: str) -> str:
    """A crude stem: a common ending off, then the first five letters ("packed" is "pack")."""
    word = word.strip("'-")
    return (_SUFFIX.sub("", word) if len(word) > 4 else word)[:5]


def stems(text: str) -> list[str]:
    """Content words, lower case, stemmed."""
    words = (w.lower().replace("’", "'") for w in _WORD.findall(text))
    return [stem(w) for w in words if w not in STOPWORDS | COURTESY and len(w.strip("'-")) > 1]


def numbers(text: str) -> set[str]:
    """Every number in ``text`` as its digits alone ("1,250.00" and "1250.00" agree)."""
    return {re.sub(r"\D", "", m.group()) for m in _DIGITS.finditer(text)}


def lexical_support(sentence: str, support: frozenset[str]) -> float:
    """Share of the sentence's content words found in ``support`` (1.0 when it has none)."""
    words = stems(sentence)
    if not words:
        return 1.0
    return sum(w in support for w in words) / len(words)


def _embedder() -> Any:
    from recommender.embeddings import shared_embedder

    return shared_embedder()


@lru_cache(maxsize=256)
def _support_vectors(support_sentences: tuple[str, ...]) -> Any:
    return _embedder().embed(list(support_sentences))


def cosine_support(candidates: Sequence[str], support_sentences: Sequence[str]) -> list[float]:
    """Each candidate sentence's best cosine to a support sentence."""
    if not candidates or not support_sentences:
        return [0.0] * len(candidates)
    vectors = _embedder().embed(list(candidates))
    similarity = vectors @ _support_vectors(tuple(support_sentences)).T
    return [float(row.max()) for row in similarity]


def _support(context: Context) -> str:
    return "\n".join(dict.fromkeys(t for t in (context.source, *context.passages) if t))


def check(text: str, context: Context, settings: Settings) -> Decision:
    """Refuse an unsupported sentence or a number the support does not contain."""
    support = _support(context)
    if numbers(text) - numbers(support):
        return Decision(rail=NAME, allowed=False, score=1.0, reason="number not in the support")
    words = frozenset(stems(support))
    pending: list[str] = []
    worst = 1.0
    for sentence in sentences(text):
        if not stems(sentence):
            continue
        share = lexical_support(sentence, words)
        if settings.method != "embedding" and share >= settings.lexical_min:
            worst = min(worst, share)
            continue
        if settings.method == "lexical" or (
            settings.method == "both" and share < settings.lexical_floor
        ):
            return Decision(rail=NAME, allowed=False, score=1 - share, reason="unsupported")
        pending.append(sentence)
    if pending:
        cosines = cosine_support(pending, sentences(support))
        low = min(cosines)
        if low < settings.cosine_min:
            return Decision(rail=NAME, allowed=False, score=1 - low, reason="unsupported")
        worst = min(worst, low)
    return Decision(rail=NAME, allowed=True, score=round(1 - worst, 3))
