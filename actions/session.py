"""Session start: pick up the tenant and a signed shopper identity from the channel."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.services.commerce import CommerceError, client_from_env
from merchants.identity import (
    channel_claims,
    channel_secret,
    customer_from_token,
    identity_secret,
    unseal,
)
from merchants.tenants import known_tenant, load_registry


async def customer_from_phone(tenant: str | None, sealed_phone: str | None) -> str | None:
    """The customer whose phone sent this SMS, when the tenant trusts sender numbers.

    Only a number the SMS channel sealed and signed reaches here (Twilio signed the request it
    came in), so nobody can claim a number by typing it. No match, two matches or a backend
    hiccup all mean "unknown": the shopper verifies with the order's e-mail or ZIP as usual.
    """
    if not sealed_phone or not tenant:
        return None
    entry = load_registry().tenants.get(tenant)
    if entry is None or entry.sms is None or not entry.sms.identify_by_phone:
        return None
    phone = unseal(sealed_phone, tenant, channel_secret())
    if phone is None:
        return None
    try:
        return await client_from_env(tenant).customer_by_phone(phone)
    except CommerceError:
        return None


class ActionSessionStart(Action):
    """Starts a session and trusts a channel's identity only when its signature checks out."""

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events: list[EventType] = [SessionStarted()]
        metadata: dict[str, Any] = tracker.get_slot("session_started_metadata") or {}
        vouched = channel_claims(metadata.get("channel_token"), channel_secret())
        tenant = known_tenant(vouched.get("tenant"))
        if tenant:
            events.append(SlotSet("tenant", tenant))
        customer_id = customer_from_token(metadata.get("customer_token"), identity_secret())
        if not customer_id:
            customer_id = await customer_from_phone(tenant, vouched.get("phone"))
        if customer_id:
            events.append(SlotSet("customer_id", customer_id))
        events.append(ActionExecuted("action_listen"))
        return events
