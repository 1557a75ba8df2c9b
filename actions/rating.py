"""The assistant's own rating question: "how did I do?", asked once when a served shopper leaves.

A person's work is rated by the desk's rating form after a resolved handoff (actions/handoff.py).
The assistant's own work gets the same 1-5 question, on the goodbye of a session in which it
served the shopper itself: the shopper asked for something beyond small talk, and no person
took part. It is asked at most once per session, never after a handoff, and only where the
merchant's policy wants it (``support.rating_at_goodbye``, on by default).

The question is ``conversation_rating_form``. Its slot takes the shopper's next words unless
they read as a new request (the domain's ``not_intent`` list): then Rasa rejects the form and
the request is served as usual, so a shopper who remembers something at the door loses
nothing. Words that are no rating end the form quietly as ``skipped``. Analytics reads the
``conversation_rating`` slot from the event stream (docs/analytics.md, "CSAT").
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.reask import AskAction, ReaskingForm
from actions.scores import rating_from
from actions.support import tenant_of
from merchants.policy import load_policy

RATING_FORM = "conversation_rating_form"
RATING_SLOT = "conversation_rating"
SKIPPED = "skipped"
# Intents that are no request of their own: a session of only these was small talk.
SMALL_TALK = frozenset(
    {
        "greet",
        "goodbye",
        "thank",
        "affirm",
        "deny",
        "bot_challenge",
        "out_of_scope",
        "inform",
        "other_language",
        "nlu_fallback",
        "EXTERNAL_proactive_update",
    }
)
# A person took part in the session: the desk asks its own question instead.
PERSON_EVENTS = frozenset({"pause", "resume"})
PERSON_ACTIONS = frozenset({"action_hand_off", "action_request_human", "satisfaction_form"})


def session_events(tracker: Tracker) -> list[dict[str, Any]]:
    """The events of the current session, oldest first."""
    events: list[dict[str, Any]] = []
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            break
        events.append(event)
    return list(reversed(events))


def rating_due(tracker: Tracker) -> bool:
    """Whether this goodbye closes a session the assistant served alone and has not rated yet."""
    if not load_policy(tenant=tenant_of(tracker)).support.rating_at_goodbye:
        return False
    served = False
    for event in session_events(tracker):
        kind = event.get("event")
        if kind in PERSON_EVENTS:
            return False
        if kind == "action" and event.get("name") in PERSON_ACTIONS | {RATING_FORM}:
            return False
        if kind == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            served = served or (intent is not None and intent not in SMALL_TALK)
    return served


class ActionSayGoodbye(Action):
    """Says goodbye; after a session the assistant served alone, asks for a 1-5 rating once."""

    def name(self) -> str:
        return "action_say_goodbye"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_goodbye")
        if not rating_due(tracker):
            return []
        # The form asks the question itself (action_ask_conversation_rating).
        return [FollowupAction(RATING_FORM)]


class ActionAskConversationRating(AskAction):
    slot = RATING_SLOT


class ValidateConversationRatingForm(ReaskingForm, FormValidationAction):
    """Takes a 1-5 rating; anything else ends the form without one (never asks twice)."""

    def name(self) -> str:
        return f"validate_{RATING_FORM}"

    async def validate_conversation_rating(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        score = rating_from(str(slot_value or ""))
        return {RATING_SLOT: str(score) if score else SKIPPED}


class ActionStoreConversationRating(Action):
    """Thanks the shopper; the slot keeps the rating for the event stream (analytics)."""

    def name(self) -> str:
        return "action_store_conversation_rating"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        rating = tracker.get_slot(RATING_SLOT)
        rated = isinstance(rating, str) and rating.isdigit()
        said = "thanks" if rated else "skipped"
        dispatcher.utter_message(response=f"utter_conversation_rating_{said}")
        return []
