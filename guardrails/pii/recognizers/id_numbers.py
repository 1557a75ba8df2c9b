"""Driver's licence and social security numbers named as such by the words before them.

Neither has a shape of its own: a licence number is any run of letters and digits a US state
chose ("6940579", "2270-66-1551", "D123-4567-8901"), and a social security number written with
spaces or without separators looks like a phone number or an order number. The words before
them tell: "my driver's license number is ...", "SSN: ...". Found this way they are tagged as
what they are, ahead of the phone recognizer, which would otherwise take the digits.
"""

from __future__ import annotations

import re
from typing import ClassVar

from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

# "driver's license number is", "drivers licence no.", "DL#", "driving licence:"
LICENCE_CUE = (
    r"(?:driver'?s'?|driving|driver)\s*(?:licen[cs]e|lic\b\.?)(?:\s+(?:number|no\.?|num|#|id))?"
    r"|\bd\.?l\.?\s*(?:#|no\.?|number)|(?-i:\bDL\b)|\blicen[cs]e\b(?:\s+(?:number|no\.?|num|#|id))?"
    # "my dl is ...", "lic. no. ...": the short forms, in lower case too ("dl" alone may be
    # "download", so only after a possessive)
    r"|\b(?:my|his|her|their|your)\s+dl\b|\blic\.?\s*(?:#|no\.?|number)"
)
SSN_CUE = r"\bssn|social\s+security(?:\s+(?:number|no\.?|num|#))?|\bsocial\s+sec\.?(?:\s+no\.?)?"
# The shapes US states give their licence numbers: letters then digits, digits, groups.
# Any run of letters, digits and dashes in up to four space-separated groups; ``analyze`` keeps
# the leading groups that hold a digit.
LICENCE_VALUE = r"(?=[a-z-]*\d)[a-z0-9][a-z0-9-]*(?:[ ][a-z0-9-]+){0,3}"
# Words that name a phone number: between a licence cue and a number, they name the number.
PHONE_CUE = re.compile(
    r"(?i)\b(?:phone|tel|telephone|mobile|cell|call|text|sms|whatsapp|reach|dial|fax)\b"
)
# The joining words a shopper puts between the cue and the value.
LINK = r"(?:\s*(?:is|was|=|:|#|-)\s*|\s+)(?:(?:is|was|:)\s+)?"
# A question, then the value: "can you confirm my license number? it's D512 3390".
ASKED = r"\?\s*(?:it['’]?s\s+|it\s+is\s+|:\s*)?"


class IdNumberRecognizer(LocalRecognizer):
    """``US_DRIVER_LICENSE`` and ``US_SSN`` right after the words that name them."""

    SCORE = 0.85
    LICENCE: ClassVar[re.Pattern[str]] = re.compile(
        rf"(?i)(?:{LICENCE_CUE})(?:{LINK}|{ASKED}|[^\d\n.?!]{{1,25}}?)(?<![\w-])({LICENCE_VALUE})(?![\w-])"
        rf"|(?<![\w-])({LICENCE_VALUE})(?![\w-])\s+(?:is|was)\s+(?:my|his|her|their|the)\s+"
        rf"(?:{LICENCE_CUE})"
    )
    SSN: ClassVar[re.Pattern[str]] = re.compile(
        rf"(?i)(?:{SSN_CUE}){LINK}(?<![\w-])(\d{{3}}([ .-]?)\d{{2}}\2\d{{4}})(?![\w-])"
    )

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=["US_DRIVER_LICENSE", "US_SSN"],
            supported_language=supported_language,
        )

    def load(self) -> None:
        """Nothing to load."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """The value after each cue, when it has the shape of its kind."""
        results = []
        for entity, pattern in (("US_DRIVER_LICENSE", self.LICENCE), ("US_SSN", self.SSN)):
            if entity not in entities:
                continue
            for match in pattern.finditer(text):
                group = 1 if match.group(1) else 2
                start, value = match.start(group), match.group(group)
                if entity == "US_SSN" and not self.possible_ssn(value):
                    continue
                if entity == "US_DRIVER_LICENSE":
                    if PHONE_CUE.search(text, match.start(), start):
                        continue  # "my license expired, call me on ...": the nearer cue wins
                    value = self.licence_number(value)
                    if not value:
                        continue
                results.append(self._result(entity, start, start + len(value)))
        return results

    MIN_LICENCE_DIGITS = 4

    @classmethod
    def licence_number(cls, value: str) -> str:
        """The leading groups of ``value`` that hold a digit ("D512 3390 2214", not "thanks").

        Empty when they hold fewer than four digits: "licence 2 days ago" names no number.
        """
        groups = []
        for group in value.split(" "):
            if not any(c.isdigit() for c in group):
                break
            groups.append(group)
        number = " ".join(groups)
        return number if sum(c.isdigit() for c in number) >= cls.MIN_LICENCE_DIGITS else ""

    @staticmethod
    def possible_ssn(value: str) -> bool:
        """Not a number the Social Security Administration never issues (000, 666, 9xx ...)."""
        digits = "".join(c for c in value if c.isdigit())
        area, group, serial = digits[:3], digits[3:5], digits[5:]
        return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"

    def _result(self, entity: str, start: int, end: int) -> RecognizerResult:
        return RecognizerResult(
            entity,
            start,
            end,
            self.SCORE,
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: type(self).__name__,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            },
        )
