"""Small pieces shared by the flows: the conversation's merchant, contact details, the apology."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from merchants.policy import support_contact


def tenant_of(tracker: Tracker) -> str | None:
    """The conversation's tenant (the ``tenant`` slot), for scoping policy and backend calls."""
    value = tracker.get_slot("tenant")
    return value if isinstance(value, str) and value else None


def apologise_backend_down(dispatcher: CollectingDispatcher, tenant: str | None = None) -> None:
    """What every flow says when the commerce backend fails: sorry, and a person to ask."""
    dispatcher.utter_message(response="utter_backend_unavailable", **support_contact(tenant))
