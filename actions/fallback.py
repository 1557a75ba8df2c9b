"""What the bot does when it does not understand: rephrase once, then a person takes over."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.knowledge import answered_from_knowledge
from actions.support import hand_off
from guardrails.handoff.rules import Reason, load_rules

FALLBACK_INTENT = "nlu_fallback"


def _fallbacks_in_a_row(tracker: Tracker) -> int:
    """How many of the latest user messages in a row the NLU did not understand."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") in ("session_started", "restart"):
            break  # a new session starts the count afresh
        if event.get("event") != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent != FALLBACK_INTENT:
            break
        count += 1
    return count


class ActionNluFallback(Action):
    """First miss: ask to rephrase. ``nlu_fallbacks_in_a_row`` misses (handoff rules): a person.

    A message that was not understood but carries an order number starts the order lookup.
    With generative replies switched on, a question the merchant's policy or FAQ answers is
    answered instead (and forgotten like a miss, so a form in progress goes on).
    """

    def name(self) -> str:
        return "action_nlu_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if next(tracker.get_latest_entity_values("order_id"), None):
            # Not sure what was asked, but an order number was given: look that order up.
            return [FollowupAction("order_status_form")]
        if await answered_from_knowledge(dispatcher, tracker):
            return [UserUtteranceReverted()]
        # Forget the misunderstood message so it does not steer the dialogue or a form.
        if _fallbacks_in_a_row(tracker) >= load_rules().nlu_fallbacks_in_a_row:
            dispatcher.utter_message(response="utter_fallback_to_person")
            return [UserUtteranceReverted(), *hand_off(Reason.nlu_fallbacks)]
        dispatcher.utter_message(response="utter_please_rephrase")
        return [UserUtteranceReverted()]
