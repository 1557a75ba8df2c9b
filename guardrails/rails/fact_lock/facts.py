"""Finding the facts in a reply, and hiding them from a model behind placeholders.

A fact is anything a shopper could act on or hold us to: an order, return or case id, an
amount, a date, a duration or a time, a tracking number, a carrier, an e-mail address, a URL,
a phone number, and any other run of digits. :func:`lock` replaces each by ``[KIND_n]`` so the
rephrasing model never sees (and cannot alter) the values; :func:`unlock` puts them back.

Detection runs in two passes. The first takes the specific kinds (longest match first where
two overlap, ties broken by the order of :data:`PATTERNS`); the second takes whatever digits
are left as a bare count or, when mixed with letters or punctuation, a number. A reply with a
digit in it therefore never has an unlocked digit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

DEFAULT_CARRIERS = (
    "UPS", "USPS", "FedEx", "DHL", "DHL Express", "Amazon Logistics", "OnTrac", "LaserShip",
    "Royal Mail", "Parcelforce", "Evri", "Hermes", "DPD", "GLS", "Canada Post", "Purolator",
    "Australia Post", "PostNL", "La Poste", "Colissimo", "Chronopost", "Deutsche Post",
    "Correos", "SEUR", "Poste Italiane", "TNT", "Aramex",
)  # fmt: skip
"""Carriers named in replies; the rail's settings may replace the list."""

_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?)"
)
_FULL_MONTH_NOT_MAY = (
    r"(?:January|February|March|April|June|July|August|September|October|November|December)"
)
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_WEEKDAY_ANY = rf"(?:{_WEEKDAY}|(?:Mon|Tues|Tue|Wed|Thurs|Thur|Thu|Fri|Sat|Sun)\.?)"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?(?!\d)"
_TIME = r"\d{1,2}(?::\d{2})?\s?(?:[ap]\.m\.|[ap]m\b)|\d{1,2}:\d{2}(?::\d{2})?(?!\d)"
_NUM = r"\d{1,3}(?:[,.\u202f ]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_CODES = r"(?:USD|EUR|GBP|CAD|AUD|CHF|SEK|NOK|DKK|PLN|MXN|JPY)"
_UNITS = r"(?:business\s+|working\s+|calendar\s+)?(?:days?|weeks?|months?|hours?|minutes?|years?)"

PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("URL", re.compile(r"\bhttps?://[^\s<>\"'\]]+|\bwww\.[^\s<>\"'\]]+", re.IGNORECASE)),
    (
        "EMAIL",
        re.compile(
            r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+'-]{0,63}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
            r"\.[A-Za-z]{2,24}\b"
        ),
    ),
    ("ORDER_ID", re.compile(r"(?i)\bAC[\s-]?\d{6}\b|#\d{6}\b|#?\bW\d{7}\b")),
    ("RMA_ID", re.compile(r"(?i)\bRMA[\s-]?\d{3,}\b")),
    ("ID", re.compile(r"\b[A-Z]{2,5}-\d{3,}(?:-[A-Z0-9]+)*\b")),
    ("TRACKING", re.compile(r"\b1Z[0-9A-Z]{16}\b|(?<![\d+-])\b\d{12,22}\b(?![\d-])")),
    (
        "PHONE",
        re.compile(
            r"(?<![\w+])\+\d{1,3}[\s.-]?\(?\d{1,4}\)?(?:[\s.-]?\d{2,4}){2,4}\b"
            r"|(?<![\w(])\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b"
        ),
    ),
    (
        "AMOUNT",
        re.compile(
            rf"[-−]?[$€£¥]\s?(?:{_NUM})(?!\d)"
            rf"|(?<![\w.,])(?:{_NUM})\s?(?:[$€£¥%]|{_CODES}\b|(?:dollars?|euros?|pounds?|cents?"
            r"|percent)\b)"
            rf"|\b{_CODES}\s?(?:{_NUM})(?!\d)"
        ),
    ),
    (
        "DATE",
        re.compile(
            r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
            r"(?![\w-])"
            r"|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b|\b\d{1,2}\.\d{1,2}\.\d{2,4}\b"
            rf"|\b(?:{_WEEKDAY_ANY},?\s+)?(?:{_MONTH}\s+{_DAY}|{_DAY}\s+(?:of\s+)?{_MONTH})"
            rf"(?:,?\s+\d{{4}})?(?:,?\s+(?:at\s+)?(?:{_TIME}))?(?!\w)"
            rf"|\b{_MONTH}\s+\d{{4}}\b"
            rf"|(?<![\w.,])\d+(?:\s?(?:to|-|–|or)\s?\d+)?\s+{_UNITS}\b"
            rf"|(?<![\w.,:])(?:{_TIME})"
            rf"|\b{_WEEKDAY}s?\b|\b{_FULL_MONTH_NOT_MAY}\b"
            r"|\b(?:today|tonight|tomorrow|yesterday|overnight|next\s+(?:week|month|year)"
            r"|this\s+(?:week|weekend|month|year)|end\s+of\s+(?:the\s+)?(?:day|week|month))\b",
            re.IGNORECASE,
        ),
    ),
)
"""The specific kinds, most specific first (the order breaks ties between equal matches)."""

