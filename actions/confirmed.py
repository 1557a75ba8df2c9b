"""The last step of every change flow: the shopper said yes, so the backend is asked to do it.

Cancelling, returning, changing an address, items or the payment, and filing a claim end the
same way: settle what the form left (blocked, backed out, not confirmed), build the request,
send it once under an idempotency key, and tell the shopper what happened, including a
refusal or a failed backend. :class:`ConfirmedChange` holds that flow in :meth:`run`, in the
manner of rasa-sdk's knowledge-base action; a flow's commit action only fills in its hooks.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.changes import BACKED_OUT, CHANGE_DETAILS
from actions.services.commerce import ChangeRefused, CommerceClient, CommerceError
from actions.support import (
    RunContext,
    apologise_backend_down,
    support_contact,
    tenant_of,
    then_next_request,
)
from actions.verification import LOCKED, UNAVAILABLE

PlanT = TypeVar("PlanT")
OutcomeT = TypeVar("OutcomeT")


def settle(
    dispatcher: CollectingDispatcher, tracker: Tracker, confirmed_slot: str
) -> tuple[str | None, list[EventType]]:
    """The common start of a change's last step.

    Returns the order to change (None when nothing is to be done, after saying why) and the
    events that forget the change's slots.
    """
    reset: list[EventType] = [SlotSet(name, None) for name in CHANGE_DETAILS]
    blocked = tracker.get_slot("lookup_blocked")
    if blocked == LOCKED:
        dispatcher.utter_message(
            response="utter_lookup_locked", **support_contact(tenant_of(tracker))
        )
        return None, reset
    if blocked == UNAVAILABLE:
        apologise_backend_down(dispatcher, tenant_of(tracker))
        return None, [*reset, SlotSet("lookup_blocked", None)]
    order_ref = tracker.get_slot("order_id")
    change_blocked = tracker.get_slot("change_blocked")
    if change_blocked and tracker.get_slot("handoff_reason"):
        return None, [*reset, FollowupAction("action_hand_off")]  # the flow said a person decides
    if (change_blocked and change_blocked != BACKED_OUT) or not order_ref:
        return None, reset  # the refusal was already explained
    if change_blocked == BACKED_OUT or tracker.get_slot(confirmed_slot) is not True:
        dispatcher.utter_message(response="utter_nothing_changed")
        return None, reset
    return str(order_ref), reset


class ConfirmedChange(Action, ABC, Generic[PlanT, OutcomeT]):
    """A change the shopper confirmed, sent to the backend once.

    Hooks, in the order :meth:`run` calls them:

    - :meth:`redirect`: events that replace the whole step (default: none);
    - :meth:`plan`: the request, read from the slots (None after saying why it cannot go);
    - :meth:`key_parts`: what makes the request unique, for the idempotency key;
    - :meth:`apply`: the backend call;
    - :meth:`done`: what the shopper hears, and events beyond forgetting the change;
    - :meth:`refused`: what the shopper hears when the backend says no.

    A refusal is answered with ``refusals[code]`` or ``refused_response``; any other backend
    failure with the apology and the merchant's contact. The slots of the change are forgotten
    whatever happens. ``context_of`` builds the per-run context (tenant, policy, client) and
    is the seam a test uses to hand in its own backend.
    """

    action_name: ClassVar[str]
    confirmed_slot: ClassVar[str]
    kind: ClassVar[str]  # names the change in the idempotency key
    refused_response: ClassVar[str]
    refusals: ClassVar[dict[str, str]] = {}

    def __init__(self, context_of: Callable[[Tracker], RunContext] = RunContext.of) -> None:
        self._context_of = context_of

    def name(self) -> str:
        return self.action_name

    @then_next_request
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Settle, plan, apply once, report: the same for every change."""
        redirected = self.redirect(tracker)
        if redirected is not None:
            return redirected
        order_ref, reset = settle(dispatcher, tracker, self.confirmed_slot)
        if order_ref is None:
            return reset
        context = self._context_of(tracker)
        try:
            plan = await self.plan(dispatcher, tracker, context, order_ref)
            if plan is None:
                return reset
            key = ":".join([tracker.sender_id, order_ref, self.kind, *self.key_parts(plan)])
            outcome = await self.apply(context.client, order_ref, plan, key)
        except ChangeRefused as refused:
            return [*reset, *self.refused(dispatcher, context, order_ref, refused)]
        except CommerceError:
            context.apologise(dispatcher)
            return reset
        return [*reset, *self.done(dispatcher, context, order_ref, plan, outcome)]

    def redirect(self, tracker: Tracker) -> list[EventType] | None:
        """Events that take the place of the change (none: the change goes ahead)."""
        return None

    @abstractmethod
    async def plan(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        context: RunContext,
        order_ref: str,
    ) -> PlanT | None:
        """The request to send, from the confirmed slots; None after telling the shopper why not."""

    def key_parts(self, plan: PlanT) -> list[str]:
        """What tells this request from another of the same kind on the same order."""
        return []

    @abstractmethod
    async def apply(
        self, client: CommerceClient, order_ref: str, plan: PlanT, key: str
    ) -> OutcomeT:
        """Sends the change; raises ``ChangeRefused`` or ``CommerceError`` when it fails."""

    def refused(
        self,
        dispatcher: CollectingDispatcher,
        context: RunContext,
        order_ref: str,
        refused: ChangeRefused,
    ) -> list[EventType]:
        """Tells the shopper the backend said no (``refusals[code]`` or ``refused_response``)."""
        dispatcher.utter_message(
            response=self.refusals.get(refused.code, self.refused_response),
            order_id=order_ref,
            **context.support(),
        )
        return []

    @abstractmethod
    def done(
        self,
        dispatcher: CollectingDispatcher,
        context: RunContext,
        order_ref: str,
        plan: PlanT,
        outcome: OutcomeT,
    ) -> list[EventType]:
        """Tells the shopper the change is made; events to add to forgetting the change."""


def slot_text(tracker: Tracker, name: str, default: str = "") -> str:
    """A slot's value as text, ``default`` when it is empty."""
    value: Any = tracker.get_slot(name)
    return str(value) if value else default
