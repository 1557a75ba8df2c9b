"""The assistant's own rating question: "how did I do?", asked once when a served shopper leaves.

A person's work is rated by the desk's rating form after a resolved handoff (actions/handoff.py).
The assistant's own work gets the same 1-5 question, on the goodbye of a session in which it
served the shopper itself; the Rasa server decides when (``nlu_components/rating.py``) and
starts ``conversation_rating_form`` right after ``utter_goodbye``.

The form's slot takes the shopper's next words unless they read as a new request (the
domain's ``not_intent`` list): then Rasa rejects the form and the request is served as usual,
so a shopper who remembers something at the door loses nothing. Words that are no rating end
the form quietly as ``skipped``. Analytics reads the ``conversation_rating`` slot from the event
stream (docs/analytics.md, "CSAT").
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.reask import AskAction, ReaskingForm
from actions.scores import rating_answer

RATING_FORM = "conversation_rating_form"
RATING_SLOT = "conversation_rating"


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
        return {RATING_SLOT: rating_answer(slot_value)}


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
