"""The figures as CSV: one row per UTC day and flow (``python -m analytics figures --csv``).

Each row holds the figures :mod:`analytics.figures` reports, computed from that day's and
flow's rows only, with the same helpers; the dashboard offers the same file for download.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from typing import IO, Any

from sqlalchemy.engine import Engine

from analytics.figures import (
    Scope,
    _assistant_satisfaction,
    _conversations,
    _forms,
    _latency,
    _recommendations,
    _rows,
    _satisfaction,
    _time_to_resolution,
    _understanding,
)
from analytics.purchases import CROSS_SELL, bought_by_day
from analytics.tables import BOT_RATINGS, CONVERSATIONS, FORMS, HANDOFFS, TURNS

__all__ = ["CSV_COLUMNS", "daily", "write_csv"]

CSV_COLUMNS = (
    "tenant", "day", "flow", "conversations", "resolved", "contained", "containment_rate",
    "handoffs", "turns", "fallback_rate", "low_confidence_rate", "latency_p50_ms",
    "latency_p90_ms", "latency_p99_ms", "forms_started", "forms_completed", "ratings",
    "rating_mean", "assistant_ratings", "assistant_rating_mean", "suggestions_shown",
    "suggestions_clicked", "suggestions_bought", "resolution_p50_s",
)  # fmt: skip


def daily(engine: Engine, scope: Scope) -> list[dict[str, Any]]:
    """One row per day of the scope and flow seen that day (only the scope's flow, if set)."""
    grouped: dict[tuple[dt.date, str], dict[str, list[Any]]] = {}
    for name, table in (
        ("conversations", CONVERSATIONS),
        ("turns", TURNS),
        ("forms", FORMS),
        ("handoffs", HANDOFFS),
        ("bot_ratings", BOT_RATINGS),
    ):
        for row in _rows(engine, table, scope):
            grouped.setdefault((row.day, row.flow), {}).setdefault(name, []).append(row)
    bought = bought_by_day(engine, scope.tenant, scope.start, scope.end, scope.flow)
    for day in bought or {}:  # purchases are the cross_sell flow's, on the day of the click
        grouped.setdefault((day, CROSS_SELL), {})
    rows = []
    for (day, flow), found in sorted(grouped.items()):
        talk = _conversations(found.get("conversations", []))
        turns = [r for r in found.get("turns", []) if not r.with_person]
        nlu, lat = _understanding(turns), _latency(turns)
        form_runs = _forms(found.get("forms", []))
        csat = _satisfaction(found.get("handoffs", []))
        own = _assistant_satisfaction(found.get("bot_ratings", []))
        recs = _recommendations(found.get("conversations", []))
        rows.append(
            {
                "tenant": scope.tenant,
                "day": day.isoformat(),
                "flow": flow,
                "conversations": talk.conversations,
                "resolved": talk.resolved,
                "contained": talk.contained,
                "containment_rate": talk.containment_rate,
                "handoffs": len(found.get("handoffs", [])),
                "turns": nlu.turns,
                "fallback_rate": nlu.fallback_rate,
                "low_confidence_rate": nlu.low_confidence_rate,
                "latency_p50_ms": lat.p50_ms,
                "latency_p90_ms": lat.p90_ms,
                "latency_p99_ms": lat.p99_ms,
                "forms_started": sum(f.started for f in form_runs),
                "forms_completed": sum(f.completed for f in form_runs),
                "ratings": csat.rated,
                "rating_mean": csat.mean,
                "assistant_ratings": own.rated,
                "assistant_rating_mean": own.mean,
                "suggestions_shown": recs.shown,
                "suggestions_clicked": recs.clicked,
                "suggestions_bought": bought.get(day, 0)
                if bought is not None and flow == CROSS_SELL
                else None,
                "resolution_p50_s": _time_to_resolution(found.get("conversations", [])).p50_s,
            }
        )
    return rows


def write_csv(rows: Iterable[dict[str, Any]], out: IO[str]) -> None:
    """The daily rows as CSV with a header; empty figures as empty cells."""
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else row[k] for k in CSV_COLUMNS})
