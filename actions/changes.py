"""What every change flow (cancel, return, ...) shares: backing out and forgetting."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.services.commerce import CommerceError, Order, client_from_env
from actions.support import apologise_backend_down, support_contact
from actions.verification import LOCKED, UNAVAILABLE, OrderVerification

BACKED_OUT = "backed_out"
# Slots a change flow fills; all are forgotten when the change is done or abandoned.
CHANGE_SLOTS = (
    "order_id",
    "order_verified",
    "change_blocked",
    "cancel_reason",
    "cancel_confirmed",
    "return_items",
    "return_reason",
    "return_resolution",
    "return_confirmed",
    "problem_kind",
    "problem_items",
    "problem_remedy",
    "problem_confirmed",
    "new_address",
    "address_confirmed",
)
GIVES_A_REASON = ("need", "want", "mistake", "wrong", "fit", "small", "big", "broken", "damaged")
BACK_OUT_WORDS = (
    "forget it",
    "never mind",
    "nevermind",
    "nvm",
    "don't cancel",
    "dont cancel",
    "keep it",
    "leave it",
    "changed my mind about",
)
BACK_OUT_REPLIES = frozenset({"no", "nope", "nah", "no thanks", "no thank you", "stop"})


def is_backing_out(text: str) -> bool:
    """True when the answer to "why cancel?" is really "don't cancel"."""
    lowered = " ".join(text.lower().replace("!", " ").replace(".", " ").split())
    if any(w in lowered for w in GIVES_A_REASON):
        return False  # "no, I don't need it" is a reason
    return lowered in BACK_OUT_REPLIES or any(w in lowered for w in BACK_OUT_WORDS)


class ActionForgetChange(Action):
    """The shopper backed out of a change: say nothing changed and forget its details."""

    def name(self) -> str:
        return "action_forget_change"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_nothing_changed")
        return [SlotSet(name, None) for name in CHANGE_SLOTS]


class ChangeForm(OrderVerification):
    """Validation shared by the forms that change an order (cancel, return, claim).

    After the shopper is verified, :meth:`check_order` runs the flow's own policy check on the
    live order; a flow ends early by setting ``change_blocked``.
    """

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """Ends the form when the change cannot go ahead."""
        if tracker.get_slot("change_blocked"):
            return []
        return await super().required_slots(domain_slots, dispatcher, tracker, domain)

    async def validate_order_id(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        result = await super().validate_order_id(slot_value, dispatcher, tracker, domain)
        return await self._once_verified(result, dispatcher, tracker, domain)

    async def validate_order_verified(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        result = await super().validate_order_verified(slot_value, dispatcher, tracker, domain)
        return await self._once_verified(result, dispatcher, tracker, domain)

    async def _once_verified(
        self,
        result: dict[str, Any],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        if result.get("order_verified") is not True:
            return result
        order_ref = result.get("order_id") or tracker.get_slot("order_id") or ""
        try:
            order = await client_from_env().get_order(order_ref)
        except CommerceError:
            return {**result, "lookup_blocked": UNAVAILABLE}
        return {**result, **await self.check_order(order, dispatcher, tracker, domain)}

    async def check_order(
        self,
        order: Order,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """The flow's policy check on the verified order; extra slot updates (none here)."""
        return {}


def confirm_buttons(yes: str, no: str = "No") -> list[dict[str, str]]:
    """The explicit yes / no every change waits for."""
    return [{"title": yes, "payload": "/affirm"}, {"title": no, "payload": "/deny"}]


async def order_or_apologise(dispatcher: CollectingDispatcher, tracker: Tracker) -> Order | None:
    """The order being changed, or None after telling the shopper the backend is down."""
    try:
        return await client_from_env().get_order(tracker.get_slot("order_id") or "")
    except CommerceError:
        apologise_backend_down(dispatcher)
        return None


def settle(
    dispatcher: CollectingDispatcher, tracker: Tracker, confirmed_slot: str
) -> tuple[str | None, list[EventType]]:
    """The common start of a change's last step.

    Returns the order to change (None when nothing is to be done, after saying why) and the
    events that forget the change's slots.
    """
    reset: list[EventType] = [SlotSet(name, None) for name in CHANGE_SLOTS]
    blocked = tracker.get_slot("lookup_blocked")
    if blocked == LOCKED:
        dispatcher.utter_message(response="utter_lookup_locked", **support_contact())
        return None, reset
    if blocked == UNAVAILABLE:
        apologise_backend_down(dispatcher)
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
