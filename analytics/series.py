"""Figures per day of a range, all flows together: the dashboard's time series.

Built from the same rows and helpers as :mod:`analytics.figures`, so a day's figures are
those ``figures`` reports for a range of that one day.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy.engine import Engine

from analytics.figures import (
    Scope,
    _conversations,
    _latency,
    _rows,
    _shopper_turns,
    _understanding,
)
from analytics.tables import CONVERSATIONS, HANDOFFS


def by_day(engine: Engine, scope: Scope) -> list[dict[str, Any]]:
    """Every day of the scope, all flows together (the dashboard's time series).

    Days without a conversation are included with zero counts and null rates, so a chart's
    axis shows the whole range. The scope's flow, if set, still filters every row.
    """
    conversation_rows: dict[dt.date, list[Any]] = {}
    for row in _rows(engine, CONVERSATIONS, scope):
        conversation_rows.setdefault(row.day, []).append(row)
    turn_rows: dict[dt.date, list[Any]] = {}
    for row in _shopper_turns(engine, scope):
        turn_rows.setdefault(row.day, []).append(row)
    handoff_count = Counter(row.day for row in _rows(engine, HANDOFFS, scope))
    days = []
    day = scope.start
    while day <= scope.end:
        talk = _conversations(conversation_rows.get(day, []))
        turns = turn_rows.get(day, [])
        nlu, lat = _understanding(turns), _latency(turns)
        days.append(
            {
                "day": day.isoformat(),
                "conversations": talk.conversations,
                "contained": talk.contained,
                "containment_rate": talk.containment_rate,
                "handoffs": handoff_count[day],
                "turns": nlu.turns,
                "fallback_rate": nlu.fallback_rate,
                "low_confidence_rate": nlu.low_confidence_rate,
                "latency_p50_ms": lat.p50_ms,
                "latency_p90_ms": lat.p90_ms,
                "latency_p99_ms": lat.p99_ms,
            }
        )
        day += dt.timedelta(days=1)
    return days
