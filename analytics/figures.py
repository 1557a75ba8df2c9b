"""The figures, per tenant, UTC day range and flow, from the derived tables.

Each function takes a :class:`Scope` and returns plain dataclasses or dicts; docs/analytics.md
defines every figure in words. Rates are None when their denominator is 0 (no data is not
0 %). Percentiles use the nearest-rank method, so a P90 is always a value that was measured.
A shopper's message while a person has the conversation is a message to that person: it
counts in no NLU, intent or latency figure.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from analytics.purchases import bought_by_day
from analytics.tables import (
    BOT_RATINGS,
    CONVERSATIONS,
    FORMS,
    HANDOFFS,
    REPLIES,
    TURNS,
    create_tables,
)

DRIFT_WEEK_DAYS = 7
DRIFT_BASELINE_DAYS = 28


@dataclass(frozen=True)
class Scope:
    """Which figures: a tenant, UTC days ``start`` to ``end`` inclusive, one flow or all."""

    tenant: str
    start: dt.date
    end: dt.date
    flow: str | None = None


def rate(part: int, whole: int) -> float | None:
    """``part / whole`` rounded to 4 places, None for an empty whole."""
    return round(part / whole, 4) if whole else None


def percentile(values: Sequence[float], p: float) -> float | None:
    """The nearest-rank ``p``-th percentile (0 < p <= 100); None without values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _rows(engine: Engine, table: sa.Table, scope: Scope, *where: Any) -> list[Any]:
    create_tables(engine)
    query = sa.select(table).where(
        table.c.tenant == scope.tenant,
        table.c.day >= scope.start,
        table.c.day <= scope.end,
        *where,
    )
    if scope.flow is not None:
        query = query.where(table.c.flow == scope.flow)
    with engine.connect() as connection:
        return list(connection.execute(query))


def _shopper_turns(engine: Engine, scope: Scope) -> list[Any]:
    return _rows(engine, TURNS, scope, TURNS.c.with_person.is_(False))


@dataclass(frozen=True)
class Conversations:
    """Conversations and how they ended (docs/analytics.md: resolution, involvement)."""

    conversations: int
    resolved: int
    involved: int
    contained: int
    resolution_rate: float | None
    involvement_rate: float | None
    containment_rate: float | None


def conversations(engine: Engine, scope: Scope) -> Conversations:
    return _conversations(_rows(engine, CONVERSATIONS, scope))


def _conversations(rows: Sequence[Any]) -> Conversations:
    total = len(rows)
    resolved = sum(r.resolved for r in rows)
    involved = sum(r.involved for r in rows)
    contained = sum(r.contained for r in rows)
    return Conversations(
        conversations=total,
        resolved=resolved,
        involved=involved,
        contained=contained,
        resolution_rate=rate(resolved, total),
        involvement_rate=rate(involved, total),
        containment_rate=rate(contained, total),
    )


@dataclass(frozen=True)
class Durations:
    """Seconds from a conversation's first message to its resolution."""

    resolved: int
    p50_s: float | None
    p90_s: float | None
    by_bot_p50_s: float | None
    by_person_p50_s: float | None


def time_to_resolution(engine: Engine, scope: Scope) -> Durations:
    return _time_to_resolution(_rows(engine, CONVERSATIONS, scope))


def _time_to_resolution(conversation_rows: Sequence[Any]) -> Durations:
    rows = [r for r in conversation_rows if r.resolution_s is not None]
    every = [r.resolution_s for r in rows]
    return Durations(
        resolved=len(rows),
        p50_s=percentile(every, 50),
        p90_s=percentile(every, 90),
        by_bot_p50_s=percentile([r.resolution_s for r in rows if r.resolved_by == "bot"], 50),
        by_person_p50_s=percentile([r.resolution_s for r in rows if r.resolved_by == "person"], 50),
    )


@dataclass(frozen=True)
class Handoffs:
    """Handoffs by reason; ``failed``: the desk could not open a ticket."""

    handoffs: int
    opened: int
    failed: int
    by_reason: dict[str, int]


def handoffs(engine: Engine, scope: Scope) -> Handoffs:
    return _handoffs(_rows(engine, HANDOFFS, scope))


def _handoffs(rows: Sequence[Any]) -> Handoffs:
    opened = sum(r.opened for r in rows)
    return Handoffs(
        handoffs=len(rows),
        opened=opened,
        failed=len(rows) - opened,
        by_reason=dict(sorted(Counter(r.reason for r in rows).items())),
    )


@dataclass(frozen=True)
class Understanding:
    """How often the NLU did not understand, or was unsure (docs/analytics.md)."""

    turns: int
    fallback: int
    low_confidence: int
    fallback_rate: float | None
    low_confidence_rate: float | None


def understanding(engine: Engine, scope: Scope) -> Understanding:
    return _understanding(_shopper_turns(engine, scope))


def _understanding(rows: Sequence[Any]) -> Understanding:
    fallback = sum(r.fallback for r in rows)
    low = sum(r.low_confidence for r in rows)
    return Understanding(
        turns=len(rows),
        fallback=fallback,
        low_confidence=low,
        fallback_rate=rate(fallback, len(rows)),
        low_confidence_rate=rate(low, len(rows)),
    )


