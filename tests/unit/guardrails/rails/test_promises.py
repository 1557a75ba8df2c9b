"""promises: no refund, discount, voucher, free item, deadline or guarantee the source lacks."""

from __future__ import annotations

import pytest

from guardrails.rails.promises import Settings, check, claimed, promised
from guardrails.rails.types import Context

STATUS = "Order AC-123456 is in transit with UPS. Expected delivery: Tuesday, March 10."


@pytest.mark.parametrize(
    ("candidate", "kind"),
    [
        ("Your order is on its way. We will refund you in full.", "full_refund"),
        ("It's in transit, and we'll refund the shipping.", "refund"),
        ("It's in transit. Enjoy 20% off your next order.", "discount"),
        ("It's in transit. Here's a discount code for the wait.", "discount"),
        ("It's in transit. We'll compensate you for the delay.", "compensation"),
        ("It's in transit. A voucher is on its way too.", "voucher"),
        ("It's in transit. The next one ships for free.", "free"),
        ("It's in transit, guaranteed.", "guarantee"),
        ("It's in transit and will arrive by tomorrow.", "deadline"),
        ("It's in transit and will arrive within 2 days.", "deadline"),
    ],
)
def test_when_a_candidate_promises_what_the_source_does_not_then_it_is_refused(
    candidate: str, kind: str
) -> None:
    decision = check(candidate, Context(source=STATUS), Settings())
    assert not decision.allowed
    assert decision.reason == f"promise: {kind}"


@pytest.mark.parametrize(
    "candidate",
    [
        "I've issued a refund for the parcel.",
        "I have processed your return.",
        "We've already shipped a replacement.",
    ],
)
def test_when_a_candidate_claims_an_action_the_source_does_not_name_then_it_is_refused(
    candidate: str,
) -> None:
    decision = check(candidate, Context(source=STATUS), Settings())
    assert not decision.allowed


@pytest.mark.parametrize(
    ("source", "candidate"),
    [
        (
            "Done: order AC-1 is cancelled. 12.50 USD is on its way back; expect it within 5 to 7 "
            "business days.",
            "I've cancelled order AC-1; expect 12.50 USD back within 5 to 7 business days.",
        ),
        (
            "I'll report the problem with order AC-1 and refund $9.00 to your original payment "
            "method.",
            "I will report the issue with order AC-1 and we'll refund you $9.00.",
        ),
        (
            "You can have a replacement sent at no cost, get a full refund or talk to our team.",
            "We can send a replacement free of charge, or give you a full refund.",
        ),
        ("Sending items back is free: you get a prepaid return label.", "Returns are free."),
        ("Order AC-1 is in transit.", "Feel free to ask if anything else comes up."),
    ],
)
def test_when_the_source_makes_the_same_promise_then_the_candidate_passes(
    source: str, candidate: str
) -> None:
    assert check(candidate, Context(source=source), Settings()).allowed


def test_when_the_source_denies_a_refund_then_a_promised_refund_is_still_refused() -> None:
    source = "There's no refund on order AC-1: the order is in transit."
    assert "refund" not in promised(source)
    assert not check("We will refund order AC-1.", Context(source=source), Settings()).allowed


def test_when_an_action_is_claimed_then_its_verb_stem_is_found() -> None:
    assert claimed("I've processed it and we have cancelled the rest.") == {"proces", "cancel"}