_COUNT = re.compile(r"(?<![\w.,])\d+(?![\w]|[.,]\d)")
_NUMBER = re.compile(r"[\w#]*\d(?:[\w#./,:'-]*[\w#])?")
PLACEHOLDER = re.compile(r"\[([A-Z]+(?:_[A-Z]+)*)_(\d+)\]")
NUMBER_WORDS = frozenset(
    "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "hundred thousand million dozen half double twice triple first second third fourth fifth "
    "sixth seventh eighth ninth tenth".split()
)
"""Spelled numbers a candidate may use only when the source does ("one" is too common)."""
_WORDS = re.compile(r"[A-Za-z]+")
FACT_WORDS = frozenset(
    "day days week weeks weekend month months hour hours minute minutes year years later "
    "sooner earlier soon late delay fee fees charge charges surcharge cost costs price prices "
    "cheaper dollar dollars cent cents bucks half twice double triple few several couple "
    "roughly approximately extra bonus".split()
)
"""Words that state a time, an amount or a quantity without a digit ("a day later", "plus a
small fee"): a candidate may use them only where the source does."""


@dataclass(frozen=True)
class Fact:
    """One value found in a text."""

    kind: str
    start: int
    end: int
    value: str


@dataclass(frozen=True)
class Locked:
    """A text with its facts replaced by placeholders.

    Attributes:
        text: The masked text, e.g. ``Order [ORDER_ID_1] ships [DATE_1].``
        values: Placeholder to value, e.g. ``{"[ORDER_ID_1]": "AC-123456"}``; a value that
            occurs twice has one placeholder.
        order: The placeholders in the order they occur in ``text``, repeats included.
    """

    text: str
    values: Mapping[str, str]
    order: tuple[str, ...]

    def placeholder_of(self, value: str) -> str | None:
        """The placeholder standing for ``value`` (compared with whitespace collapsed)."""
        wanted = _normal(value)
        return next((p for p, v in self.values.items() if _normal(v) == wanted), None)


def _normal(value: str) -> str:
    return " ".join(value.split())


def carrier_pattern(carriers: Sequence[str]) -> re.Pattern[str]:
    """Carrier names as whole words, longest first so "DHL Express" wins over "DHL"."""
    return _carrier_pattern(tuple(carriers))


@lru_cache(maxsize=16)
def _carrier_pattern(carriers: tuple[str, ...]) -> re.Pattern[str]:
    names = sorted({c.strip() for c in carriers if c.strip()}, key=len, reverse=True)
    if not names:
        return re.compile(r"(?!x)x")
    alternatives = "|".join(r"\s+".join(map(re.escape, name.split())) for name in names)
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


