"""Small pieces shared by the flows: the conversation's merchant, contact details, the apology."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from babel.numbers import format_currency
from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.services.commerce import CommerceClient, client_from_env
from guardrails.handoff.rules import Reason
from merchants.policy import MerchantPolicy, load_policy, support_contact


def tenant_of(tracker: Tracker) -> str | None:
    """The conversation's tenant (the ``tenant`` slot), for scoping policy and backend calls."""
    value = tracker.get_slot("tenant")
    return value if isinstance(value, str) and value else None


def apologise_backend_down(dispatcher: CollectingDispatcher, tenant: str | None = None) -> None:
    """What every flow says when the commerce backend fails: sorry, and a person to ask."""
    dispatcher.utter_message(response="utter_backend_unavailable", **support_contact(tenant))


@dataclass(frozen=True)
class RunContext:
    """What one run of an action needs from the merchant, resolved once from the tracker.

    The tenant decides the policy and the backend; reading the slot in one place keeps an
    action from mixing two merchants, and lets a test hand in its own client.
    """

    tenant: str | None
    policy: MerchantPolicy
    client: CommerceClient

    @classmethod
    def of(
        cls, tracker: Tracker, clients: Callable[[str | None], CommerceClient] | None = None
    ) -> RunContext:
        """The context of ``tracker``'s conversation; ``clients`` builds the tenant's client.

        Without ``clients``, the process-wide factory of this module is looked up at each call,
        so a test replaces the backend of every flow in one place.
        """
        tenant = tenant_of(tracker)
        return cls(tenant, load_policy(tenant=tenant), (clients or client_from_env)(tenant))

    def support(self) -> dict[str, str]:
        """The merchant's support contact, as template values."""
        return support_contact(self.tenant)

    def apologise(self, dispatcher: CollectingDispatcher) -> None:
        """Sorry, the backend failed, and a person to ask."""
        apologise_backend_down(dispatcher, self.tenant)


# How a shopper hears an order state where the state's own name reads badly.
STATUS_WORDS = {
    "shipped": "on its way",
    "in_transit": "in transit",
    "out_for_delivery": "out for delivery today",
}


def money(amount: float, currency: str) -> str:
    """An amount as every reply writes it: "$1,234.50", "€25.00", by Babel's CLDR data.

    One formatter keeps a total, a line price and a refund of the same order looking alike, and
    puts the merchant's currency symbol where the currency has one.
    """
    return str(format_currency(amount, currency or "USD", locale="en_US"))


def status_words(status: str) -> str:
    """An order state as a shopper says it: "on its way", "in transit", "cancelled"."""
    return STATUS_WORDS.get(status, status.replace("_", " "))


def hand_off(reason: Reason) -> list[EventType]:
    """Events a flow returns to hand the conversation to a person for ``reason``."""
    return [SlotSet("handoff_reason", reason.value), FollowupAction("action_hand_off")]


NEXT_REQUEST = "action_next_request"
ActionT = TypeVar("ActionT")
Run = Callable[[ActionT, CollectingDispatcher, Tracker, DomainDict], Awaitable[list[EventType]]]


def with_next_request(tracker: Tracker, events: list[EventType]) -> list[EventType]:
    """``events``, then the next request of a message that held several (``more_requests``).

    A flow that hands off, or has already chosen what comes next, keeps its own way.
    """
    if not tracker.get_slot("more_requests"):
        return events
    if any(isinstance(e, dict) and e.get("event") == "followup" for e in events):
        return events
    return [*events, FollowupAction(NEXT_REQUEST)]


def then_next_request(run: Run[ActionT]) -> Run[ActionT]:
    """Marks the ``run`` of an action that ends a flow: the shopper's next request follows."""

    @functools.wraps(run)
    async def ended(
        self: ActionT, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return with_next_request(tracker, await run(self, dispatcher, tracker, domain))

    return ended
