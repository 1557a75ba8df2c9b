"""Reaching a person. Until live handover is on, the bot says how to reach the team."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.support import support_contact
from actions.tenants import tenant_of

# Intents whose flows a person handles for now; each has an ``utter_holding_<intent>``.
HOLDING_INTENTS: frozenset[str] = frozenset()


class ActionRequestHuman(Action):
    """The shopper asked for a person."""

    def name(self) -> str:
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(
            response="utter_human_holding", **support_contact(tenant_of(tracker))
        )
        return []


class ActionHoldingAnswer(Action):
    """Answers a request whose flow is not built in conversation yet, pointing to the team."""

    def name(self) -> str:
        return "action_holding_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent in HOLDING_INTENTS:
            dispatcher.utter_message(
                response=f"utter_holding_{intent}", **support_contact(tenant_of(tracker))
            )
        else:
            dispatcher.utter_message(
                response="utter_human_holding", **support_contact(tenant_of(tracker))
            )
        return []
