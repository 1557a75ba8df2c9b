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
    r"(?:driver'?s'?|driving|driver)\s+licen[cs]e(?:\s+(?:number|no\.?|num|#|id))?"
    r"|\bd\.?l\.?\s*(?:#|no\.?|number)|\blicen[cs]e\s+(?:number|no\.?|#)"
)
SSN_CUE = r"\bssn|social\s+security(?:\s+(?:number|no\.?|num|#))?|\bsocial\s+sec\.?(?:\s+no\.?)?"
# The joining words a shopper puts between the cue and the value.
LINK = r"(?:\s*(?:is|was|=|:|#|-)\s*|\s+)(?:(?:is|was|:)\s+)?"


class IdNumberRecognizer(LocalRecognizer):
    """``US_DRIVER_LICENSE`` and ``US_SSN`` right after the words that name them."""

    SCORE = 0.85
    LICENCE: ClassVar[re.Pattern[str]] = re.compile(
        rf"(?i)(?:{LICENCE_CUE}){LINK}"
        r"(?<![\w-])([a-z]{0,2}\d[\d -]{3,16}\d|[a-z]\d{3,14}|\d{5,14}[a-z]?)(?![\w-])"
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
                value = match.group(1)
                if entity == "US_SSN" and not self.possible_ssn(value):
                    continue
                results.append(self._result(entity, match.start(1), match.end(1)))
        return results

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
