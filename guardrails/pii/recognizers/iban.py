"""International bank account numbers (IBAN), accepted only when the mod-97 check holds."""

from __future__ import annotations

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

# Lengths per country from the IBAN registry (ISO 13616) for the countries shoppers of a
# European or US shop are likely to have; other countries are accepted at 15 to 34 characters.
IBAN_LENGTHS = {
    "AT": 20, "BE": 16, "CH": 21, "CZ": 24, "DE": 22, "DK": 18, "ES": 24, "FI": 18, "FR": 27,
    "GB": 22, "GR": 27, "HU": 28, "IE": 22, "IT": 27, "LU": 20, "NL": 18, "NO": 15, "PL": 28,
    "PT": 25, "SE": 24, "SK": 24,
}  # fmt: skip


def iban_valid(compact: str) -> bool:
    """ISO 7064 mod 97-10: move the first four characters to the end, read as a number."""
    expected = IBAN_LENGTHS.get(compact[:2])
    if expected is not None and len(compact) != expected:
        return False
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(c, 36)) for c in rearranged)
    return int(number) % 97 == 1


class IbanRecognizer(EntityRecognizer):
    """An IBAN written compact or in groups of four, in upper or lower case.

    A candidate may run on into the next word ("... 0130 00 thanks"), so the longest prefix of
    whole groups that passes the check is taken rather than rejecting the whole candidate.
    """

    CANDIDATE = re.compile(
        r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]){11,30}(?![A-Za-z0-9])"
    )
    SCORE = 1.0

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(supported_entities=["IBAN_CODE"], supported_language=supported_language)

    def load(self) -> None:
        """Nothing to load: the check is arithmetic."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Every span that is a valid IBAN."""
        results = []
        for match in self.CANDIDATE.finditer(text):
            end = self._valid_end(match.group())
            if end:
                results.append(
                    RecognizerResult("IBAN_CODE", match.start(), match.start() + end, self.SCORE)
                )
        return results

    @staticmethod
    def _valid_end(candidate: str) -> int:
        """Length of the longest prefix ending before a space (or at the end) that is valid."""
        cuts = [i for i, char in enumerate(candidate) if char == " "] + [len(candidate)]
        for end in reversed(cuts):
            compact = candidate[:end].replace(" ", "").upper()
            if iban_valid(compact):
                return end
        return 0
