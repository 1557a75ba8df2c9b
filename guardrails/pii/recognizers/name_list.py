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

from guardrails.pii.recognizers.person import (
    CONTRACTION,
    NOT_NAMES,
    THING_WORDS,
    PersonRecognizer,
    firm_names,
)


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
    TOKEN = re.compile(r"(?<![\w@.#/-])(?:[^\W\d_]\.(?=\s)|[^\W\d_][\w'’-]*)")
    # Words after which a capitalised run names a thing, not a person.
    THING_WORDS = THING_WORDS
    # Before these a lone surname is a place ("arrived at Lendava", "I'm in Assen").
    PLACE_CUES = ("in", "at", "near", "from")  # "at" and "from" only before a surname
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
        model = [
            (e.start_char, e.end_char)
            for e in (nlp_artifacts.entities if nlp_artifacts else [])
            if e.label_ in ("PERSON", "PER")
        ]
        accepted = {
            i
            for i, run in enumerate(runs)
            if any(s <= run[0].start() and run[-1].end() <= e for s, e in model)
        }
        for index, run in enumerate(runs):
            after = text[run[-1].end() :].split(None, 1)
            last_word = run[-1].group().strip(".").lower()
            if last_word in self.THING_WORDS or (
                after and after[0].strip(".,;:!?").lower() in self.THING_WORDS
            ):
                continue  # "Jones Orchestra", "Drake PLC": a thing named after someone
            kinds = [self._kind(m.group().rstrip(".").lower()) for m in run]
            alone = self._alone_on_line(text, run)
            for start, end in self._segments(kinds):
                after_title = start > 0 and kinds[start - 1] == "title"
                if not (
                    self._is_name(kinds[start:end])
                    or self._unlisted_name(run[start:end], kinds[start:end])
                    or (after_title and "word" not in kinds[start:end])
                    or (alone and end - start > 1 and self._all_names(kinds[start:end]))
                ):
                    continue
                before = text[: run[start].start()].split()[-1:]
                place = bool(before) and before[0] in self.PLACE_CUES
                if (
                    place
                    and end - start == 1
                    and (before[0] in ("in", "near") or kinds[start] == "last")
                ):
                    continue
                results.append(self._result(run[start].start(), run[end - 1].end()))
                accepted.add(index)
        # "Kónya, Becker and Vasquez": the words listed with a name are names too.
        for chain in self._lists(text, runs):
            if any(i in accepted for i in chain):
                for i in chain:
                    kind = self._kind(runs[i][0].group().lower())
                    if len(runs[i]) == 1 and i not in accepted and kind in ("foreign", "name-word"):
                        results.append(self._result(runs[i][0].start(), runs[i][-1].end()))
        results += self._lower_case_names(text)
        speakers = list(self.SPEAKER.finditer(text))
        # In a dialogue (two speakers or more) a name no list holds is a speaker too.
        speaker_kinds = {"first", "last", "name-word"}
        if len(speakers) > 1:
            speaker_kinds.add("foreign")
        for match in speakers:
            word = match.group(1).lower()
            if word not in self.LABELS and self._kind(word) in speaker_kinds:
                results.append(self._result(match.start(1), match.end(1)))
        firms = firm_names(text)
        return [r for r in results if not any(s <= r.start and r.end <= e for s, e in firms)]

    # A line holding only a name, as in a signature or an address block ("> Gyala Antall").
    LINE_PREFIX = re.compile(r"[ \t>?]*")

    def _alone_on_line(self, text: str, run: list[re.Match[str]]) -> bool:
        line_start = text.rfind("\n", 0, run[0].start()) + 1
        line_end = text.find("\n", run[-1].end())
        line_end = len(text) if line_end < 0 else line_end
        prefix = text[line_start : run[0].start()]
        return (
            self.LINE_PREFIX.fullmatch(prefix) is not None
            and not text[run[-1].end() : line_end].strip()
        )

    @staticmethod
    def _all_names(kinds: list[str]) -> bool:
        return all(k in ("first", "last", "foreign", "initial") for k in kinds)

    # Capitalised words that never start or continue a name ("The Clark, Romero and Hall").
    NEVER_OPEN = frozenset("The A An This That These At In On Of And Or For From To By".split())
    # Form and mail labels that are also listed names somewhere ("Name:", "Date:").
    LABELS = frozenset(
        "name date phone address email mail website note subject when where user bot to from "
        "cc re fax office mobile title company city country state zip code".split()
    )
    # "Destiny: Remember me?": a speaker's name opening a line of dialogue.
    SPEAKER = re.compile(r"(?m)^[ \t>]*([^\W\d_][\w'’-]+):[ \t]*[\"“]?[^\W\d_]")

    LOWER_PAIR = re.compile(r"(?<![\w@.#/-])([^\W\d_]{2,}) ([^\W\d_]{2,})(?![\w@/-])")

    def _lower_case_names(self, text: str) -> list[RecognizerResult]:
        """ "naomi ryan", "monika žilková": a listed first name, then a surname, in lower case.

        Both words must be in no dictionary, so "will price" or "grace period" never count.
        """
        results = []
        for match in self.LOWER_PAIR.finditer(text):
            first, last = match.group(1), match.group(2)
            if not (first.islower() and last.islower()):
                continue
            if self._kind(first) == "first" and self._kind(last) in ("first", "last"):
                results.append(self._result(match.start(), match.end()))
        return results

    @staticmethod
    def _lists(text: str, runs: list[list[re.Match[str]]]) -> list[list[int]]:
        """Chains of one-word runs joined by ", " or " and " (a list of names or a firm)."""
        chains: list[list[int]] = []
        for index, run in enumerate(runs):
            gap = text[runs[index - 1][-1].end() : run[0].start()] if index else ""
            joined = chains and chains[-1][-1] == index - 1 and len(runs[index - 1]) == 1
            if joined and gap in (", ", " and ", ", and "):
                chains[-1].append(index)  # the last item may run on ("and Hall Orchestra")
            elif len(run) == 1:
                chains.append([index])
        return [c for c in chains if len(c) > 1]

    def _runs(self, text: str) -> list[list[re.Match[str]]]:
        """Neighbouring capitalised words (separated by one or two spaces), up to four."""
        runs: list[list[re.Match[str]]] = []
        for match in self.TOKEN.finditer(text):
            if not match.group()[0].isupper() or match.group() in self.NEVER_OPEN:
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

    def _unlisted_name(self, words: list[re.Match[str]], kinds: list[str]) -> bool:
        """Two or three capitalised words that no list and no dictionary holds in any form.

        The lists hold the names of Faker's locales; a name from elsewhere ("Bekbolat
        Musliyevich", "Elínborg Guðmundsdóttir") is two unknown words in a row, which English
        text seldom has otherwise. A lone unknown word is still no name (a firm, a place), and
        capitalised words that are inflected dictionary words, contractions or job titles are
        not unknown ("You're Supposed", "Awarded Salesperson").
        """
        if not 2 <= len(kinds) <= 3 or kinds[0] != "foreign" or kinds[-1] != "foreign":
            return False
        if not set(kinds) <= {"foreign", "initial"}:
            return False
        pairs = zip(words, kinds, strict=True)
        return all(self._unknown(m.group()) for m, k in pairs if k == "foreign")

    def _unknown(self, word: str) -> bool:
        lower = word.lower()
        if word.isupper() or CONTRACTION.search(word) or lower.endswith(("person", "ers")):
            return False  # "VIC", "You're", "Salesperson", "Developers"
        return not any(stem in self.dictionary for stem in PersonRecognizer._stems(lower))

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
