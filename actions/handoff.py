"""Reaching a person: open a ticket at the desk, tell the shopper the wait, pause the bot.

Every handoff goes through :class:`ActionHandOff` (``action_request_human`` is the same
action, started by the shopper asking). Its reason comes, in this order, from the
``handoff_reason`` slot (set by a flow that cannot go on), the ``handoff_signal`` entity
(safety, legal, anger: found by ``nlu_components/handoff.py``), repeated prompt-injection
attempts (``guardrail`` entities, set only with generative replies on), the bot's last answer
(the shopper accepting an offer after a locked lookup or a backend failure), or the shopper
asking.
While a person has the conversation Rasa records it but does not answer
(``ConversationPaused``); the desk resumes it (``ConversationResumed``), then runs
``action_handed_back`` or the rating form.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import (
    ActiveLoop,
    ConversationPaused,
    EventType,
    SlotSet,
)
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.reask import ReaskingForm
from actions.scores import rating_answer
from actions.services.desk import DeskUnavailable, Handoff, desk_from_env
from actions.support import RunContext, tenant_of
from guardrails.handoff.rules import Reason, load_rules
from guardrails.handoff.signals import injection_handoff_due

DEFAULT_MERCHANT = "demo"
SIGNAL_ENTITY = "handoff_signal"
LAST_TURNS = 10
# Channels that cannot push an agent's message: their clients poll the desk (docs/handoff.md).
# Others get it from Rasa's output channel; socket.io would also choke on a custom payload.
PULL_CHANNELS = frozenset({"rest"})
# Slots worth an agent's glance; empty ones are left out of the summary.
SUMMARY_SLOTS = (
    "order_id",
    "customer_id",
    "lookup_blocked",
    "change_blocked",
    "cancel_reason",
    "return_items",
    "return_reason",
    "return_resolution",
    "problem_kind",
    "problem_items",
    "problem_remedy",
    "new_address",
    "shopper_language",
)
# The bot's answer before "yes, a person" tells why the shopper needed one.
OFFERED_AFTER = {
    "utter_lookup_locked": Reason.verification_locked,
    "utter_backend_unavailable": Reason.backend_down,
    # said by the Rasa server while the action server was down (guardrails/outage.py)
    "utter_service_unavailable": Reason.backend_down,
}


def merchant_of(tracker: Tracker) -> str:
    """The tenant the channel named at session start, or the default merchant."""
    return tenant_of(tracker) or DEFAULT_MERCHANT


def _last_bot_response(tracker: Tracker) -> str | None:
    """The response name of the bot's last message before the latest user message."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return None
            seen_user = True
        elif event.get("event") == "bot" and seen_user:
            return (event.get("metadata") or {}).get("utter_action")
    return None


def session_entities(tracker: Tracker) -> list[list[dict[str, Any]]]:
    """The entities of each shopper message since the session started, oldest first."""
    session: list[list[dict[str, Any]]] = []
    for event in tracker.events:
        if event.get("event") in ("session_started", "restart"):
            session = []
        elif event.get("event") == "user":
            session.append(list((event.get("parse_data") or {}).get("entities") or []))
    return session


def reason_for(tracker: Tracker) -> Reason:
    """Why this conversation goes to a person (see the module notes for the order)."""
    slot = tracker.get_slot("handoff_reason")
    if slot in Reason._value2member_map_:
        return Reason(slot)
    signal = next(tracker.get_latest_entity_values(SIGNAL_ENTITY), None)
    if signal in Reason._value2member_map_:
        return Reason(signal)
    if injection_handoff_due(session_entities(tracker), load_rules()):
        return Reason.prompt_injection
    offered = OFFERED_AFTER.get(_last_bot_response(tracker) or "")
    if offered is not None:
        return offered
    if tracker.get_slot("lookup_blocked") == "locked":
        return Reason.verification_locked
    return Reason.asked_for_person


def verified_order(tracker: Tracker) -> str | None:
    """The last order the shopper proved was theirs in this conversation."""
    current: str | None = None
    verified: str | None = None
    for event in tracker.events:
        if event.get("event") != "slot":
            continue
        if event.get("name") == "order_id":
            current = event.get("value")
        elif event.get("name") == "order_verified" and event.get("value") is True and current:
            verified = current
    return verified


def last_turns(tracker: Tracker, limit: int = LAST_TURNS) -> list[tuple[str, str]]:
    """The last ``limit`` messages, shopper's and bot's, oldest first."""
    turns: list[tuple[str, str]] = []
    for event in tracker.events:
        text = (event.get("text") or "").strip()
        if event.get("event") == "user" and text:
            turns.append(("shopper", text))
        elif event.get("event") == "bot" and text:
            turns.append(("bot", text))
    return turns[-limit:]


