"""Small pieces shared by the flows: policy-backed contact details and the backend apology."""

from __future__ import annotations

from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.policy import load_policy


def support_contact(tenant: str | None = None) -> dict[str, Any]:
    """Template variables that tell the shopper how to reach ``tenant``'s team."""
    support = load_policy(tenant=tenant).support
    return {"support_email": support.email, "support_hours": support.hours}


def apologise_backend_down(dispatcher: CollectingDispatcher, tenant: str | None = None) -> None:
    """What every flow says when the commerce backend fails: sorry, and a person to ask."""
    dispatcher.utter_message(response="utter_backend_unavailable", **support_contact(tenant))
