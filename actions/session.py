"""Session start: pick up a signed shopper identity from the channel."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.identity import customer_from_token, identity_secret


class ActionSessionStart(Action):
    """Starts a session and trusts a channel's identity only when its signature checks out."""

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events: list[EventType] = [SessionStarted()]
        metadata: dict[str, Any] = tracker.get_slot("session_started_metadata") or {}
        customer_id = customer_from_token(metadata.get("customer_token"), identity_secret())
        if customer_id:
            events.append(SlotSet("customer_id", customer_id))
        events.append(ActionExecuted("action_listen"))
        return events
