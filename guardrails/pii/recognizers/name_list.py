"""Capitalised person names the small spaCy model misses, found with lists of real names.

``en_core_web_sm`` misses a third of the names in long international text ("Efimiya, Mary,
Ariana", "Sigrid Nyström", "Tomomi Nishiyama lives at ..."). Faker, already a dependency,
ships the first and last names of 90-odd locales (about 26,000 of each); a capitalised word
that is one of them is a name when the English dictionary does not also hold it, or when it
stands next to another name word ("Grace Kelly", "Will Price"). Words a shopper capitalises
for other reasons ("Price", "May", "Will") therefore never count alone.
"""

from __future__ import annotations

import importlib
import re
from functools import lru_cache

from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from guardrails.pii.recognizers.person import NOT_NAMES


@lru_cache(maxsize=1)
def name_lists() -> tuple[frozenset[str], frozenset[str]]:
    """(first names, last names) of every Faker locale, lower case."""
    from faker.config import AVAILABLE_LOCALES

    first: set[str] = set()
    last: set[str] = set()
    for locale in AVAILABLE_LOCALES:
        try:
            provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        except (ImportError, AttributeError):
            continue
        for attribute in dir(provider):
            values = getattr(provider, attribute)
            if not isinstance(values, dict | tuple | list):
                continue
            if attribute.startswith("first_names"):
                first.update(str(v).lower() for v in values)
            elif attribute.startswith("last_names"):
                last.update(str(v).lower() for v in values)
    return frozenset(first), frozenset(last)


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The GCIDE dictionary in lower case (also used by the cue-based person recognizer)."""
    from english_words import get_english_words_set

    return frozenset(get_english_words_set(["gcide"], alpha=True, lower=True))


class NameListRecognizer(LocalRecognizer):
    """Runs of capitalised words made of known first and last names (and initials)."""

    SCORE = 0.75
    # A capitalised word (any script) or an initial ("M", "M."), with what may follow it.
    TOKEN = re.compile(r"(?<![\w@.#/-])[^\W\d_][\w'’-]*(?:\.(?=\s))?")
    # Words after which a capitalised run names a thing, not a person.
    THING_WORDS = frozenset(
        "inc inc. ltd ltd. llc corp corp. corporation company co co. group partners associates "
        "technologies software insurance orchestra band bank foundation university school "
        "hospital hotel street st road avenue lane drive bridge city club airlines".split()
    )
    TITLES = frozenset("mr mr. mrs mrs. ms ms. dr dr. prof prof. sir madam miss".split())
    # Listed as surnames somewhere, but in text they are places.
    PLACES = frozenset(
        "france spain poland italy germany england ireland wales scotland holland belgium "
        "norway sweden denmark finland austria hungary portugal brazil canada china japan "
        "india russia london paris berlin madrid rome vienna angeles francisco york".split()
    )

    def __init__(self, supported_language: str = "en") -> None:
        self.first: frozenset[str] = frozenset()
        self.last: frozenset[str] = frozenset()
        self.dictionary: frozenset[str] = frozenset()
        super().__init__(supported_entities=["PERSON"], supported_language=supported_language)

    def load(self) -> None:
        """The name lists and the dictionary, once per process."""
        self.first, self.last = name_lists()
        self.dictionary = english_words()

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """One result per stretch of capitalised words that holds a convincing name."""
        results = []
        runs = self._runs(text)
        accepted: set[int] = set()
        for index, run in enumerate(runs):
            after = text[run[-1].end() :].split(None, 1)
            if after and after[0].strip(".,;:!?").lower() in self.THING_WORDS:
                continue  # "Jones Orchestra", "Becker Group": a thing named after someone
            kinds = [self._kind(m.group().rstrip(".").lower()) for m in run]
            for start, end in self._segments(kinds):
                if self._is_name(kinds[start:end]):
                    results.append(self._result(run[start].start(), run[end - 1].end()))
                    accepted.add(index)
        # "Kónya, Becker and Vasquez": the words listed with a name are names too.
        for chain in self._lists(text, runs):
            if any(i in accepted for i in chain):
                for i in chain:
                    kind = self._kind(runs[i][0].group().lower())
                    if i not in accepted and kind in ("foreign", "name-word"):
                        results.append(self._result(runs[i][0].start(), runs[i][-1].end()))
        return results

    @staticmethod
    def _lists(text: str, runs: list[list[re.Match[str]]]) -> list[list[int]]:
        """Chains of one-word runs joined by ", " or " and " (a list of names)."""
        chains: list[list[int]] = []
        for index, run in enumerate(runs):
            if len(run) != 1:
                continue
            gap = text[runs[index - 1][-1].end() : run[0].start()] if index else ""
            if chains and chains[-1][-1] == index - 1 and gap in (", ", " and ", ", and "):
                chains[-1].append(index)
            else:
                chains.append([index])
        return [c for c in chains if len(c) > 1]

    def _runs(self, text: str) -> list[list[re.Match[str]]]:
        """Neighbouring capitalised words (separated by one or two spaces), up to four."""
        runs: list[list[re.Match[str]]] = []
        for match in self.TOKEN.finditer(text):
            if not match.group()[0].isupper():
                continue
            gap = text[runs[-1][-1].end() : match.start()] if runs else ""
            if runs and gap in (" ", "  ") and len(runs[-1]) < 4:
                runs[-1].append(match)
            else:
                runs.append([match])
        return runs

    @staticmethod
    def _segments(kinds: list[str]) -> list[tuple[int, int]]:
        """Index ranges of a run between dictionary words and titles, without end initials."""
        segments, start = [], 0
        for index, kind in enumerate([*kinds, "word"]):
            if kind in ("word", "title"):
                lo, hi = start, index
                while lo < hi and kinds[lo] == "initial":
                    lo += 1
                while hi > lo and kinds[hi - 1] == "initial":
                    hi -= 1
                if hi > lo:
                    segments.append((lo, hi))
                start = index + 1
        return segments

    @staticmethod
    def _is_name(kinds: list[str]) -> bool:
        """One listed name no dictionary holds, or several name words around a listed one."""
        if len(kinds) == 1:
            return kinds[0] in ("first", "last")
        if any(k in ("first", "last") for k in kinds):
            return True
        return kinds[0] == "name-word" and "foreign" in kinds

    def _kind(self, word: str) -> str:
        """first / last: a listed name no dictionary holds; name-word: a listed name that is
        also an English word; initial; title; foreign: in no list and no dictionary; word."""
        if word in self.TITLES or word + "." in self.TITLES or word in self.PLACES:
            return "title"
        if len(word) == 1:
            return "initial"
        base = re.sub(r"['’]s$", "", word)
        if base in NOT_NAMES:
            return "word"
        listed = base in self.first or base in self.last
        if base in self.dictionary:
            return "name-word" if listed else "word"
        if base in self.first:
            return "first"
        if base in self.last:
            return "last"
        return "foreign"

    def _result(self, start: int, end: int) -> RecognizerResult:
        return RecognizerResult(
            "PERSON",
            start,
            end,
            self.SCORE,
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: type(self).__name__,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            },
        )
