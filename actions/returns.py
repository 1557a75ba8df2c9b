"""Return items: pick and verify the order, check the policy, choose items, reason and
resolution, confirm, then open the return (RMA) in the backend.

The policy file decides which order states allow returns, the return window from delivery,
which categories are final sale and whether exchanges are offered; the backend refuses lines
already returned. An exchange asks for another in-stock option of each returned item and,
when the price differs, the payment method that pays or receives the difference (a gift
card has to cover it); the order's status becomes "exchange requested".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, ClassVar

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.changes import (
    BACKED_OUT,
    ChangeForm,
    ask_which_of_tied,
    confirm_buttons,
    describe_line,
    is_backing_out,
    order_or_apologise,
    resolve_item_answer,
)
from actions.confirmed import ConfirmedChange, slot_text
from actions.items import NoMatch, Picked
from actions.options import GIFT_CARD, decode_swaps, describe_swap, total_difference
from actions.reask import AskAction
from actions.services.commerce import (
    CommerceClient,
    CommerceError,
    Order,
    OrderLine,
    ReturnCreated,
    client_from_env,
)
from actions.support import (
    RunContext,
    money,
    status_words,
    tenant_of,
)
from actions.swaps import OptionChangeValidation, chosen_swaps, money_words
from actions.verification import UNAVAILABLE
from merchants.policy import (
    MerchantPolicy,
    Resolution,
    credit_only_to_existing_gift_card,
    load_policy,
)

CHAT_RESOLUTIONS = (Resolution.refund, Resolution.store_credit, Resolution.exchange)
RESOLUTION_LABELS = {
    Resolution.refund: "Refund",
    Resolution.store_credit: "Store credit",
    Resolution.exchange: "Exchange for another option",
}
EXCHANGE_SLOTS = ("item_changes", "payment_method")


async def chat_resolutions(customer_id: str | None, tenant: str | None = None) -> list[Resolution]:
    """The resolutions this shopper can choose in chat under the policy."""
    policy = load_policy(tenant=tenant)
    options = [r for r in policy.returns.resolutions if r in CHAT_RESOLUTIONS]
    if Resolution.store_credit in options and credit_only_to_existing_gift_card(policy):
        try:
            methods = await client_from_env(tenant).payment_methods(customer_id or "")
        except CommerceError:
            methods = []
        if not any(m.type == GIFT_CARD for m in methods):
            options.remove(Resolution.store_credit)
    return options


def resolution_label(resolution: Resolution, tenant: str | None = None) -> str:
    """The button for a resolution, in the policy's words for store credit."""
    if resolution == Resolution.store_credit and credit_only_to_existing_gift_card(
        load_policy(tenant=tenant)
    ):
        return "Refund to my gift card"
    return RESOLUTION_LABELS[resolution]


def returnable_lines(
    order: Order, policy: MerchantPolicy, now: datetime
) -> tuple[list[OrderLine], tuple[str, dict[str, str]] | None]:
    """Lines the policy lets the shopper return, or the response explaining why none."""
    words = status_words(order.status)
    values = {"order_id": order.order_id, "status_words": words}
    if order.status not in policy.changes.return_items:
        if order.status in ("return_requested", "exchange_requested"):
            return [], ("utter_return_already_open", values)
        return [], ("utter_return_not_delivered", values)
    delivered = order.shipment.delivered_at if order.shipment else None
    window = policy.returns.window_days
    if delivered is not None and (now - delivered).days > window:
        return [], (
            "utter_return_window_closed",
            {
                **values,
                "window_days": str(window),
                "delivered_date": f"{delivered:%B} {delivered.day}",
            },
        )
    returned = {line_id for rma in order.returns for line_id in rma.line_ids}
    final_sale = set(policy.returns.final_sale_categories)
    lines = [
        line
        for line in order.lines
        if not line.final_sale and line.category not in final_sale and line.line_id not in returned
    ]
    if not lines:
        return [], ("utter_return_nothing_eligible", values)
    return lines, None


def resolution_from(text: str) -> str | None:
    lowered = text.lower()
    if "credit" in lowered or "voucher" in lowered or "gift" in lowered:
        return Resolution.store_credit.value
    if "refund" in lowered or "money" in lowered or "back to my" in lowered:
        return Resolution.refund.value
    if "exchange" in lowered or "swap" in lowered or "size" in lowered:
        return Resolution.exchange.value
    return None


