"""Cancel an order: pick and verify it, check the policy, ask why, confirm, then cancel.

Nothing changes before the shopper has seen exactly what will happen and said yes. The
backend call carries an idempotency key derived from the conversation and the order, so a
repeated or retried confirmation never cancels or refunds twice.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.changes import (
    BACKED_OUT,
    ChangeForm,
    confirm_buttons,
    is_backing_out,
    order_or_apologise,
)
from actions.confirmed import ConfirmedChange
from actions.reask import AskAction
from actions.services.commerce import CommerceClient, Order
from actions.support import (
    RunContext,
    money,
    status_words,
    support_contact,
    tenant_of,
)
from actions.verification import UNAVAILABLE
from merchants.policy import RefundMethod, load_policy

REASONS = {
    "no_longer_needed": (
        "no longer need",
        "don't need",
        "dont need",
        "changed my mind",
        "don't want",
        "dont want",
        "not needed",
        "found it cheaper",
    ),
    "ordered_by_mistake": (
        "mistake",
        "by accident",
        "accidentally",
        "wrong",
        "twice",
        "duplicate",
        "didn't mean",
        "didnt mean",
    ),
}
SHIPPED = frozenset({"shipped", "in_transit", "delayed", "out_for_delivery", "delivered", "lost"})


def reason_code(text: str) -> str:
    """Map the shopper's own words (or a button's code) to a cancellation reason code."""
    lowered = text.strip().lower()
    if lowered in REASONS or lowered == "other":
        return lowered
    for code, words in REASONS.items():
        if any(w in lowered for w in words):
            return code
    return "other"


def _words(status: str) -> str:
    return status_words(status)


class ValidateCancelOrderForm(ChangeForm, FormValidationAction):
    """Verifies the order, then checks the merchant allows cancelling it in its state."""

    pending_change = True

    def name(self) -> str:
        return "validate_cancel_order_form"

    async def check_order(
        self,
        order: Order,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Refuse early if the order can no longer be cancelled."""
        if order.status in RunContext.of(tracker).policy.changes.cancel:
            return {}
        refuse_cancellation(dispatcher, order, tenant_of(tracker))
        return {"change_blocked": "cancel_not_allowed"}

    async def validate_cancel_reason(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Any answer is a reason, except "no" / "forget it" / "keep it", which backs out."""
        text = str(slot_value or "")
        if is_backing_out(text):
            return {"cancel_reason": None, "change_blocked": BACKED_OUT}
        return {"cancel_reason": reason_code(text)}

    async def validate_cancel_confirmed(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        return {"cancel_confirmed": slot_value is True or str(slot_value).lower() == "true"}


def refuse_cancellation(
    dispatcher: CollectingDispatcher, order: Order, tenant: str | None = None
) -> None:
    """Say why this order cannot be cancelled, and what the shopper can do instead."""
    if order.status == "cancelled":
        dispatcher.utter_message(response="utter_cancel_already_cancelled", order_id=order.order_id)
    elif order.status in SHIPPED:
        dispatcher.utter_message(
            response="utter_cancel_too_late_shipped",
            order_id=order.order_id,
            status_words=_words(order.status),
            window_days=str(load_policy(tenant=tenant).returns.window_days),
        )
    else:
        dispatcher.utter_message(
            response="utter_cancel_not_allowed",
            order_id=order.order_id,
            status_words=_words(order.status),
            **support_contact(tenant),
        )


class ActionAskCancelConfirmed(AskAction):
    """Lists exactly what the cancellation will do, then asks for an explicit yes."""

    slot = "cancel_confirmed"

    async def ask(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        order = await order_or_apologise(dispatcher, tracker)
        if order is None:
            return [SlotSet("lookup_blocked", UNAVAILABLE)]
        items = ", ".join(f"{li.quantity} × {li.product_name}" for li in order.lines[:4])
        if len(order.lines) > 4:
            items += f" and {len(order.lines) - 4} more"
        timing = RunContext.of(tracker).policy.refunds.methods.get(
            RefundMethod.original_payment, ""
        )
        dispatcher.utter_message(
            response="utter_ask_cancel_confirmed",
            order_id=order.order_id,
            items=items,
            total=money(order.total, order.currency),
            refund_timing=timing or "a few business days",
            buttons=confirm_buttons("Yes, cancel it", "No, keep it"),
        )
        return []


class ActionCancelOrder(ConfirmedChange[str, Order]):
    """Cancels the order once the shopper said yes; says nothing changed otherwise."""

    action_name = "action_cancel_order"
    confirmed_slot = "cancel_confirmed"
    kind = "cancel"
    refused_response = "utter_cancel_not_possible_now"

    async def plan(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        context: RunContext,
        order_ref: str,
    ) -> str:
        """The reason code the shopper gave."""
        return tracker.get_slot("cancel_reason") or "other"

    async def apply(self, client: CommerceClient, order_ref: str, plan: str, key: str) -> Order:
        return await client.cancel_order(order_ref, plan, key)

    def done(
        self,
        dispatcher: CollectingDispatcher,
        context: RunContext,
        order_ref: str,
        plan: str,
        outcome: Order,
    ) -> list[EventType]:
        refunded = sum(r.amount for r in outcome.refunds)
        timing = context.policy.refunds.methods.get(RefundMethod.original_payment, "")
        dispatcher.utter_message(
            response="utter_order_cancelled" if refunded else "utter_order_cancelled_no_charge",
            order_id=outcome.order_id,
            refund_amount=money(refunded, outcome.currency),
            refund_timing=timing or "a few business days",
        )
        return [SlotSet("last_order_id", outcome.order_id), SlotSet("order_status", outcome.status)]
