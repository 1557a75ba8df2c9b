"""Conversations, turns, form runs and handoffs, derived from the facts of one sender.

A pure function of the facts: ordered by timestamp (then position in the source, then id),
the same facts always give the same rows. docs/analytics.md states each rule in words; the
names below follow it.

- A conversation is one Rasa session: it starts at ``action_session_start``,
  ``session_started`` or ``restart``. One without a message from the shopper is no
  conversation (nothing to count).
- A turn is a message the shopper sent (a clause the bot replayed is not one). Its latency
  runs to the bot's first message after it, unless a person has the conversation.
- A form run lasts from ``active_loop: <form>`` to ``active_loop: null``.
- A handoff is a run of ``action_hand_off`` or ``action_request_human``; it opened a ticket
  when the bot paused right after it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from analytics.facts import SET, Fact
from analytics.vocabulary import (
    DEFAULT_TENANT,
    FAILURES,
    FALLBACK_INTENT,
    FLOW_ENDS,
    FORM_SUBMITS,
    HANDED_BACK,
    HANDOFF_ACTIONS,
    INJECTION,
    OFFERED_AFTER,
    OTHER,
    RATING_FORM,
    RATING_SKIPPED,
    RATING_SLOT,
    RATINGS,
    REASONS,
    REQUESTED_SLOT,
    SESSION_START,
    SIDE_FLOWS,
    SUGGESTION_PICKED,
    SUGGESTIONS_DECLINED,
    SUGGESTIONS_OFFERED,
    SUGGESTIONS_SHOWN,
    TENANT_SLOT,
    flow_of_form,
    flow_of_intent,
)

STARTS = frozenset({"session_started", "restart"})
ASKED_FOR_PERSON = "asked_for_person"


@dataclass
class Derived:
    """Rows for the derived tables (:mod:`analytics.tables`)."""

    conversations: list[dict[str, Any]] = field(default_factory=list)
    turns: list[dict[str, Any]] = field(default_factory=list)
    forms: list[dict[str, Any]] = field(default_factory=list)
    handoffs: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Turn:
    ts: float
    intent: str | None
    confidence: float | None
    flow: str
    form: str | None
    requested_slot: str | None
    with_person: bool
    injection: bool
    signal: str | None
    latency_ms: float | None = None


@dataclass
class _Run:
    form: str
    flow: str
    started_at: float
    ended_at: float | None = None
    outcome: str | None = None
    last_step: str | None = None
    handed_off: bool = False


@dataclass
class _Handoff:
    ts: float
    flow: str
    reason: str
    opened: bool = False
    outcome: str | None = None
    rating: int | None = None
    rating_skipped: bool = False


def order_key(fact: Fact) -> tuple[float, bool, int, str]:
    """Timestamp, then position in the source, then id: a total, replay-proof order."""
    return (fact.ts, fact.seq is None, fact.seq or 0, fact.event_id)


def sessions(facts: Iterable[Fact]) -> list[list[Fact]]:
    """The facts split into Rasa sessions, oldest first."""
    split: list[list[Fact]] = [[]]
    for fact in sorted(facts, key=order_key):
        starts = fact.kind in STARTS or (fact.kind == "action" and fact.name == SESSION_START)
        if starts and any(not _is_start(f) for f in split[-1]):
            split.append([])
        split[-1].append(fact)
    return [s for s in split if s]


def _is_start(fact: Fact) -> bool:
    return fact.kind in STARTS or (fact.kind == "action" and fact.name == SESSION_START)


class _Conversation:
    """Walks one session's facts in order, keeping the dialogue's state as Rasa would."""

    def __init__(self, facts: Sequence[Fact], threshold: float, previous: _Conversation | None):
        self.facts = facts
        self.threshold = threshold
        self.previous = previous
        self.turns: list[_Turn] = []
        self.runs: list[_Run] = []
        self.handoffs: list[_Handoff] = []
        self.suggestions: Counter[str] = Counter()
        self.focus: str | None = None
        self.first_flow: str | None = None
        self.run: _Run | None = None  # the active form's run
        self.ending: _Run | None = None  # a run that ended in this bot turn
        self.requested: str | None = None
        self.paused = False
        self.slots: dict[str, str | None] = {}
        self.responses: list[str] = []  # the bot's responses since the shopper's last message
        self.before_last_message: list[str] = []
        self.turn_handoffs: list[_Handoff] = []  # handoffs since the shopper's last message
        self.pending_end: float | None = None  # a flow's last action, its answer not yet seen
        self.resolved_at: float | None = None  # the last flow end answered without a failure
        self.person_resolved_at: float | None = None
        self.resume_at: float | None = None
        self.channel: str | None = None
        for fact in facts:
            getattr(self, f"_on_{fact.kind}", self._on_other)(fact)
        self._close_bot_turn()
        if self.run is not None:
            self.run.outcome = "abandoned"

    # --- events -------------------------------------------------------------------------

    def _on_other(self, fact: Fact) -> None:
        return

    def _on_user(self, fact: Fact) -> None:
        self._close_bot_turn()
        intent_flow = flow_of_intent(fact.intent)
        if intent_flow is not None and (intent_flow not in SIDE_FLOWS or self.focus is None):
            self._enter(intent_flow)
        if "replay" in fact.flags:
            return
        self.before_last_message = self.responses
        self.responses = []
        self.turn_handoffs = []
        if self.channel is None and fact.name:
            self.channel = fact.name
        signals = sorted(f.partition("=")[2] for f in fact.flags if f.startswith("signal="))
        self.turns.append(
            _Turn(
                ts=fact.ts,
                intent=fact.intent,
                confidence=fact.confidence,
                flow=self.run.flow if self.run else (intent_flow or self.focus or OTHER),
                form=self.run.form if self.run else None,
                requested_slot=self.requested if self.run else None,
                with_person=self.paused,
                injection=INJECTION in fact.flags,
                signal=signals[0] if signals else None,
            )
        )

    def _on_bot(self, fact: Fact) -> None:
        if "agent" in fact.flags or self.paused:
            return  # a person's message, or the bot speaking for the desk
        turn = self.turns[-1] if self.turns else None
        if turn is not None and turn.latency_ms is None and not turn.with_person:
            turn.latency_ms = round((fact.ts - turn.ts) * 1000.0, 3)
        response = fact.name or ""
        self.responses.append(response)
        if fact.value in REASONS and self.turn_handoffs:
            self.turn_handoffs[-1].reason = str(fact.value)  # the bot said why
        for kinds, key in (
            (SUGGESTIONS_OFFERED, "offered"),
            (SUGGESTIONS_SHOWN, "shown"),
            (SUGGESTION_PICKED, "clicked"),
            (SUGGESTIONS_DECLINED, "declined"),
        ):
            if response in kinds:
                self.suggestions[key] += 1
        if response in FAILURES:
            self.pending_end = None

    def _on_action(self, fact: Fact) -> None:
        name = fact.name or ""
        if name in HANDOFF_ACTIONS:
            handoff = _Handoff(fact.ts, self.focus or "handoff", self._reason())
            self.handoffs.append(handoff)
            self.turn_handoffs.append(handoff)
            if self.run is not None:
                self.run.handed_off = True
        if name in FLOW_ENDS:
            self._close_flow_end()
            self.pending_end = fact.ts
        ending = self.ending
        if ending is not None and ending.outcome is None and FORM_SUBMITS.get(ending.form) == name:
            ending.outcome = "completed"
        if name in (RATING_FORM, HANDED_BACK):
            outcome = "resolved" if name == RATING_FORM else "handed_back"
            self._after_person(outcome, self.resume_at if self.resume_at is not None else fact.ts)

    def _on_active_loop(self, fact: Fact) -> None:
        if fact.name:
            if self.run is not None and self.run.form == fact.name:
                return
            self._end_run(fact.ts, "left")
            flow = flow_of_form(fact.name, self.focus)
            self.run = _Run(fact.name, flow, fact.ts)
            self.runs.append(self.run)
            if flow not in SIDE_FLOWS:
                self._enter(flow)
        elif self.run is not None:
            self.run.ended_at = fact.ts
            if self.run.handed_off:
                self.run.outcome = "handed_off"
            self.ending, self.run = self.run, None

    def _on_slot(self, fact: Fact) -> None:
        name = fact.name or ""
        self.slots[name] = fact.value
        if name == REQUESTED_SLOT:
            self.requested = fact.value if fact.value != SET else None
            if self.run is not None and self.requested:
                self.run.last_step = self.requested
        elif name == RATING_SLOT and fact.value in RATINGS | {RATING_SKIPPED}:
            handoff = self._last_handoff()
            if handoff is not None:
                rated = fact.value in RATINGS
                handoff.rating = int(str(fact.value)) if rated else None
                handoff.rating_skipped = not rated

    def _on_pause(self, fact: Fact) -> None:
        self.paused = True
        if self.turn_handoffs:
            self.turn_handoffs[-1].opened = True

    def _on_resume(self, fact: Fact) -> None:
        self.paused = False
        self.resume_at = fact.ts

    # --- rules --------------------------------------------------------------------------

    def _enter(self, flow: str) -> None:
        self.focus = flow
        if self.first_flow is None:
            self.first_flow = flow

    def _end_run(self, ts: float, outcome: str) -> None:
        if self.run is not None:
            self.run.ended_at, self.run.outcome = ts, outcome
            self.run = None

    def _close_flow_end(self) -> None:
        if self.pending_end is not None:
            self.resolved_at = self.pending_end
            self.pending_end = None

    def _close_bot_turn(self) -> None:
        self._close_flow_end()
        if self.ending is not None and self.ending.outcome is None:
            self.ending.outcome = "left"
        self.ending = None

    def _reason(self) -> str:
        """Why this handoff happened, in the order ``actions/handoff.py`` decides it."""
        slot = self.slots.get("handoff_reason")
        if slot in REASONS:
            return str(slot)
        turn = self.turns[-1] if self.turns else None
        if turn is not None and turn.signal:
            return turn.signal
        if turn is not None and turn.injection:
            return "prompt_injection"
        said = self.before_last_message[-1] if self.before_last_message else ""
        offered = OFFERED_AFTER.get(said)
        if offered is not None:
            return offered
        if self.slots.get("lookup_blocked") == "locked":
            return "verification_locked"
        return ASKED_FOR_PERSON

    def _last_handoff(self) -> _Handoff | None:
        if self.handoffs:
            return self.handoffs[-1]
        return self.previous._last_handoff() if self.previous is not None else None

    def _after_person(self, outcome: str, ts: float) -> None:
        """The desk gave the conversation back; "resolve" counts as resolved by a person."""
        if not self.handoffs and self.previous is not None:
            self.previous._after_person(outcome, ts)  # the desk came back after the session
            return
        handoff = self._last_handoff()
        if handoff is None or handoff.outcome is not None:
            return
        handoff.outcome = outcome
        if outcome == "resolved":
            self.person_resolved_at = ts

    # --- rows ---------------------------------------------------------------------------

    def tenant(self) -> str | None:
        """The tenant slot of this session, else the tenant the conversation id names."""
        for fact in reversed(self.facts):
            if fact.kind == "slot" and fact.name == TENANT_SLOT and fact.value not in (None, SET):
                return str(fact.value)
        return next((f.channel_tenant for f in self.facts if f.channel_tenant), None)

    def resolution(self) -> tuple[str | None, float | None]:
        """Who resolved the conversation (bot, person or None) and when (the later one)."""
        last_handoff = self.handoffs[-1].ts if self.handoffs else None
        by_bot = (
            self.resolved_at is not None
            and self.run is None
            and self.turns[-1].intent != FALLBACK_INTENT
            and (last_handoff is None or self.resolved_at > last_handoff)
        )
        bot_at = self.resolved_at if by_bot else None
        person_at = self.person_resolved_at
        if person_at is not None and (bot_at is None or person_at >= bot_at):
            return "person", person_at
        return ("bot", bot_at) if bot_at is not None else (None, None)

    def rows(self, sender: str, tenant: str, out: Derived) -> None:
        if not self.turns:
            return
        cid = hashlib.sha256(f"{sender}:{self.facts[0].event_id}".encode()).hexdigest()[:32]
        start = self.turns[0].ts
        involved = bool(self.handoffs)
        resolved_by, resolved_at = self.resolution()
        keys = {"conversation_id": cid, "sender_key": sender, "tenant": tenant}
        out.conversations.append(
            {
                **keys,
                "day": utc_day(start),
                "flow": self.first_flow or OTHER,
                "channel": self.channel,
                "started_at": start,
                "ended_at": self.facts[-1].ts,
                "shopper_turns": len(self.turns),
                "handoffs": len(self.handoffs),
                "involved": involved,
                "resolved": resolved_by is not None,
                "resolved_by": resolved_by,
                "contained": resolved_by == "bot" and not involved,
                "resolution_s": None if resolved_at is None else round(resolved_at - start, 3),
                **{f"suggestions_{k}": self.suggestions[k] for k in _FUNNEL},
            }
        )
        for index, turn in enumerate(self.turns):
            out.turns.append(
                {
                    **keys,
                    "turn": index,
                    "day": utc_day(turn.ts),
                    "flow": turn.flow,
                    "ts": turn.ts,
                    "intent": turn.intent,
                    "confidence": turn.confidence,
                    "fallback": turn.intent == FALLBACK_INTENT,
                    "low_confidence": turn.confidence is not None
                    and turn.confidence < self.threshold,
                    "with_person": turn.with_person,
                    "latency_ms": turn.latency_ms,
                    "form": turn.form,
                    "requested_slot": turn.requested_slot,
                    "injection": turn.injection,
                    "handoff_signal": turn.signal,
                }
            )
        for index, run in enumerate(self.runs):
            out.forms.append(
                {
                    **keys,
                    "run": index,
                    "day": utc_day(run.started_at),
                    "flow": run.flow,
                    "form": run.form,
                    "started_at": run.started_at,
                    "ended_at": run.ended_at,
                    "outcome": run.outcome or "left",
                    "last_step": None if run.outcome == "completed" else run.last_step,
                }
            )
        for index, handoff in enumerate(self.handoffs):
            out.handoffs.append(
                {
                    **keys,
                    "n": index,
                    "day": utc_day(handoff.ts),
                    "flow": handoff.flow,
                    "ts": handoff.ts,
                    "reason": handoff.reason,
                    "opened": handoff.opened,
                    "outcome": handoff.outcome,
                    "rating": handoff.rating,
                    "rating_skipped": handoff.rating_skipped,
                }
            )


_FUNNEL = ("offered", "shown", "clicked", "declined")


def utc_day(ts: float) -> dt.date:
    """The UTC calendar day of a Rasa timestamp."""
    return dt.datetime.fromtimestamp(ts, tz=dt.timezone.utc).date()


def derive(sender: str, facts: Iterable[Fact], threshold: float) -> Derived:
    """The derived rows of one sender's conversations.

    Args:
        sender: The sender key the facts share.
        facts: Every fact of that sender, in any order.
        threshold: The FallbackClassifier threshold: below it a turn is low-confidence.
    """
    out = Derived()
    previous: _Conversation | None = None
    built: list[_Conversation] = []
    for session in sessions(facts):
        previous = _Conversation(session, threshold, previous)
        built.append(previous)
    carried: str | None = None  # a session without the slot belongs to the tenant before it
    for conversation in built:
        carried = conversation.tenant() or carried
        conversation.rows(sender, carried or DEFAULT_TENANT, out)
    return out
