"""Person names: spaCy's NER, filtered, plus the ways shoppers introduce themselves."""

from __future__ import annotations

import re

from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

# After these a name follows whatever its case: "my name is maria lopez".
STRONG_CUES = (
    r"my name is|my name's|name is|name's|name:|names|call me|signed|regards,?|cheers,?|"
    r"thanks,|thank you,|best,|sincerely,?|from:|addressed to|recipient is|recipient:|"
    r"in the name of|under the name|under my name|for:"
)
# After these only a capitalised word is a name: "this is Maria" but not "this is ridiculous".
WEAK_CUES = (
    r"this is|i am|i'm|im|it's|its|hi,? i'm|hello,? i'm|me,|ask for|husband|wife|son|"
    r"daughter|mom|dad"
)
NAME_WORD = r"[^\W\d_][^\W\d_'’-]*(?:['’-][^\W\d_]+)?"

# Words that follow the cues but are not names ("thanks, that helps", "I'm waiting").
NOT_NAMES = frozenset(
    "a about again all already also am an and any anyone are as at back be been being but by "
    "can cant can't confused could did didnt do does dont don't for from get getting glad going "
    "gone good got had has have having he her here hi him his hope how i if in is it its just "
    "kind know like looking lost me mine more much my no not now of ok okay on one only or our "
    "out please pretty really right she so sorry still sure thank thanks that the their them "
    "then there they this to too trying unhappy up upset us very waiting want was we well were "
    "what when where which who why will with wondering would yes yet you your hello hey "
    "regarding order orders package parcel refund return customer ready new happy sad angry "
    "frustrated annoyed disappointed calling writing contacting reaching asking done fine "
    "great help interested moving mad tired away home afraid worried order# sir madam team "
    "support everyone guys all".split()
)


class PersonRecognizer(LocalRecognizer):
    """``PERSON`` from the spaCy model, without its false positives, and self-introductions.

    The stock engine tags bare numbers and order numbers as PERSON; here a name must contain a
    letter and no digit. The small English model misses lower-case names, which chat is full
    of, so a name after a cue like "my name is" is taken whatever its case.
    """

    NER_SCORE = 0.85
    CUE_SCORE = 0.8
    STRONG = re.compile(
        rf"(?i)(?<![\w])(?:{STRONG_CUES})\s+((?:{NAME_WORD})(?:\s+{NAME_WORD}){{0,2}})"
    )
    WEAK = re.compile(
        rf"(?i)(?<![\w])(?:{WEAK_CUES})\s+((?-i:[A-Z]){NAME_WORD}(?:\s+{NAME_WORD})?)"
    )

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(supported_entities=["PERSON"], supported_language=supported_language)

    def load(self) -> None:
        """Nothing to load: the analyzer's NLP engine has already run the spaCy model."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Names found by the model and after introduction cues."""
        results = [self._result(s, e, self.NER_SCORE) for s, e in self._ner_spans(nlp_artifacts)]
        for pattern in (self.STRONG, self.WEAK):
            for match in pattern.finditer(text):
                span = self._name_span(text, match.start(1), match.end(1))
                if span:
                    results.append(self._result(*span, self.CUE_SCORE))
        return results

    def _ner_spans(self, nlp_artifacts: NlpArtifacts | None) -> list[tuple[int, int]]:
        """Model PERSON spans that look like names: letters, no digits, not a stop word."""
        if nlp_artifacts is None:
            return []
        spans = []
        for entity in nlp_artifacts.entities:
            if entity.label_ not in ("PERSON", "PER"):
                continue
            words = entity.text.split()
            if any(c.isdigit() for c in entity.text) or not any(c.isalpha() for c in entity.text):
                continue
            if all(w.lower().strip(".,!?") in NOT_NAMES for w in words):
                continue
            spans.append((entity.start_char, entity.end_char))
        return spans

    @staticmethod
    def _name_span(text: str, start: int, end: int) -> tuple[int, int] | None:
        """The cue's name words up to the first word that is not a name, or None."""
        position = start
        last_end = None
        for word in re.finditer(r"\S+", text[start:end]):
            clean = word.group().strip(".,!?;:").lower()
            if not clean or clean in NOT_NAMES:
                break
            last_end = start + word.start() + len(word.group().rstrip(".,!?;:"))
            position = last_end
        return (start, last_end) if last_end and position > start else None

    def _result(self, start: int, end: int, score: float) -> RecognizerResult:
        return RecognizerResult(
            "PERSON",
            start,
            end,
            score,
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: type(self).__name__,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            },
        )
