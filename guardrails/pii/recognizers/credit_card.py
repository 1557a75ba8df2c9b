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
    """12 to 19 digits (Maestro has 12), plain or grouped by spaces or dashes, passing Luhn.

    The Luhn check keeps most phone and order numbers out (a random digit string passes it one
    time in ten). A plain 12-digit number is a FedEx tracking number for the keep list, which
    wins; a card number typed in groups ("5801 6722 8486") is still found.
    """

    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern("card grouped", r"(?<![\d+-])\d{4}(?:[ -]\d{1,6}){2,4}\b", 0.6),
        Pattern("card plain", r"(?<![\d+-])\d{12,19}\b", 0.5),
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
        return 12 <= len(digits) <= 19 and luhn_valid(digits)
