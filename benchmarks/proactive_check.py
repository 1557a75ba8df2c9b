"""The checker and report of ``make bench-proactive``: each rule re-derived from what arrived."""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from benchmarks.proactive_week import DRAIN, SETTINGS, WEEK, WEEK_START, ZONES, Scenario
from merchants.proactive import Channel, Kind
from proactive.tables import PENDING, SENT


@dataclass
class Delivery:
    """A message a stand-in received, stamped with the simulated time it arrived."""

    channel: Channel
    conversation: str
    shopper: str
    order: str
    kind: Kind
    at: dt.datetime
    key: str = ""  # web chat: the trigger's idempotency key


@dataclass
class Run:
    scenario: Scenario
    answers: Counter[str] = field(default_factory=Counter)
    event_verdicts: Counter[str] = field(default_factory=Counter)
    kills: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    triggers_per_key: Counter[str] = field(default_factory=Counter)
    sms_copies: Counter[tuple[str, str]] = field(default_factory=Counter)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


# ---- the checker ----------------------------------------------------------------------------

RULES = ("quiet_hours", "cap", "consent", "duplicate", "asked_today", "kind_off")


@dataclass
class Check:
    violations: dict[str, int]
    lost: int
    repeated: int
    unrecorded: int  # arrived, yet the outbox does not call it sent
    stuck: int  # due and still pending after the week


def check(run: Run) -> Check:
    """Re-derive every rule from what arrived and the scenario's log; the store is not asked.

    Written apart from ``proactive.rules`` on purpose (quiet hours here span midnight, as the
    settings do), so a bug there cannot hide itself here.
    """
    assert SETTINGS.quiet_hours.start > SETTINGS.quiet_hours.end
    scenario = run.scenario
    violations = dict.fromkeys(RULES, 0)
    quiet, caps = SETTINGS.quiet_hours, SETTINGS.caps
    by_shopper: dict[str, list[Delivery]] = defaultdict(list)
    for d in run.deliveries:
        tz = ZoneInfo(scenario.shoppers[d.shopper].zone)
        by_shopper[d.shopper].append(d)
        local = d.at.astimezone(tz)
        violations["quiet_hours"] += local.time() >= quiet.start or local.time() < quiet.end
        violations["kind_off"] += not SETTINGS.kinds.enabled(d.kind)
        changes = [
            ok for at, ok in scenario.consents.get((d.conversation, d.kind), []) if at <= d.at
        ]
        stop = scenario.stops.get(d.conversation)
        violations["consent"] += not (changes and changes[-1]) or (
            stop is not None and stop <= d.at
        )
        asked = [a for a in scenario.inquiries.get(d.order, []) if a <= d.at]
        violations["asked_today"] += any(a.astimezone(tz).date() == local.date() for a in asked)
    for shopper, got in by_shopper.items():
        tz = ZoneInfo(scenario.shoppers[shopper].zone)
        days = Counter(d.at.astimezone(tz).date() for d in got)
        violations["cap"] += sum(n > caps.per_day for n in days.values())
        violations["cap"] += sum(
            sum(n for day, n in days.items() if 0 <= (last - day).days < 7) > caps.per_week
            for last in days
        )
    per_news = Counter((d.order, d.kind) for d in run.deliveries)
    violations["duplicate"] = sum(n - 1 for n in per_news.values() if n > 1)
    arrived = {(d.order, d.kind) for d in run.deliveries}
    sent = {(r["order_id"], Kind(r["kind"])) for r in run.outbox if r["status"] == SENT}
    end = WEEK_START + WEEK + DRAIN
    repeated = sum(n - 1 for n in run.sms_copies.values() if n > 1)
    repeated += sum(n - 1 for n in run.triggers_per_key.values() if n > 1)
    return Check(
        violations=violations,
        lost=len(sent - arrived),
        repeated=repeated,
        unrecorded=len(arrived - sent),
        stuck=sum(r["status"] == PENDING and r["not_before"] <= end for r in run.outbox),
    )


# ---- the report -----------------------------------------------------------------------------


def tally(run: Run) -> dict[str, Any]:
    """The store's own account: verdicts at the event and at send time, and what became of
    the messages held for quiet hours."""
    at_send = Counter(
        "held_quiet" if d["outcome"] == "hold" else str(d["reason"])
        for d in run.decisions
        if d["stage"] == "send"
    )
    quiet_held = {
        (d["order_id"], d["kind"])
        for d in run.decisions
        if d["outcome"] == "hold" and d["not_before"] is not None and _quiet_release(run, d)
    }
    fate = Counter(r["status"] for r in run.outbox if (r["order_id"], r["kind"]) in quiet_held)
    return {"at_send": at_send, "quiet_held": len(quiet_held), "quiet_fate": fate}


