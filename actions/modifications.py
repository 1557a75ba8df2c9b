"""Change a pending order before it ships: its items (another option of the same product)
or the payment method that pays for it.

Both start like every change flow (pick and verify the order, check the policy for the
order's state), then read what should change, list exactly what will happen and wait for an
explicit yes. Item changes are read all at once and checked against live stock; a price
difference is charged to, or refunded through, a payment method the shopper picks, and a
gift card has to cover it. The backend checks all of it again and refuses a second item
change on the same order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.changes import (
    ChangeForm,
    confirm_buttons,
    order_or_apologise,
    state_allows,
)
from actions.confirmed import ConfirmedChange, slot_text
from actions.options import (
    decode_swaps,
    describe_swap,
    method_buttons,
    option_buttons,
    total_difference,
)
from actions.reask import AskAction
from actions.services.commerce import CommerceClient, CommerceError, Order
from actions.support import RunContext, money, tenant_of
from actions.swaps import (
    OptionChangeValidation,
    chosen_swaps,
    lines_to_change,
    method_label,
    money_words,
    products_of,
    read_payment_method,
)
from actions.verification import UNAVAILABLE
from merchants.policy import Resolution

EXCHANGE_INSTEAD = "exchange_instead"


class ValidateChangeItemsForm(OptionChangeValidation, ChangeForm, FormValidationAction):
    """Verifies a pending order, then reads the new options and how to settle the price."""

    pending_change = True
    # New options at the summary: the price may differ, so the payment is asked again.
    corrections: ClassVar[dict[str, tuple[str, ...]]] = {
        "items_confirmed": ("item_changes", "payment_method", "price_difference")
    }

    def name(self) -> str:
        return "validate_change_items_form"

    async def check_order(
        self,
        order: Order,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Refuse early when the policy does not allow item changes in this state.

        A delivered order's items change through an exchange: when the policy offers one,
        the shopper is taken there instead of being refused.
        """
        policy = RunContext.of(tracker).policy
        if order.status not in policy.changes.change_items and (
            order.status in policy.changes.return_items
            and Resolution.exchange in policy.returns.resolutions
        ):
            dispatcher.utter_message(
                response="utter_items_delivered_exchange_instead", order_id=order.order_id
            )
            return {"change_blocked": EXCHANGE_INSTEAD}
        refused = state_allows(
            order,
            policy.changes.change_items,
            dispatcher,
            refusal="utter_items_too_late",
            blocked="items_not_allowed",
            tenant=tenant_of(tracker),
        )
        if refused:
            return refused
        if order.items_modified:
            dispatcher.utter_message(response="utter_items_changed_once", order_id=order.order_id)
            return {"change_blocked": "items_changed_once"}
        return {}

    async def validate_items_confirmed(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        return {"items_confirmed": slot_value is True}


class ActionAskItemChanges(AskAction):
    """Asks for every item change at once, with the in-stock options as buttons."""

    slot = "item_changes"

    async def ask(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        order = await order_or_apologise(dispatcher, tracker)
        if order is None:
            return [SlotSet("lookup_blocked", UNAVAILABLE)]
        lines = lines_to_change(order, tracker)
        try:
            products = await products_of(lines, tenant_of(tracker))
        except CommerceError:
            RunContext.of(tracker).apologise(dispatcher)
            return [SlotSet("lookup_blocked", UNAVAILABLE)]
        exchange = tracker.active_loop_name == "return_form"
        dispatcher.utter_message(
            response="utter_ask_exchange_options" if exchange else "utter_ask_item_changes",
            items="; ".join(
                f"{line.product_name} ({', '.join(f'{k} {v}' for k, v in line.options.items())})"
                for line in lines
            ),
            buttons=option_buttons(lines, products, order.currency, same=exchange),
        )
        return []


class ActionAskPaymentMethod(AskAction):
    """Offers the shopper's payment methods: to settle a price difference, or to pay instead."""

    slot = "payment_method"

    async def ask(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        order = await order_or_apologise(dispatcher, tracker)
        if order is None:
            return [SlotSet("lookup_blocked", UNAVAILABLE)]
        try:
            methods = await RunContext.of(tracker).client.payment_methods(order.customer_id)
        except CommerceError:
            RunContext.of(tracker).apologise(dispatcher)
            return [SlotSet("lookup_blocked", UNAVAILABLE)]
        if tracker.active_loop_name == "change_payment_form":
            dispatcher.utter_message(
                response="utter_ask_payment_method_instead",
                order_id=order.order_id,
                current=", ".join(method_label(methods, m) for m in order.paid_with) or "nothing",
                buttons=method_buttons(methods, order.currency, order.paid_with),
            )
            return []
        difference = float(tracker.get_slot("price_difference") or 0.0)
        dispatcher.utter_message(
            response="utter_ask_payment_method_charge"
            if difference > 0
            else "utter_ask_payment_method_refund",
            amount=money(abs(difference), order.currency),
            buttons=method_buttons(methods, order.currency),
        )
        return []


class ActionAskItemsConfirmed(AskAction):
    """Lists every item change and the money, then asks for an explicit yes."""

    slot = "items_confirmed"

    async def ask(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        order = await order_or_apologise(dispatcher, tracker)
        if order is None:
            return [SlotSet("lookup_blocked", UNAVAILABLE)]
        try:
            swaps = await chosen_swaps(order, tracker.get_slot("item_changes"), tenant_of(tracker))
            methods = await RunContext.of(tracker).client.payment_methods(order.customer_id)
        except CommerceError:
            RunContext.of(tracker).apologise(dispatcher)
            return [SlotSet("lookup_blocked", UNAVAILABLE)]
        dispatcher.utter_message(
            response="utter_ask_items_confirmed",
            order_id=order.order_id,
            changes="; ".join(describe_swap(s, order.currency) for s in swaps),
            money=money_words(
                total_difference(swaps), method_label(methods, _method(tracker)), order.currency
            ),
            buttons=confirm_buttons("Yes, change the items"),
        )
        return []


def _method(tracker: Tracker) -> str | None:
    value = tracker.get_slot("payment_method")
    return str(value) if value else None


@dataclass(frozen=True)
class ItemChange:
    """The confirmed swaps (line id → new SKU), as the slot holds them, and who pays."""

    swaps: str
    payment_method: str

    @property
    def changes(self) -> dict[int, str]:
        return decode_swaps(self.swaps)


class ActionChangeItems(ConfirmedChange[ItemChange, Order]):
    """Swaps the items once the shopper said yes; says nothing changed otherwise."""

    action_name = "action_change_items"
    confirmed_slot = "items_confirmed"
    kind = "items"
    refused_response = "utter_items_refused_now"
    refusals: ClassVar[dict[str, str]] = {"out_of_stock": "utter_option_out_of_stock_now"}

    def redirect(self, tracker: Tracker) -> list[EventType] | None:
        """A delivered order's items are exchanged through a return, not changed."""
        if tracker.get_slot("change_blocked") != EXCHANGE_INSTEAD:
            return None
        # The verified order stays; the return form starts with the exchange chosen.
        return [
            SlotSet("change_blocked", None),
            SlotSet("return_resolution", Resolution.exchange.value),
            FollowupAction("return_form"),
        ]

    async def plan(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        context: RunContext,
        order_ref: str,
    ) -> ItemChange:
        return ItemChange(slot_text(tracker, "item_changes"), slot_text(tracker, "payment_method"))

    def key_parts(self, plan: ItemChange) -> list[str]:
        return [plan.swaps]

    async def apply(
        self, client: CommerceClient, order_ref: str, plan: ItemChange, key: str
    ) -> Order:
        return await client.change_items(order_ref, plan.changes, plan.payment_method, key)

    def done(
        self,
        dispatcher: CollectingDispatcher,
        context: RunContext,
        order_ref: str,
        plan: ItemChange,
        outcome: Order,
    ) -> list[EventType]:
        changed = plan.changes
        dispatcher.utter_message(
            response="utter_items_changed",
            order_id=order_ref,
            items=", ".join(
                f"{line.product_name} ({', '.join(line.options.values())})"
                for line in outcome.lines
                if line.line_id in changed
            ),
        )
        return []


class ValidateChangePaymentForm(ChangeForm, FormValidationAction):
    """Verifies a pending order, then reads the payment method that should pay instead."""

    pending_change = True
    corrections: ClassVar[dict[str, tuple[str, ...]]] = {"payment_confirmed": ("payment_method",)}

    def name(self) -> str:
        return "validate_change_payment_form"

    async def check_order(
        self,
        order: Order,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Refuse early when the policy does not allow a payment change in this state."""
        return state_allows(
            order,
            RunContext.of(tracker).policy.changes.change_payment_method,
            dispatcher,
            refusal="utter_payment_change_too_late",
            blocked="payment_not_allowed",
            tenant=tenant_of(tracker),
        )

    async def validate_payment_method(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        try:
            order = await RunContext.of(tracker).client.get_order(
                tracker.get_slot("order_id") or ""
            )
        except CommerceError:
            return {"payment_method": None, "lookup_blocked": UNAVAILABLE}
        return await read_payment_method(
            str(slot_value or ""),
            tracker,
            dispatcher,
            amount=order.total,
            exclude=order.paid_with,
        )

    async def validate_payment_confirmed(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        return {"payment_confirmed": slot_value is True}


class ActionAskPaymentConfirmed(AskAction):
    """Says which method pays instead of which, then asks for an explicit yes."""

    slot = "payment_confirmed"

    async def ask(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        order = await order_or_apologise(dispatcher, tracker)
        if order is None:
            return [SlotSet("lookup_blocked", UNAVAILABLE)]
        try:
            methods = await RunContext.of(tracker).client.payment_methods(order.customer_id)
        except CommerceError:
            RunContext.of(tracker).apologise(dispatcher)
            return [SlotSet("lookup_blocked", UNAVAILABLE)]
        dispatcher.utter_message(
            response="utter_ask_payment_confirmed",
            order_id=order.order_id,
            total=money(order.total, order.currency),
            new=method_label(methods, _method(tracker)),
            current=", ".join(method_label(methods, m) for m in order.paid_with) or "nothing",
            buttons=confirm_buttons("Yes, change it"),
        )
        return []


class ActionChangePaymentMethod(ConfirmedChange[str, Order]):
    """Moves the payment once the shopper said yes; says nothing changed otherwise."""

    action_name = "action_change_payment_method"
    confirmed_slot = "payment_confirmed"
    kind = "payment"
    refused_response = "utter_payment_change_refused_now"

    async def plan(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        context: RunContext,
        order_ref: str,
    ) -> str:
        """The payment method's id."""
        return slot_text(tracker, "payment_method")

    def key_parts(self, plan: str) -> list[str]:
        return [plan]

    async def apply(self, client: CommerceClient, order_ref: str, plan: str, key: str) -> Order:
        return await client.change_payment_method(order_ref, plan, key)

    def done(
        self,
        dispatcher: CollectingDispatcher,
        context: RunContext,
        order_ref: str,
        plan: str,
        outcome: Order,
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_payment_changed", order_id=order_ref)
        return []