def last_intent(tracker: Tracker) -> str | None:
    """What the shopper last asked for, ignoring "not understood" and "a person please"."""
    skip = {"nlu_fallback", "request_human", None}
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            name = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if name not in skip:
                return str(name)
    return None


def summary(tracker: Tracker, reason: Reason) -> dict[str, Any]:
    """What an agent reads first: reason, intent, verified order, slots (masked by the desk)."""
    slots = {name: tracker.get_slot(name) for name in SUMMARY_SLOTS}
    return {
        "reason": reason.value,
        "intent": last_intent(tracker),
        "verified_order": verified_order(tracker),
        "slots": {k: v for k, v in slots.items() if v not in (None, "", [])},
    }


def _latest_user_timestamp(tracker: Tracker) -> float:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return float(event.get("timestamp") or 0.0)
    return 0.0


class ActionHandOff(Action):
    """Opens a ticket, tells the shopper their place in the queue, and pauses the bot."""

    def name(self) -> str:
        return "action_hand_off"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        rules = load_rules()
        reason = reason_for(tracker)
        open_now = rules.support_hours.is_open(dt.datetime.now(dt.timezone.utc))
        handoff = Handoff(
            merchant=merchant_of(tracker),
            sender_id=tracker.sender_id,
            channel=tracker.get_latest_input_channel() or "rest",
            reason=reason.value,
            priority=rules.priority(reason),
            after_hours=not open_now,
            summary=summary(tracker, reason),
            transcript=last_turns(tracker),
            after_ts=_latest_user_timestamp(tracker),
        )
        try:
            ticket = await desk_from_env().open_ticket(handoff)
        except DeskUnavailable:
            dispatcher.utter_message(
                response="utter_handoff_unavailable", **RunContext.of(tracker).support()
            )
            return [SlotSet("handoff_reason", None)]
        if open_now:
            dispatcher.utter_message(
                response="utter_handoff_started",
                queue_position=ticket.queue_position,
                wait_minutes=max(1, ticket.queue_position) * rules.minutes_per_ticket,
            )
        else:
            dispatcher.utter_message(
                response="utter_handoff_after_hours", hours=rules.support_hours.describe()
            )
        if handoff.channel in PULL_CHANNELS:
            # No push on this channel: tell the client where to fetch the agent's messages.
            dispatcher.utter_message(
                json_message={
                    "handoff": {
                        "ticket_id": ticket.ticket_id,
                        "poll_url": ticket.poll_url,
                        "token": ticket.shopper_token,
                    }
                }
            )
        events: list[EventType] = [
            SlotSet("handoff_ticket", str(ticket.ticket_id)),
            SlotSet("handoff_reason", None),
        ]
        if tracker.active_loop.get("name"):
            events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        return [*events, ConversationPaused()]


class ActionRequestHuman(ActionHandOff):
    """The shopper asked for a person (or accepted one when offered)."""

    def name(self) -> str:
        return "action_request_human"


class ActionHandedBack(Action):
    """The agent gave the conversation back; the bot says it is here again."""

    def name(self) -> str:
        return "action_handed_back"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_handed_back")
        return []


class ValidateSatisfactionForm(ReaskingForm, FormValidationAction):
    """Takes a 1-5 rating; anything else ends the form without one (never asks twice)."""

    def name(self) -> str:
        return "validate_satisfaction_form"

    async def validate_satisfaction_rating(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        return {"satisfaction_rating": rating_answer(slot_value)}


class ActionStoreSatisfaction(Action):
    """Stores the rating at the desk, thanks the shopper, forgets the handoff."""

    def name(self) -> str:
        return "action_store_satisfaction"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        rating = tracker.get_slot("satisfaction_rating")
        ticket = tracker.get_slot("handoff_ticket")
        reset: list[EventType] = [
            SlotSet("satisfaction_rating", None),
            SlotSet("handoff_ticket", None),
        ]
        if not (rating and rating.isdigit() and ticket and ticket.isdigit()):
            dispatcher.utter_message(response="utter_rating_skipped")
            return reset
        # If the desk is down the rating is lost, not the conversation: still say thanks.
        with contextlib.suppress(DeskUnavailable):
            await desk_from_env().rate(tracker.sender_id, int(ticket), int(rating))
        dispatcher.utter_message(response="utter_rating_thanks")
        return reset
