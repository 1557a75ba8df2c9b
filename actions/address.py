"""Change the delivery address of an order that has not shipped yet.

Pick and verify the order, check the policy allows it in the order's state, take the new
address in one line ("12 Oak St, Apt 4, Springfield, IL 62704"), read it back and wait for
an explicit yes. The backend validates the ZIP and state again and refuses a shipped order.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.changes import (
    ChangeForm,
    confirm_buttons,
    order_or_apologise,
    state_allows,
)
from actions.confirmed import ConfirmedChange
from actions.postal import Address, format_address, parse_address, read_new_address
from actions.reask import AskAction
from actions.services.commerce import CommerceClient, Order
from actions.support import RunContext, tenant_of
from actions.verification import UNAVAILABLE


class ValidateChangeAddressForm(ChangeForm, FormValidationAction):
    """Verifies the order, checks the policy, then reads the new address."""

    pending_change = True
    corrections: ClassVar[dict[str, tuple[str, ...]]] = {"address_confirmed": ("new_address",)}

    def name(self) -> str:
        return "validate_change_address_form"

    async def check_order(
        self,
        order: Order,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Refuse early when the order is past the states the policy allows."""
        return state_allows(
            order,
            RunContext.of(tracker).policy.changes.change_address,
            dispatcher,
            refusal="utter_address_too_late",
            blocked="address_not_allowed",
            tenant=tenant_of(tracker),
        )

    async def validate_new_address(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        return read_new_address(slot_value, dispatcher)

    async def validate_address_confirmed(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        return {"address_confirmed": slot_value is True}


class ActionAskAddressConfirmed(AskAction):
    """Reads the new address back and asks for an explicit yes."""

    slot = "address_confirmed"

    async def ask(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        order = await order_or_apologise(dispatcher, tracker)
        if order is None:
            return [SlotSet("lookup_blocked", UNAVAILABLE)]
        dispatcher.utter_message(
            response="utter_ask_address_confirmed",
            order_id=order.order_id,
            new_address=tracker.get_slot("new_address"),
            buttons=confirm_buttons("Yes, change it"),
        )
        return []


class ActionChangeAddress(ConfirmedChange[Address, None]):
    """Changes the address once the shopper said yes; says nothing changed otherwise."""

    action_name = "action_change_address"
    confirmed_slot = "address_confirmed"
    kind = "address"
    refused_response = "utter_address_too_late_now"
    refusals: ClassVar[dict[str, str]] = {"invalid_address": "utter_address_invalid"}

    async def plan(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        context: RunContext,
        order_ref: str,
    ) -> Address | None:
        """The parsed address, addressed to the order's recipient."""
        address = parse_address(tracker.get_slot("new_address") or "")
        if address is None:
            return None
        order = await context.client.get_order(order_ref)
        return {**address, "name": order.shipping_name or "Customer"}

    def key_parts(self, plan: Address) -> list[str]:
        return [format_address(plan)]

    async def apply(self, client: CommerceClient, order_ref: str, plan: Address, key: str) -> None:
        await client.change_address(order_ref, plan, key)

    def done(
        self,
        dispatcher: CollectingDispatcher,
        context: RunContext,
        order_ref: str,
        plan: Address,
        outcome: None,
    ) -> list[EventType]:
        dispatcher.utter_message(
            response="utter_address_changed", order_id=order_ref, new_address=format_address(plan)
        )
        return []
