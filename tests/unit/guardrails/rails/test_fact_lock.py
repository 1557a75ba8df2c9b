"""fact_lock: values hidden behind placeholders; candidates accepted only with the same facts."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guardrails.rails.fact_lock import Settings, check, lock, unlock
from guardrails.rails.types import Context

SETTINGS = Settings()

ROUND_TRIP = [
    ("AC-123456", "ORDER_ID"),
    ("#654321", "ORDER_ID"),
    ("W1234567", "ORDER_ID"),
    ("RMA-300123", "RMA_ID"),
    ("CL-00042", "ID"),
    ("$12.50", "AMOUNT"),
    ("12,50 €", "AMOUNT"),
    ("USD 12", "AMOUNT"),
    ("158.03 USD", "AMOUNT"),
    ("10%", "AMOUNT"),
    ("2026-03-03", "DATE"),
    ("March 3", "DATE"),
    ("3 March 2026", "DATE"),
    ("Mon 3 Mar", "DATE"),
    ("Tuesday, March 10", "DATE"),
    ("Mar 3, 14:05", "DATE"),
    ("Friday", "DATE"),
    ("5 to 7 business days", "DATE"),
    ("tomorrow", "DATE"),
    ("9am", "DATE"),
    ("1Z999AA10123456784", "TRACKING"),
    ("9400111234567890123456", "TRACKING"),
    ("277123456789", "TRACKING"),
    ("UPS", "CARRIER"),
    ("FedEx", "CARRIER"),
    ("Royal Mail", "CARRIER"),
    ("help@demo-outfitters.example", "EMAIL"),
    ("https://www.ups.com/track?tracknum=1Z999AA10123456784", "URL"),
    ("+1 415 555 0134", "PHONE"),
    ("(415) 555-0134", "PHONE"),
    ("3", "COUNT"),
    ("62704", "COUNT"),
    ("4.5", "NUMBER"),
    ("2nd", "NUMBER"),
]


@pytest.mark.parametrize(("value", "kind"), ROUND_TRIP)
def test_when_a_fact_is_locked_then_its_placeholder_has_its_kind_and_unlock_restores_it(
    value: str, kind: str
) -> None:
    text = f"Hello, about {value} here."
    locked = lock(text)
    assert locked.text == f"Hello, about [{kind}_1] here."
    assert dict(locked.values) == {f"[{kind}_1]": value}
    assert unlock(locked.text, locked) == text


def test_when_a_value_repeats_then_it_has_one_placeholder_used_twice() -> None:
    locked = lock("Order AC-123456 is late. Sorry about AC-123456.")
    assert locked.text == "Order [ORDER_ID_1] is late. Sorry about [ORDER_ID_1]."
    assert locked.order == ("[ORDER_ID_1]", "[ORDER_ID_1]")


def test_when_a_template_is_locked_then_no_digit_is_left() -> None:
    text = "Your return RMA-300123 for order AC-123456: 2 × Trail Tee (red, M), total $31.00, v2."
    assert not re.search(r"\d", re.sub(r"\[[A-Z_]+_\d+\]", "", lock(text).text))


SOURCE = (
    "Order AC-123456 is in transit with UPS, tracking number 1Z999AA10123456784. "
    "It was placed on Friday, March 6 and should arrive Tuesday, March 10. "
    "A refund of 12.50 USD takes 5 to 7 business days."
)
FAITHFUL = (
    "Your order [ORDER_ID_1] is on the way with [CARRIER_1] (tracking number [TRACKING_1]). "
    "You placed it on [DATE_1] and it should reach you [DATE_2]. "
    "A refund of [AMOUNT_1] takes [DATE_3]."
)


def _check(candidate: str, source: str = SOURCE) -> tuple[bool, str, str | None]:
    decision = check(candidate, Context(source=source), SETTINGS)
    return decision.allowed, decision.reason, decision.text


def test_when_a_rephrase_keeps_every_placeholder_then_it_is_accepted_and_unlocked() -> None:
    allowed, _, text = _check(FAITHFUL)
    assert allowed
    assert text == (
        "Your order AC-123456 is on the way with UPS (tracking number 1Z999AA10123456784). "
        "You placed it on Friday, March 6 and it should reach you Tuesday, March 10. "
        "A refund of 12.50 USD takes 5 to 7 business days."
    )


def test_when_a_rephrase_copies_the_exact_values_then_it_is_accepted() -> None:
    locked = lock(SOURCE)
    assert _check(unlock(FAITHFUL, locked))[0]


MUTATIONS = [
    ("digit changed", FAITHFUL.replace("[ORDER_ID_1]", "AC-123457"), "new ORDER_ID"),
    ("date shifted", FAITHFUL.replace("[DATE_2]", "Wednesday, March 11"), "new DATE"),
    ("amount changed", FAITHFUL.replace("[AMOUNT_1]", "15.00 USD"), "new AMOUNT"),
    ("amount reformatted", FAITHFUL.replace("[AMOUNT_1]", "$12.50"), "new AMOUNT"),
    ("carrier changed", FAITHFUL.replace("[CARRIER_1]", "DHL"), "new CARRIER"),
    ("tracking swapped", FAITHFUL.replace("[TRACKING_1]", "1Z999AA10123456785"), "new TRACKING"),
    ("fact dropped", FAITHFUL.replace(" on [DATE_1]", ""), "dropped DATE"),
    ("placeholder duplicated", FAITHFUL + " Again: [AMOUNT_1].", "duplicated AMOUNT"),
    (
        "dates swapped",
        FAITHFUL.replace("[DATE_1]", "X").replace("[DATE_2]", "[DATE_1]").replace("X", "[DATE_2]"),
        "swapped DATE",
    ),  # fmt: skip
    ("placeholder invented", FAITHFUL + " Or [AMOUNT_2].", "unknown placeholder"),
    ("number added", FAITHFUL + " That is 3 items.", "new COUNT"),
    ("weekday added", FAITHFUL + " Or maybe Thursday.", "new DATE"),
    ("relative date added", FAITHFUL + " Expect it tomorrow.", "new DATE"),
    ("spelled number added", FAITHFUL + " You have three options.", "spelled number"),
    (
        "vague time added",
        FAITHFUL.replace("[DATE_2].", "[DATE_2], or a day later."),
        "time, money or quantity word",
    ),
    ("fee added", FAITHFUL + " A small fee applies.", "time, money or quantity word"),
    ("url added", FAITHFUL + " See https://evil.example/x.", "new URL"),
    ("e-mail added", FAITHFUL + " Write to a@b.co.", "new EMAIL"),
    ("phone added", FAITHFUL + " Call +1 415 555 0134.", "new PHONE"),
    ("malformed placeholder", FAITHFUL + " [ORDER ID].", "malformed placeholder"),
    ("placeholder without brackets", FAITHFUL + " ORDER_ID_1", "new NUMBER"),
    (
        "ids trade places",
        FAITHFUL.replace("[ORDER_ID_1]", "X")
        .replace("[TRACKING_1]", "[ORDER_ID_1]")
        .replace("X", "[TRACKING_1]"),
        "TRACKING labelled as ORDER_ID",
    ),  # fmt: skip
]


@pytest.mark.parametrize(("name", "candidate", "reason"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_when_a_fact_is_mutated_then_the_candidate_is_refused(
    name: str, candidate: str, reason: str
) -> None:
    allowed, why, text = _check(candidate)
    assert not allowed
    assert why.startswith(reason)
    assert text is None


def test_when_raw_values_are_not_allowed_then_an_exact_copy_is_refused() -> None:
    strict = Settings(allow_raw_values=False)
    candidate = FAITHFUL.replace("[ORDER_ID_1]", "AC-123456")
    assert not check(candidate, Context(source=SOURCE), strict).allowed


def test_when_the_source_has_no_facts_then_a_candidate_with_one_is_refused() -> None:
    assert not _check("Sure, it ships on Monday.", source="Is there anything else?")[0]
    assert _check("Anything else I can do?", source="Is there anything else?")[0]


def test_when_a_summary_leaves_facts_out_then_it_is_accepted_but_not_one_it_invents() -> None:
    passage = "Returns are accepted within 30 days of delivery. Refunds take 5 to 7 business days."
    context = Context(source=passage, passages=(passage,), task="summary")
    assert check("You have [DATE_1] to return items.", context, SETTINGS).allowed
    assert check("You have 30 days to return items.", context, SETTINGS).allowed
    assert not check("You have 60 days to return items.", context, SETTINGS).allowed


def test_when_a_value_is_after_its_own_label_in_a_new_place_then_it_is_accepted() -> None:
    source = "Your return RMA-300123 for order AC-123456 is open."
    assert _check("Order [ORDER_ID_1] now has return [RMA_ID_1] open.", source)[0]


# ---- property: any candidate whose facts differ from the source's is refused -------------

KINDS = {
    "ORDER_ID": st.integers(100000, 999999).map(lambda n: f"AC-{n}"),
    "AMOUNT": st.integers(100, 99999).map(lambda n: f"${n / 100:.2f}"),
    "DATE": st.tuples(
        st.sampled_from(["Monday", "Tuesday", "Friday"]),
        st.sampled_from(["March", "June", "November"]),
        st.integers(1, 28),
    ).map(lambda t: f"{t[0]}, {t[1]} {t[2]}"),
    "TRACKING": st.integers(10**11, 10**12 - 1).map(str),
    "COUNT": st.integers(2, 99).map(str),
}
WORDS = st.sampled_from(["your", "order", "arrives", "with", "refund", "of", "we", "sent", "on"])


@st.composite
def template_and_values(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    kinds = draw(st.lists(st.sampled_from(sorted(KINDS)), min_size=1, max_size=4))
    values = [draw(KINDS[k]) for k in kinds]
    words = [" ".join(draw(st.lists(WORDS, min_size=1, max_size=3))) for _ in range(len(kinds) + 1)]
    return words, values


def _render(words: list[str], values: list[str]) -> str:
    parts = [words[0]]
    for value, word in zip(values, words[1:], strict=True):
        parts += [value, word]
    return " ".join(parts) + "."


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(template_and_values(), st.data())
def test_property_when_unlocked_facts_differ_then_the_candidate_is_refused(
    shape: tuple[list[str], list[str]], data: st.DataObject
) -> None:
    words, values = shape
    source = _render(words, values)
    index = data.draw(st.integers(0, len(values) - 1))
    how = data.draw(st.sampled_from(["replace", "drop", "duplicate"]))
    changed = list(values)
    if how == "replace":
        other = data.draw(st.one_of(*KINDS.values()).filter(lambda v: v != values[index]))
        changed[index] = other
        candidate = _render(words, changed)
    elif how == "drop":
        candidate = _render(words, changed).replace(values[index], "", 1)
    else:
        candidate = _render(words, changed) + f" {values[index]}"
    locked = lock(source)
    assert [lock(candidate).values.get(p) for p in lock(candidate).order] != [
        locked.values[p] for p in locked.order
    ]
    assert not check(candidate, Context(source=source), SETTINGS).allowed


@settings(max_examples=60, deadline=None)
@given(template_and_values())
def test_property_when_the_facts_are_the_same_then_the_candidate_is_accepted(
    shape: tuple[list[str], list[str]],
) -> None:
    words, values = shape
    source = _render(words, values)
    decision = check(lock(source).text, Context(source=source), SETTINGS)
    assert decision.allowed
    assert decision.text == source