class ValidateReturnForm(OptionChangeValidation, ChangeForm, FormValidationAction):
    """Verifies the order, then checks the policy before asking about items."""

    every_line = True  # an exchange needs a new option for each item sent back

    def name(self) -> str:
        return "validate_return_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """An exchange also needs the new options and how to settle the price difference."""
        slots = await super().required_slots(domain_slots, dispatcher, tracker, domain)
        if tracker.get_slot("return_resolution") == Resolution.exchange.value:
            return slots
        return [slot for slot in slots if slot not in EXCHANGE_SLOTS]

    async def check_order(
        self,
        order: Order,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Refuse early when nothing can be returned; skip the choice when one item can."""
        lines, refusal = returnable_lines(
            order, RunContext.of(tracker).policy, datetime.now(timezone.utc)
        )
        if refusal is not None:
            response, values = refusal
            dispatcher.utter_message(
                response=response, **values, **RunContext.of(tracker).support()
            )
            return {"change_blocked": "return_not_allowed"}
        if len(lines) == 1:
            return {"return_items": str(lines[0].line_id)}
        return {}

    async def validate_return_items(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        text = str(slot_value or "")
        if is_backing_out(text):
            return {"return_items": None, "change_blocked": BACKED_OUT}
        try:
            order = await RunContext.of(tracker).client.get_order(
                tracker.get_slot("order_id") or ""
            )
        except CommerceError:
            return {"return_items": None, "lookup_blocked": UNAVAILABLE}
        lines, _ = returnable_lines(
            order, RunContext.of(tracker).policy, datetime.now(timezone.utc)
        )
        result = resolve_item_answer(text, lines, tracker, "return_items")
        if isinstance(result, Picked):
            return {"return_items": ",".join(str(i) for i in result.line_ids)}
        if isinstance(result, NoMatch):
            dispatcher.utter_message(response="utter_return_item_not_found")
        # A tie: the question is asked again, listing only the tied items.
        return {"return_items": None}

    async def validate_return_reason(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        text = str(slot_value or "").strip()
        if is_backing_out(text):
            return {"return_reason": None, "change_blocked": BACKED_OUT}
        return {"return_reason": text[:200] or "not given"}

    async def validate_return_resolution(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        text = str(slot_value or "")
        if is_backing_out(text):
            return {"return_resolution": None, "change_blocked": BACKED_OUT}
        resolution = resolution_from(text)
        allowed = [
            r.value
            for r in await chat_resolutions(tracker.get_slot("customer_id"), tenant_of(tracker))
        ]
        if resolution == Resolution.exchange.value and resolution not in allowed:
            dispatcher.utter_message(
                response="utter_exchange_by_person", **RunContext.of(tracker).support()
            )
            return {"return_resolution": None}
        if resolution not in allowed:
            return {"return_resolution": None}
        return {"return_resolution": resolution}

    async def validate_return_confirmed(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        return {"return_confirmed": slot_value is True}


class ActionAskReturnItems(AskAction):
    """Lists the order's returnable items as buttons, or only those the last answer tied."""

    slot = "return_items"

    async def ask(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        order = await order_or_apologise(dispatcher, tracker)
        if order is None:
            return [SlotSet("lookup_blocked", UNAVAILABLE)]
        lines, _ = returnable_lines(
            order, RunContext.of(tracker).policy, datetime.now(timezone.utc)
        )
        if ask_which_of_tied(dispatcher, tracker, self.slot, lines):
            return []
        buttons = [
            {"title": describe_line(line), "payload": f'/inform{{"return_items":"{line.line_id}"}}'}
            for line in lines
        ]
        ids = ",".join(str(line.line_id) for line in lines)
        buttons.append({"title": "All of them", "payload": f'/inform{{"return_items":"{ids}"}}'})
        dispatcher.utter_message(response="utter_ask_return_items", buttons=buttons)
        return []


def _or(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


class ActionAskReturnResolution(AskAction):
    """Offers the resolutions the policy allows (and chat supports)."""

    slot = "return_resolution"

    async def ask(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        options = await chat_resolutions(tracker.get_slot("customer_id"), tenant_of(tracker))
        buttons = [
            {
                "title": resolution_label(r, tenant_of(tracker)),
                "payload": f'/inform{{"return_resolution":"{r.value}"}}',
            }
            for r in options
        ]
        dispatcher.utter_message(
            response="utter_ask_return_resolution",
            options=_or([resolution_label(r, tenant_of(tracker)).lower() for r in options]),
            buttons=buttons,
        )
        return []


class ActionAskReturnConfirmed(AskAction):
    """Lists exactly what the return will do, then asks for an explicit yes."""

    slot = "return_confirmed"

    async def ask(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        order = await order_or_apologise(dispatcher, tracker)
        if order is None:
            return [SlotSet("lookup_blocked", UNAVAILABLE)]
        wanted = {int(i) for i in (tracker.get_slot("return_items") or "").split(",") if i}
        lines = [line for line in order.lines if line.line_id in wanted]
        amount = sum(line.unit_price * line.quantity for line in lines)
        resolution = tracker.get_slot("return_resolution")
        if resolution == Resolution.exchange.value:
            return await _ask_exchange_confirmed(dispatcher, tracker, order)
        dispatcher.utter_message(
            response="utter_ask_return_confirmed",
            order_id=order.order_id,
            items=", ".join(f"{line.quantity} × {describe_line(line)}" for line in lines),
            amount=money(amount, order.currency),
            resolution_words=(
                "to your original payment method"
                if resolution != Resolution.store_credit.value
                else "to your gift card"
                if credit_only_to_existing_gift_card(RunContext.of(tracker).policy)
                else "as store credit"
            ),
            buttons=confirm_buttons("Yes, start the return"),
        )
        return []


async def _ask_exchange_confirmed(
    dispatcher: CollectingDispatcher, tracker: Tracker, order: Order
) -> list[EventType]:
    """The exchange's summary: each item's new option and what happens to the difference."""
    try:
        swaps = await chosen_swaps(order, tracker.get_slot("item_changes"), tenant_of(tracker))
        methods = await RunContext.of(tracker).client.payment_methods(order.customer_id)
    except CommerceError:
        RunContext.of(tracker).apologise(dispatcher)
        return [SlotSet("lookup_blocked", UNAVAILABLE)]
    method_id = tracker.get_slot("payment_method")
    label = next((m.label for m in methods if m.payment_method_id == method_id), "your card")
    dispatcher.utter_message(
        response="utter_ask_exchange_confirmed",
        order_id=order.order_id,
        changes="; ".join(describe_swap(s, order.currency) for s in swaps),
        money=money_words(total_difference(swaps), label, order.currency),
        buttons=confirm_buttons("Yes, start the exchange"),
    )
    return []


@dataclass(frozen=True)
class ReturnPlan:
    """A confirmed return: lines, reason, refund or exchange (and then the new SKUs and payer)."""

    line_ids: list[int]
    reason: str
    resolution: str
    exchanges: dict[int, str] | None
    payment_method_id: str | None

    @property
    def exchanging(self) -> bool:
        return self.resolution == Resolution.exchange.value


class ActionCreateReturn(ConfirmedChange[ReturnPlan, ReturnCreated]):
    """Opens the return once the shopper said yes; says nothing changed otherwise."""

    action_name = "action_create_return"
    confirmed_slot = "return_confirmed"
    kind = "return"
    refused_response = "utter_return_refused_now"
    refusals: ClassVar[dict[str, str]] = {"out_of_stock": "utter_option_out_of_stock_now"}

    async def plan(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        context: RunContext,
        order_ref: str,
    ) -> ReturnPlan:
        resolution = tracker.get_slot("return_resolution") or Resolution.refund.value
        exchanging = resolution == Resolution.exchange.value
        return ReturnPlan(
            line_ids=sorted(int(i) for i in slot_text(tracker, "return_items").split(",") if i),
            reason=tracker.get_slot("return_reason") or "not given",
            resolution=resolution,
            exchanges=decode_swaps(tracker.get_slot("item_changes")) if exchanging else None,
            payment_method_id=tracker.get_slot("payment_method") if exchanging else None,
        )

    def key_parts(self, plan: ReturnPlan) -> list[str]:
        return ["-".join(map(str, plan.line_ids))]

    async def apply(
        self, client: CommerceClient, order_ref: str, plan: ReturnPlan, key: str
    ) -> ReturnCreated:
        return await client.create_return(
            order_ref,
            plan.line_ids,
            plan.reason,
            plan.resolution,
            key,
            exchanges=plan.exchanges,
            payment_method_id=plan.payment_method_id,
        )

    def done(
        self,
        dispatcher: CollectingDispatcher,
        context: RunContext,
        order_ref: str,
        plan: ReturnPlan,
        outcome: ReturnCreated,
    ) -> list[EventType]:
        dispatcher.utter_message(
            response="utter_return_created",
            order_id=order_ref,
            rma_id=outcome.rma_id,
            instructions=outcome.instructions,
        )
        status = "exchange_requested" if plan.exchanging else "return_requested"
        return [SlotSet("last_order_id", order_ref), SlotSet("order_status", status)]