_DEFAULT_CARRIER_PATTERN = carrier_pattern(DEFAULT_CARRIERS)


def _trim_url(value: str) -> str:
    return value.rstrip(".,;:!?)'\"")


def find_facts(text: str, carriers: re.Pattern[str] | None = None) -> list[Fact]:
    """Every fact in ``text``, left to right, without overlaps."""
    candidates: list[tuple[int, int, int, str]] = []
    kinds = [*PATTERNS, ("CARRIER", carriers or _DEFAULT_CARRIER_PATTERN)]
    for rank, (kind, pattern) in enumerate(kinds):
        for match in pattern.finditer(text):
            start, end = match.span()
            if kind == "URL":
                end = start + len(_trim_url(match.group()))
            if end > start:
                candidates.append((start, -(end - start), rank, kind))
    taken: list[Fact] = []
    busy = [False] * len(text)
    for start, negative_length, _, kind in sorted(candidates):
        end = start - negative_length
        if any(busy[start:end]):
            continue
        busy[start:end] = [True] * (end - start)
        taken.append(Fact(kind, start, end, text[start:end]))
    # Second pass: digits nothing specific claimed, on the text with the claimed spans blanked.
    rest = "".join("\0" if b else c for c, b in zip(text, busy, strict=True))
    for match in _NUMBER.finditer(rest):
        start, end = match.span()
        kind = "COUNT" if _COUNT.fullmatch(match.group()) else "NUMBER"
        taken.append(Fact(kind, start, end, text[start:end]))
    return sorted(taken, key=lambda f: f.start)


def fact_words(text: str, vocabulary: frozenset[str] = FACT_WORDS) -> set[str]:
    """The words of ``vocabulary`` in ``text``, lower case."""
    return {w for w in (m.group().lower() for m in _WORDS.finditer(text)) if w in vocabulary}


def number_words(text: str) -> set[str]:
    """The spelled numbers in ``text``, lower case."""
    return {w for w in (m.group().lower() for m in _WORDS.finditer(text)) if w in NUMBER_WORDS}


def lock(text: str, carriers: Sequence[str] | None = None) -> Locked:
    """``text`` with every fact replaced by ``[KIND_n]``, numbered per kind in order of first use.

    Args:
        text: A rendered template (values filled in).
        carriers: Carrier names to protect; defaults to :data:`DEFAULT_CARRIERS`.
    """
    pattern = carrier_pattern(carriers) if carriers is not None else None
    values: dict[str, str] = {}
    by_value: dict[tuple[str, str], str] = {}
    counters: dict[str, int] = {}
    parts: list[str] = []
    order: list[str] = []
    cursor = 0
    for fact in find_facts(text, pattern):
        key = (fact.kind, _normal(fact.value))
        placeholder = by_value.get(key)
        if placeholder is None:
            counters[fact.kind] = counters.get(fact.kind, 0) + 1
            placeholder = f"[{fact.kind}_{counters[fact.kind]}]"
            by_value[key] = placeholder
            values[placeholder] = fact.value
        parts += [text[cursor : fact.start], placeholder]
        order.append(placeholder)
        cursor = fact.end
    parts.append(text[cursor:])
    return Locked(text="".join(parts), values=values, order=tuple(order))


def unlock(candidate: str, locked: Locked) -> str:
    """``candidate`` with each known placeholder replaced by its value; unknown ones stay."""
    return PLACEHOLDER.sub(lambda m: locked.values.get(m.group(), m.group()), candidate)


def placeholders(text: str) -> list[tuple[int, int, str]]:
    """The well-formed placeholders in ``text`` as (start, end, placeholder)."""
    return [(m.start(), m.end(), m.group()) for m in PLACEHOLDER.finditer(text)]


def blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` with ``spans`` replaced by NUL characters of the same length (offsets kept)."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = ["\0"] * (end - start)
    return "".join(chars)
