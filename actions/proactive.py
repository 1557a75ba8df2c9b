"""Aftercare writes first: the words of a proactive message (docs/proactive.md).

The proactive service opens the conversation with ``EXTERNAL_proactive_update`` through Rasa's
HTTP API, which carries no channel metadata: the session it starts knows neither the merchant
nor the shopper. The merchant is read here from the conversation id the channel built
(``sms:<tenant>:…``, ``messenger:<tenant>:…``), so the shopper's answer reaches the right
store. The shopper is not taken as verified: the message says only what the merchant's event
said, and anything more about the order waits for the usual second factor.
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.support import tenant_of
from merchants.tenants import known_tenant

# Channels whose conversation ids name their tenant: "<channel>:<tenant>:<id>".
TENANT_SCOPED = ("sms", "messenger")


def tenant_in(sender_id: str) -> str | None:
    """The tenant a channel wrote into a conversation id, when it is a configured one."""
    channel, _, rest = sender_id.partition(":")
    tenant, _, _ = rest.partition(":")
    return known_tenant(tenant) if channel in TENANT_SCOPED else None


class ActionProactiveUpdate(Action):
    """Says the proactive message for its kind and keeps the order in focus."""

    def name(self) -> str:
        return "action_proactive_update"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events: list[EventType] = []
        if tenant_of(tracker) is None:
            tenant = tenant_in(tracker.sender_id)
            if tenant is not None:
                events.append(SlotSet("tenant", tenant))
        dispatcher.utter_message(response="utter_proactive_update")
        return events
