"""Conversations, turns, form runs, handoffs and ratings, derived from the facts of one sender.

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
- A reply is a bot message eligible for rewording (its fact has a ``generation=`` flag); its
  flow is that of the shopper turn it answers.
- The assistant's own rating question is asked when ``conversation_rating_form`` becomes
  active; its answer is the ``conversation_rating`` slot. It is no form run (form figures
  leave it out), changes no flow, and neither it nor its answer keeps a conversation from
  being resolved by the bot; a new request instead of an answer is a turn of its own flow.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence

from analytics.facts import SET, Fact
from analytics.records import BotRating, Derived, Handoff, Reply, Run, Turn, utc_day
from analytics.vocabulary import (
    BOT_RATING_FORM,
    BOT_RATING_SLOT,
    DEFAULT_TENANT,
    FAILURES,
    FALLBACK_INTENT,
    FLOW_ENDS,
    FORM_SUBMITS,
    GENERATION_FLAG,
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
        self.turns: list[Turn] = []
        self.runs: list[Run] = []  # form runs (not the rating question's: bot_ratings)
        self.handoffs: list[Handoff] = []
        self.replies: list[Reply] = []
        self.bot_ratings: list[BotRating] = []  # each time the assistant asked its question
        self.suggestions: Counter[str] = Counter()
        self.focus: str | None = None
        self.first_flow: str | None = None
        self.run: Run | None = None  # the active form's run
        self.ending: Run | None = None  # a run that ended in this bot turn
        self.requested: str | None = None
        self.paused = False
        self.slots: dict[str, str | None] = {}
        self.responses: list[str] = []  # the bot's responses since the shopper's last message
        self.before_last_message: list[str] = []
        self.turn_handoffs: list[Handoff] = []  # handoffs since the shopper's last message
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
        run = self.run
        if run is not None and run.form == BOT_RATING_FORM and intent_flow is not None:
            run = None  # a request is no rating: the question lets it through (its not_intent)
        self.turns.append(
            Turn(
                ts=fact.ts,
                intent=fact.intent,
                confidence=fact.confidence,
                flow=run.flow if run else (intent_flow or self.focus or OTHER),
                form=run.form if run else None,
                requested_slot=self.requested if run else None,
                with_person=self.paused,
                injection=INJECTION in fact.flags,
                signal=signals[0] if signals else None,
            )
        )

    def _on_bot(self, fact: Fact) -> None:
        for flag in fact.flags:
            if flag.startswith(GENERATION_FLAG):
                flow = self.turns[-1].flow if self.turns else (self.focus or OTHER)
                reason = flag[len(GENERATION_FLAG) :]
                self.replies.append(Reply(fact.ts, fact.name, flow, reason))
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
            handoff = Handoff(fact.ts, self.focus or "handoff", self._reason())
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
            self.run = Run(fact.name, flow, fact.ts)
            if fact.name == BOT_RATING_FORM:
                self.bot_ratings.append(BotRating(fact.ts))  # the question is asked
            else:
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
        elif name == BOT_RATING_SLOT and fact.value in RATINGS | {RATING_SKIPPED}:
            if self.bot_ratings:
                self.bot_ratings[-1].answer(str(fact.value))

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

    def _last_handoff(self) -> Handoff | None:
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
        # The rating question at goodbye is no form waiting, and its answer no request.
        waiting = self.run is not None and self.run.form != BOT_RATING_FORM
        asked = [t for t in self.turns if t.form != BOT_RATING_FORM]
        by_bot = (
            self.resolved_at is not None
            and not waiting
            and not (asked and asked[-1].intent == FALLBACK_INTENT)
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
        flow = self.first_flow or OTHER  # the bot's rating question counts for it too
        out.conversations.append(
            {
                **keys,
                "day": utc_day(start),
                "flow": flow,
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
        threshold = self.threshold
        out.turns += [{**keys, "turn": n, **t.row(threshold)} for n, t in enumerate(self.turns)]
        out.forms += [{**keys, "run": n, **run.row()} for n, run in enumerate(self.runs)]
        out.handoffs += [{**keys, "n": n, **h.row()} for n, h in enumerate(self.handoffs)]
        out.replies += [{**keys, "n": n, **r.row()} for n, r in enumerate(self.replies)]
        out.bot_ratings += [
            {**keys, "n": n, **asked.row(flow)} for n, asked in enumerate(self.bot_ratings)
        ]


_FUNNEL = ("offered", "shown", "clicked", "declined")


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
