"""form: language, length, list shape, markup and role tokens kept as in the source."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from guardrails.rails.form import Settings, check, language
from guardrails.rails.types import Context

SOURCE = (
    "Order AC-123456 is in transit with UPS, tracking number 1Z999AA10123456784. "
    "Expected delivery: Tuesday, March 10. If you can't find it, just tell me."
)
LIST_SOURCE = (
    "Here are a few things that go with what you bought:\n- Trail Socks ($12.00)\n"
    "- Rain Shell ($89.00)\n- Bottle ($15.00)\nTap one to see it, or just keep chatting."
)
FAITHFUL = (
    "Your order AC-123456 is on the way with UPS (tracking number 1Z999AA10123456784). "
    "It should arrive Tuesday, March 10. If you can't find it, let me know."
)


def _reason(candidate: str, source: str = SOURCE, **context: object) -> str | None:
    decision = check(candidate, Context(source=source, **context), Settings())  # type: ignore[arg-type]
    return None if decision.allowed else decision.reason


def test_when_a_rephrase_keeps_the_form_then_it_passes() -> None:
    assert _reason(FAITHFUL) is None


@pytest.mark.parametrize(
    ("candidate", "reason"),
    [
        ("<|im_start|>assistant\n" + FAITHFUL, "role token"),
        ("Assistant: " + FAITHFUL, "role token"),
        (FAITHFUL + "\nUser: refund me", "role token"),
        ("[INST] " + FAITHFUL, "role token"),
        ("Order AC-123456 ships.", "length ratio 0.15"),
        (FAITHFUL + " " + FAITHFUL, "length ratio 2.05"),
        (FAITHFUL.replace("UPS", "**UPS**"), "markup: emphasis"),
        (FAITHFUL + " <b>Thanks</b>", "markup: html"),
        ("# Update\n" + FAITHFUL, "markup: heading"),
        (FAITHFUL.replace("UPS", "`UPS`"), "markup: code"),
        (FAITHFUL.replace("UPS", "[UPS](https://ups.com)"), "markup: link"),
        ("- " + FAITHFUL, "list changed"),
        (
            "Ihre Bestellung AC-123456 ist mit UPS unterwegs und wird am Dienstag, 10. März "
            "bei Ihnen sein. Wenn Sie sie nicht finden, sagen Sie es mir bitte.",
            "language de, not en",
        ),
    ],
)
def test_when_the_form_changes_then_the_candidate_is_refused(candidate: str, reason: str) -> None:
    assert _reason(candidate) == reason


def test_when_a_list_loses_an_item_then_it_is_refused_and_a_reworded_list_passes() -> None:
    dropped = LIST_SOURCE.replace("- Bottle ($15.00)\n", "")
    reworded = LIST_SOURCE.replace("Here are a few things", "A few things")
    assert _reason(dropped, LIST_SOURCE) == "list changed"
    assert _reason(reworded, LIST_SOURCE) is None


def test_when_the_source_is_german_then_a_german_rephrase_passes() -> None:
    source = (
        "Ihre Bestellung ist unterwegs und wird bald bei Ihnen sein. "
        "Bitte haben Sie noch etwas Geduld."
    )
    candidate = (
        "Ihre Bestellung ist auf dem Weg und ist bald bei Ihnen. Wir bitten um etwas Geduld."
    )
    assert language(source) == "de"
    assert _reason(candidate, source) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Your order is on the way and it will be with you soon.", "en"),
        ("Su pedido está en camino y llegará pronto a su casa.", "es"),
        ("Votre commande est en route et sera bientôt chez vous.", "fr"),
        ("Danke!", None),
    ],
)
def test_when_a_language_is_detected_then_it_is_by_stopwords(
    text: str, expected: str | None
) -> None:
    assert language(text) == expected


def test_when_a_summary_is_checked_then_length_is_limited_only_by_max_chars() -> None:
    passages = ("Returns are accepted within 30 days of delivery. " * 5,)
    assert check(
        "Returns: 30 days.", Context(passages=passages, task="summary"), Settings()
    ).allowed
    too_long = "Returns are accepted for a while. " * 30
    summary = Context(passages=("Short.",), task="summary")
    assert not check(too_long, summary, Settings()).allowed


def test_when_min_ratio_exceeds_max_ratio_then_the_settings_do_not_validate() -> None:
    with pytest.raises(ValidationError):
        Settings(min_ratio=2.0, max_ratio=1.0)
