"""Payment card numbers, accepted only when their Luhn check digit is right."""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern, PatternRecognizer


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check every card number carries in its last digit."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


class CardNumberRecognizer(PatternRecognizer):
    """13 to 19 digits, plain or grouped by spaces or dashes, that pass Luhn.

    The Luhn check is what keeps order numbers, tracking numbers and phone numbers out: a
    random digit string passes it one time in ten, and the lengths of the tracking formats
    (12 and 22 digits) fall outside the card range anyway.
    """

    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "card grouped 4-4-4-4(-3)", r"(?<![\d-])\d{4}(?:[ -]\d{4}){3}(?:[ -]\d{1,3})?\b", 0.6
        ),
        Pattern("card amex 4-6-5", r"(?<![\d-])\d{4}[ -]\d{6}[ -]\d{5}\b", 0.6),
        Pattern("card plain", r"(?<![\d-])\d{13,19}\b", 0.5),
    ]
    CONTEXT: ClassVar[list[str]] = [
        "card", "credit", "debit", "visa", "mastercard", "amex", "charged", "paid",
    ]  # fmt: skip

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="CREDIT_CARD",
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            supported_language=supported_language,
        )

    def validate_result(self, pattern_text: str) -> bool:
        """A card number only if its length is a card length and the Luhn digit is right."""
        digits = "".join(c for c in pattern_text if c.isdigit())
        return 13 <= len(digits) <= 19 and luhn_valid(digits)