def intents(engine: Engine, scope: Scope) -> dict[str, int]:
    """Shopper messages per intent (``nlu_fallback`` included), most frequent first."""
    counts = Counter(r.intent or "(none)" for r in _shopper_turns(engine, scope))
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


@dataclass(frozen=True)
class FormFigures:
    """One form: how its runs ended, and the question each unfinished run stopped at."""

    form: str
    started: int
    completed: int
    handed_off: int
    left: int
    abandoned: int
    completion_rate: float | None
    drop_off: dict[str, int] = field(default_factory=dict)


def forms(engine: Engine, scope: Scope) -> list[FormFigures]:
    return _forms(_rows(engine, FORMS, scope))


def _forms(form_rows: Sequence[Any]) -> list[FormFigures]:
    by_form: dict[str, list[Any]] = {}
    for row in form_rows:
        by_form.setdefault(row.form, []).append(row)
    figures = []
    for form, rows in sorted(by_form.items()):
        outcomes = Counter(r.outcome for r in rows)
        steps: Counter[str] = Counter(
            r.last_step or "(before the first question)" for r in rows if r.outcome != "completed"
        )
        figures.append(
            FormFigures(
                form=form,
                started=len(rows),
                completed=outcomes["completed"],
                handed_off=outcomes["handed_off"],
                left=outcomes["left"],
                abandoned=outcomes["abandoned"],
                completion_rate=rate(outcomes["completed"], len(rows)),
                drop_off=dict(sorted(steps.items(), key=lambda item: (-item[1], item[0]))),
            )
        )
    return figures


@dataclass(frozen=True)
class Satisfaction:
    """The shopper's 1-5 ratings (CSAT): of a person who resolved their case (the desk's
    question, ``satisfaction``), or of the assistant that served them alone (its own question
    at goodbye, ``assistant_satisfaction``). ``asked`` counts the questions asked."""

    asked: int
    rated: int
    skipped: int
    mean: float | None
    satisfied_rate: float | None  # ratings of 4 or 5 among ratings
    distribution: dict[int, int]


def satisfaction(engine: Engine, scope: Scope) -> Satisfaction:
    return _satisfaction(_rows(engine, HANDOFFS, scope))


def _satisfaction(handoff_rows: Sequence[Any]) -> Satisfaction:
    rows = [r for r in handoff_rows if r.outcome == "resolved"]
    return _csat(rows, [r.rating for r in rows], sum(r.rating_skipped for r in rows))


def assistant_satisfaction(engine: Engine, scope: Scope) -> Satisfaction:
    """The assistant's own question at goodbye, by the flow of the conversation it closed."""
    return _assistant_satisfaction(_rows(engine, BOT_RATINGS, scope))


def _assistant_satisfaction(rows: Sequence[Any]) -> Satisfaction:
    return _csat(rows, [r.rating for r in rows], sum(r.skipped for r in rows))


def _csat(asked: Sequence[Any], given: Sequence[int | None], skipped: int) -> Satisfaction:
    ratings = [r for r in given if r is not None]
    return Satisfaction(
        asked=len(asked),
        rated=len(ratings),
        skipped=skipped,
        mean=round(sum(ratings) / len(ratings), 3) if ratings else None,
        satisfied_rate=rate(sum(1 for r in ratings if r >= 4), len(ratings)),
        distribution={score: ratings.count(score) for score in range(1, 6)},
    )


@dataclass(frozen=True)
class Recommendations:
    """The cross-sell funnel. ``bought``: clicks a purchase followed (the commerce backend's,
    :mod:`analytics.purchases`), a cross_sell figure (None under another flow); ``bought_rate``
    is per click of every flow, as a purchase cannot be traced to a conversation."""

    offered: int
    shown: int
    clicked: int
    declined: int
    click_rate: float | None  # clicks per list shown
    bought: int | None = None
    bought_rate: float | None = None


def recommendations(engine: Engine, scope: Scope) -> Recommendations:
    funnel = _recommendations(_rows(engine, CONVERSATIONS, scope))
    by_day = bought_by_day(engine, scope.tenant, scope.start, scope.end, scope.flow)
    if by_day is None:
        return funnel
    clicks = funnel.clicked
    if scope.flow is not None:
        clicks = _recommendations(_rows(engine, CONVERSATIONS, replace(scope, flow=None))).clicked
    bought = sum(by_day.values())
    return replace(funnel, bought=bought, bought_rate=rate(bought, clicks))


def _recommendations(rows: Sequence[Any]) -> Recommendations:
    shown = sum(r.suggestions_shown for r in rows)
    clicked = sum(r.suggestions_clicked for r in rows)
    return Recommendations(
        offered=sum(r.suggestions_offered for r in rows),
        shown=shown,
        clicked=clicked,
        declined=sum(r.suggestions_declined for r in rows),
        click_rate=rate(clicked, shown),
    )


