"""Words that bring a person at once: safety first, then legal threats, then strong anger."""

from __future__ import annotations

import pytest

from guardrails.handoff.rules import DEFAULT_RULES_PATH, Reason, parse_rules
from guardrails.handoff.signals import detect_signal

RULES = parse_rules(DEFAULT_RULES_PATH)


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("the charger you sent caught fire on my desk", Reason.safety),
        ("my son swallowed one of the little magnets", Reason.safety),
        ("got an ELECTRIC SHOCK from the lamp", Reason.safety),
        ("I'll sue you if this isn't fixed", Reason.legal_threat),
        ("my lawyer will be in touch, and the lamp caught fire", Reason.safety),
        ("i'm filing a chargeback with my bank", Reason.legal_threat),
        ("I'm taking you to small claims", Reason.legal_threat),
        ("this is absolutely disgusting, worst company ever, I hate you", Reason.strong_anger),
        ("I'm furious, third time something arrives broken from you", Reason.strong_anger),
        ("where is my order", None),
        ("no!!", None),  # too short to read as anger: an answer
        ("ugh, it's late again", None),  # annoyed, not furious
        ("is this suitable for court shoes?", None),
        ("see you in court", Reason.legal_threat),
        ("pursue a refund please", None),  # "sue" only as a word
        ("", None),
    ],
)
def test_the_signal_in_a_message(message: str, reason: Reason | None) -> None:
    assert detect_signal(message, RULES) == reason