def _quiet_release(run: Run, decision: dict[str, Any]) -> bool:
    zone = ZoneInfo(run.scenario.shoppers[decision["customer_id"]].zone)
    return bool(decision["not_before"].astimezone(zone).time() == SETTINGS.quiet_hours.end)


def report(run: Run, result: Check, args: argparse.Namespace, seconds: float) -> list[str]:
    v, t = run.event_verdicts, tally(run)
    s = t["at_send"]
    sms = sum(d.channel is Channel.sms for d in run.deliveries)
    web = len(run.deliveries) - sms
    fate = t["quiet_fate"]
    kills = run.kills
    lines = [
        "## Proactive messages: a simulated week (`make bench-proactive`)",
        f"Run of {time.strftime('%Y-%m-%d')} on this machine (2 cores), {seconds:.0f} s in all "
        f"(events {run.seconds['events']:.0f} s, sending {run.seconds['sending']:.0f} s). "
        "Reproduce: `make bench-proactive` (`python -m benchmarks.proactive`).",
        "",
        f"{run.scenario.shipment_events:,} shipment events for {args.shoppers:,} shoppers in "
        f"{len(ZONES)} zones over the week of 25 October 2026 (Europe's and Cairo's clocks go "
        "back during it, America's while the last held messages are released), every one "
        "posted signed to the real webhook over HTTP into SQLite (a file in /dev/shm: the "
        "fsync of every commit on this disk would take the week to ten minutes; a killed "
        "process loses nothing of the page cache either way); consents as "
        "`consent.updated` events (SMS and web chat, per kind), STOPs and questions through "
        "the store calls the SMS channel and the inquiry route make. One sender process runs "
        "the real dispatcher on the simulated clock, 15 minutes a step, against HTTP "
        "stand-ins of Twilio and Rasa. Refund news is switched off; reviews come 2 days and "
        "coffee refills 3 days after delivery; quiet hours 21:00-08:00, caps 2 a day, 5 a week.",
        "",
        "| verdict | at the event | at send time |",
        "|---|---|---|",
        f"| sent | {v['sent']:,} queued now | {len(run.deliveries):,} delivered "
        f"({sms:,} SMS, {web:,} web chat) |",
        f"| held for quiet hours | {v['held_quiet']:,} | {s['held_quiet']:,} held again |",
        f"| scheduled (review, refill) | {v['scheduled']:,} | – |",
        f"| suppressed: cap | {v['cap']:,} | {s['cap']:,} |",
        f"| suppressed: consent (incl. STOP) | {v['consent']:,} | {s['consent']:,} |",
        f"| suppressed: duplicate (same order and kind) | {v['duplicate']:,} | – |",
        f"| suppressed: asked today | {v['asked_today']:,} | {s['asked_today']:,} |",
        f"| suppressed: kind off | {v['kind_off']:,} | {s['kind_off']:,} |",
        f"| refused: same event id again (409) | {run.answers['409']:,} | – |",
        "",
        f"Of {t['quiet_held']:,} messages held for quiet hours, {fate[SENT]:,} were released "
        f"and sent, {fate['suppressed']:,} suppressed at release (a STOP, a question, a full "
        f"day), {fate['failed']:,} failed; still waiting at the end: {fate[PENDING]:,}. Webhook "
        f"answers: {dict(sorted(run.answers.items()))}.",
        "",
        "The checker re-derives each rule from the messages the stand-ins received (stamped "
        "with the simulated time) and the benchmark's own log of events, consents, STOPs and "
        "questions, without asking the store:",
        "",
        "| rule | violations |",
        "|---|---|",
        *(f"| {rule.replace('_', ' ')} | {n} |" for rule, n in result.violations.items()),
        "",
        f"The sender process was `kill -9`ed {len(kills)} times while sending (just after "
        "Twilio accepted an SMS, just after Rasa recorded a turn, a few ms after an SMS; rows "
        f"it held at each kill: {', '.join(str(k['claimed']) for k in kills) or '–'}, of "
        f"them with the send begun: {', '.join(str(k['send_started']) for k in kills) or '–'})"
        f" and restarted: **{result.lost} lost** (called sent, never arrived), "
        f"**{result.repeated} repeated** (an SMS or a Rasa turn twice), {result.unrecorded} "
        f"arrived but not "
        f"recorded as sent, {result.stuck} due and still pending at the end.",
    ]
    return lines