@dataclass(frozen=True)
class Guardrails:
    """Guardrail decisions the events record: input refusals, handoff signals, rewordings.

    ``replies_eligible``: bot replies the generative layer decided on (0: it was off);
    ``replies_refused``: those said as the template, by reason.
    """

    turns: int
    injection_refused: int
    handoff_signals: dict[str, int]
    replies_eligible: int
    replies_rephrased: int
    replies_refused: dict[str, int]
    rephrase_rate: float | None


def guardrails(engine: Engine, scope: Scope) -> Guardrails:
    rows = _rows(engine, TURNS, scope)
    replies = _rows(engine, REPLIES, scope)
    rephrased = sum(r.rephrased for r in replies)
    return Guardrails(
        turns=len(rows),
        injection_refused=sum(r.injection for r in rows),
        handoff_signals=dict(
            sorted(Counter(r.handoff_signal for r in rows if r.handoff_signal).items())
        ),
        replies_eligible=len(replies),
        replies_rephrased=rephrased,
        replies_refused=dict(sorted(Counter(r.reason for r in replies if not r.rephrased).items())),
        rephrase_rate=rate(rephrased, len(replies)),
    )


@dataclass(frozen=True)
class Latency:
    """Milliseconds from a shopper's message to the bot's first message after it."""

    turns: int
    p50_ms: float | None
    p90_ms: float | None
    p99_ms: float | None


def latency(engine: Engine, scope: Scope) -> Latency:
    return _latency(_shopper_turns(engine, scope))


def _latency(rows: Sequence[Any]) -> Latency:
    values = [r.latency_ms for r in rows if r.latency_ms is not None]
    return Latency(
        turns=len(values),
        p50_ms=percentile(values, 50),
        p90_ms=percentile(values, 90),
        p99_ms=percentile(values, 99),
    )


@dataclass(frozen=True)
class Drift:
    """This week's NLU against the four weeks before it."""

    week: tuple[str, str]
    baseline: tuple[str, str]
    week_turns: int
    baseline_turns: int
    low_confidence_week: float | None
    low_confidence_baseline: float | None
    low_confidence_change: float | None
    intent_shift: float | None  # total variation distance of the two intent mixes, 0 to 1
    intent_changes: dict[str, float]  # share this week minus share before, largest first


def _mix(rows: Iterable[Any]) -> dict[str, float]:
    counts = Counter(r.intent or "(none)" for r in rows)
    total = sum(counts.values())
    return {intent: count / total for intent, count in counts.items()} if total else {}


def drift(engine: Engine, tenant: str, week_end: dt.date, flow: str | None = None) -> Drift:
    """Low-confidence share and intent mix of the 7 days to ``week_end`` against the 28 before."""
    week = Scope(tenant, week_end - dt.timedelta(days=DRIFT_WEEK_DAYS - 1), week_end, flow)
    base_end = week.start - dt.timedelta(days=1)
    base = Scope(tenant, base_end - dt.timedelta(days=DRIFT_BASELINE_DAYS - 1), base_end, flow)
    now, before = _shopper_turns(engine, week), _shopper_turns(engine, base)
    low_now = rate(sum(r.low_confidence for r in now), len(now))
    low_before = rate(sum(r.low_confidence for r in before), len(before))
    mix_now, mix_before = _mix(now), _mix(before)
    changes = {
        intent: round(mix_now.get(intent, 0.0) - mix_before.get(intent, 0.0), 4)
        for intent in mix_now.keys() | mix_before.keys()
    }
    both = bool(now) and bool(before)
    return Drift(
        week=(week.start.isoformat(), week.end.isoformat()),
        baseline=(base.start.isoformat(), base.end.isoformat()),
        week_turns=len(now),
        baseline_turns=len(before),
        low_confidence_week=low_now,
        low_confidence_baseline=low_before,
        low_confidence_change=round(low_now - low_before, 4)
        if low_now is not None and low_before is not None
        else None,
        intent_shift=round(sum(abs(v) for v in changes.values()) / 2, 4) if both else None,
        intent_changes=dict(sorted(changes.items(), key=lambda item: (-abs(item[1]), item[0])))
        if both
        else {},
    )


def report(engine: Engine, scope: Scope) -> dict[str, Any]:
    """Every figure of the scope as one JSON-ready dict (drift: the week ending ``end``)."""
    return {
        "tenant": scope.tenant,
        "from": scope.start.isoformat(),
        "to": scope.end.isoformat(),
        "flow": scope.flow,
        "conversations": asdict(conversations(engine, scope)),
        "time_to_resolution": asdict(time_to_resolution(engine, scope)),
        "handoffs": asdict(handoffs(engine, scope)),
        "understanding": asdict(understanding(engine, scope)),
        "intents": intents(engine, scope),
        "forms": [asdict(f) for f in forms(engine, scope)],
        "satisfaction": asdict(satisfaction(engine, scope)),
        "assistant_satisfaction": asdict(assistant_satisfaction(engine, scope)),
        "recommendations": asdict(recommendations(engine, scope)),
        "guardrails": asdict(guardrails(engine, scope)),
        "latency": asdict(latency(engine, scope)),
        "drift": asdict(drift(engine, scope.tenant, scope.end, scope.flow)),
    }
