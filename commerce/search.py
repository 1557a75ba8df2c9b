"""Which catalogue products a shopper's words name: "how many t-shirt options do you have?".

Pure: the query layer passes the catalogue's names in. Each product is scored by how much of
its name the text covers, each name word weighed by how rare it is in the catalogue (inverse
document frequency), so "smart watch" covers all of the Smart Watch and half of the Smart
Thermostat, and a brand word shared by forty products counts for little. Words are compared
lower-case without hyphens ("T-Shirt", "t shirt", "tshirt" and "tshirts" are one word) and
with a plural "s" dropped; a word of five letters or more may carry one typo after its first
letter (so "right" is not a "light").

The caller gets every product with a positive score, best first, and decides what is close
enough: the assistant answers for a clear winner and asks "which one?" between close ones.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# A word the shopper typed is read with one typo only from this length on ("jaket" is a
# jacket; "mug" is not a "rug").
TYPO_MIN_LENGTH = 5
TYPO_WEIGHT = 0.85


def _plain(word: str) -> str:
    """Lower case, hyphens out, a plural "s" dropped: "T-Shirts" -> "tshirt"."""
    word = word.replace("-", "")
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def name_words(name: str) -> list[str]:
    """The words of a product name as they are compared ("E-Reader" is one word)."""
    return [_plain(w) for w in _WORD.findall(name.lower())]


def text_words(text: str) -> set[str]:
    """The words of what the shopper typed, and each pair of them run together.

    Pairs let "t shirt" and "e reader" reach the one-word names "T-Shirt" and "E-Reader".
    """
    found = [_plain(w) for w in _WORD.findall(text.lower())]
    return set(found) | {_plain(a + b) for a, b in pairwise(found)}


def _one_edit(a: str, b: str) -> bool:
    """True when ``a`` becomes ``b`` by one insertion, deletion, substitution or swap."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diff) == 1:
            return True
        i = diff[0]
        return len(diff) == 2 and diff[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    short, long = sorted((a, b), key=len)
    i = next((k for k, (x, y) in enumerate(zip(short, long, strict=False)) if x != y), len(short))
    return short[i:] == long[i + 1 :]


def _word_match(word: str, typed: set[str]) -> float:
    """How well the shopper's words hold one name word: 1, 0.85 with a typo, else 0."""
    if word in typed:
        return 1.0
    if len(word) >= TYPO_MIN_LENGTH and any(
        len(t) >= TYPO_MIN_LENGTH and t[0] == word[0] and _one_edit(word, t) for t in typed
    ):
        return TYPO_WEIGHT
    return 0.0


@dataclass(frozen=True)
class Scored:
    """A product and how much of its name the shopper's words cover (0 to 1)."""

    product_id: str
    score: float


def idf(names: Iterable[Sequence[str]]) -> dict[str, float]:
    """Inverse document frequency of each name word over the catalogue."""
    listed = [set(words) for words in names]
    counts = Counter(word for words in listed for word in words)
    total = len(listed)
    return {word: math.log((total + 1) / (n + 1)) + 1.0 for word, n in counts.items()}


def rank(text: str, catalogue: Sequence[tuple[str, str]]) -> list[Scored]:
    """Products of ``catalogue`` (id, name) that ``text`` names, best first.

    Ties keep the catalogue's order, so a caller that lists products by id gets a stable
    answer.
    """
    typed = text_words(text)
    if not typed:
        return []
    names = [(pid, name_words(name)) for pid, name in catalogue]
    weights = idf(words for _, words in names)
    scored: list[Scored] = []
    for pid, words in names:
        unique = set(words)
        whole = sum(weights[w] for w in unique)
        covered = sum(weights[w] * _word_match(w, typed) for w in unique)
        if covered > 0 and whole > 0:
            scored.append(Scored(pid, round(covered / whole, 4)))
    return sorted(scored, key=lambda s: -s.score)
