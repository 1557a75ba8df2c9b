"""Recognizers for what shoppers type into chat, one per file, in Presidio's style.

``build(name, language)`` makes one by the name used in ``guardrails/pii.yml``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from presidio_analyzer import EntityRecognizer


def build(name: str, language: str) -> EntityRecognizer:
    """The recognizer called ``name`` in the config (imported here: Presidio loads lazily)."""
    from guardrails.pii.recognizers.credit_card import CardNumberRecognizer
    from guardrails.pii.recognizers.email import ChatEmailRecognizer
    from guardrails.pii.recognizers.iban import CheckedIbanRecognizer
    from guardrails.pii.recognizers.id_numbers import IdNumberRecognizer
    from guardrails.pii.recognizers.international_address import InternationalAddressRecognizer
    from guardrails.pii.recognizers.name_list import NameListRecognizer
    from guardrails.pii.recognizers.person import PersonRecognizer
    from guardrails.pii.recognizers.phone import InternationalPhoneRecognizer
    from guardrails.pii.recognizers.street_address import StreetAddressRecognizer

    classes: dict[str, type[EntityRecognizer]] = {
        "email": ChatEmailRecognizer,
        "phone": InternationalPhoneRecognizer,
        "credit_card": CardNumberRecognizer,
        "iban": CheckedIbanRecognizer,
        "street_address": StreetAddressRecognizer,
        "international_address": InternationalAddressRecognizer,
        "person": PersonRecognizer,
        "name_list": NameListRecognizer,
        "id_numbers": IdNumberRecognizer,
    }
    return classes[name](supported_language=language)  # type: ignore[call-arg]
