"""Where is my order, where is my refund, what is in it and what did it cost: live backend data.

Picking and verifying the order is shared with the change flows (``actions/verification.py``);
this module asks which order, and answers once the shopper is verified.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.items import Picked, Tie, resolve_items
from actions.options import describe_options
from actions.reask import AskAction
from actions.services.commerce import (
    CommerceError,
    Order,
    OrderLine,
    PaymentMethod,
)
from actions.services.proactive import inquiries_from_env
from actions.support import (
    STATUS_WORDS,
    RunContext,
    money,
    status_words,
    support_contact,
    tenant_of,
    then_next_request,
)
from actions.verification import LOCKED, UNAVAILABLE, OrderVerification
from merchants.policy import describe_remedies, load_policy
from merchants.tenants import DEFAULT_TENANT


class ActionAskOrderId(AskAction):
    """Asks which order; a shopper the channel already identified picks from their orders."""

    slot = "order_id"

    async def ask(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        customer_id = tracker.get_slot("customer_id")
        if customer_id:
            try:
                orders = await RunContext.of(tracker).client.recent_orders(customer_id, limit=5)
            except CommerceError:
                orders = []
            if orders:
                buttons = [
                    {
                        "title": f"{o.order_id} · {o.first_item_name}"
                        + (f" +{o.item_count - 1}" if o.item_count > 1 else "")
                        + f" · {o.placed_at:%b %d}",
                        "payload": f'/inform{{"order_id":"{o.order_id}"}}',
                    }
                    for o in orders
                ]
                dispatcher.utter_message(response="utter_ask_order_id_from_recent", buttons=buttons)
                return []
        dispatcher.utter_message(response="utter_ask_order_id")
        return []


class ValidateOrderStatusForm(OrderVerification, FormValidationAction):
    """Checks the order number's shape and the shopper's second factor."""

    def name(self) -> str:
        return "validate_order_status_form"


class ActionOrderStatus(Action):
    """Answers with the order's live status, tracking and ETA once the shopper is verified."""

    def name(self) -> str:
        return "action_order_status"

    @then_next_request
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reset: list[EventType] = [SlotSet("order_id", None), SlotSet("order_verified", None)]
        blocked = tracker.get_slot("lookup_blocked")
        if blocked == LOCKED:
            dispatcher.utter_message(
                response="utter_lookup_locked", **RunContext.of(tracker).support()
            )
            return reset
        if blocked == UNAVAILABLE:
            RunContext.of(tracker).apologise(dispatcher)
            return [*reset, SlotSet("lookup_blocked", None)]
        order_ref = tracker.get_slot("order_id")
        if tracker.get_slot("order_verified") is not True or not order_ref:
            return reset
        try:
            order = await RunContext.of(tracker).client.get_order(order_ref)
        except CommerceError:
            RunContext.of(tracker).apologise(dispatcher)
            return reset
        purpose, question = lookup_question(tracker)
        if purpose == "refund_status":
            for response, variables in describe_refunds(order, tenant_of(tracker)):
                dispatcher.utter_message(response=response, **variables)
        elif purpose == "order_details":
            try:
                methods = await RunContext.of(tracker).client.payment_methods(order.customer_id)
            except CommerceError:
                methods = []  # the figures still stand; only the card's name is missing
            asked = lines_asked(question, order.lines)
            for response, variables in describe_details(order, methods, asked):
                dispatcher.utter_message(response=response, **variables)
        else:
            response, variables = describe_order(order, tenant_of(tracker))
            dispatcher.utter_message(response=response, **variables)
        # No proactive message today about an order the shopper just asked about.
        await inquiries_from_env().asked(
            tenant_of(tracker) or DEFAULT_TENANT, order.customer_id, order.order_id
        )
        # The order stays in focus (order_id kept): "when will it get here?" or "cancel it"
        # next is about this order, and the shopper, known now, is not asked again.
        return [
            SlotSet("order_verified", None),
            SlotSet("last_order_id", order.order_id),
            SlotSet("order_status", order.status),
            SlotSet("customer_id", order.customer_id),
        ]


PURPOSE_INTENTS = ("order_status", "refund_status", "order_details")


def lookup_question(tracker: Tracker) -> tuple[str, str]:
    """Why the shopper wanted this order, and in what words: their latest order, refund or
    details question (its intent and its text).

    Derived from the conversation itself, so a shopper who switches from "where is it" to
    "where's my refund" in the middle of a lookup gets the refund answer, and "how much was the
    hoodie?" names the line asked about.
    """
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            break
        if event.get("event") == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if intent in PURPOSE_INTENTS:
                return str(intent), str(event.get("text") or "")
    return "order_status", ""


def lines_asked(text: str, lines: tuple[OrderLine, ...]) -> list[int] | None:
    """The lines a question names ("how much was the hoodie?"); both shirts when it could be
    either; None when it names none ("what did I order?"), which means all of them."""
    found = resolve_items(text, lines)
    if isinstance(found, Picked):
        return list(found.line_ids)
    if isinstance(found, Tie):
        return [*found.picked, *found.candidates]
    return None


def describe_line(line: OrderLine, currency: str) -> str:
    """``2 × Hoodie (blue, M): $39.00 each, $78.00`` (one price when one piece)."""
    name = f"{line.product_name} ({describe_options(line.options)})"
    if line.quantity == 1:
        return f"{name}: {money(line.unit_price, currency)}"
    each, whole = money(line.unit_price, currency), money(line.unit_price * line.quantity, currency)
    return f"{line.quantity} × {name}: {each} each, {whole}"


def describe_details(
    order: Order, methods: list[PaymentMethod], asked: list[int] | None = None
) -> list[tuple[str, dict[str, Any]]]:
    """What is in the order and what it cost, from live data: the lines, total, payment, parcel.

    ``asked`` are the lines the shopper's question named ("how much was the hoodie?"): those
    come alone, with the order's total after them; otherwise every line is listed.
    """
    currency = order.currency
    lines = [line for line in order.lines if not asked or line.line_id in asked] or list(
        order.lines
    )
    paid = [m for m in methods if m.payment_method_id in order.paid_with]
    said: list[tuple[str, dict[str, Any]]] = [
        (
            "utter_order_details",
            {
                "order_id": order.order_id,
                "placed_date": _day(order.placed_at),
                "status_words": status_words(order.status),
                "items": "\n".join(f"• {describe_line(line, currency)}" for line in lines),
                "total": money(order.total, currency),
                "payment": " and ".join(m.label for m in paid) or "the payment method on file",
            },
        )
    ]
    for method in paid:
        if method.balance is not None:
            said.append(
                (
                    "utter_order_details_balance",
                    {"payment": method.label, "balance": money(method.balance, currency)},
                )
            )
    if order.refunds:
        refunded = sum(r.amount for r in order.refunds)
        said.append(("utter_order_details_refunded", {"refunded": money(refunded, currency)}))
    if order.shipment is not None:
        said.append(
            (
                "utter_order_details_parcel",
                {
                    "carrier": order.shipment.carrier,
                    "tracking_number": order.shipment.tracking_number,
                },
            )
        )
    return said


def describe_refunds(order: Order, tenant: str | None = None) -> list[tuple[str, dict[str, Any]]]:
    """What to say about the money coming back on an order, newest refund first."""
    base: dict[str, Any] = {
        "order_id": order.order_id,
        "status_words": status_words(order.status),
    }
    if not order.refunds:
        if order.status == "return_requested" and order.returns:
            return [("utter_refund_after_return", {**base, "rma_id": order.returns[-1].rma_id})]
        return [("utter_no_refund", base)]
    timings = load_policy(tenant=tenant).refunds.methods
    said: list[tuple[str, dict[str, Any]]] = []
    for refund in reversed(order.refunds):
        values = {
            **base,
            "refund_amount": money(refund.amount, order.currency),
            "refund_method": refund.method.replace("_", " "),
            "refund_date": _day(refund.processed_at or refund.created_at),
            "processing_time": _processing_time(refund.method, timings),
        }
        done = refund.status == "processed"
        said.append(("utter_refund_processed" if done else "utter_refund_pending", values))
    return said


def _processing_time(method: str, timings: dict[Any, str]) -> str:
    for key, when in timings.items():
        if getattr(key, "value", key) == method:
            return when
    return "a few business days"


def _day(value: date | datetime | None) -> str:
    return f"{value:%A, %B} {value.day}" if value else "not known yet"


def _when(value: datetime | None) -> str:
    return f"{value:%b} {value.day}, {value:%H:%M}" if value else "an unknown time"


def describe_order(order: Order, tenant: str | None = None) -> tuple[str, dict[str, Any]]:
    """Pick the response for the order's status and the values it needs."""
    variables: dict[str, Any] = {
        "order_id": order.order_id,
        "placed_date": _day(order.placed_at),
        "status_words": status_words(order.status),
    }
    ship = order.shipment
    if ship is not None:
        event = ship.latest_event
        variables.update(
            carrier=ship.carrier,
            tracking_number=ship.tracking_number,
            eta=_day(ship.estimated_delivery_date or ship.promised_delivery_date),
            promised_date=_day(ship.promised_delivery_date),
            delivered_date=_day(ship.delivered_at),
            event_description=event.description if event else "label created",
            event_location=f" ({event.location})" if event and event.location else "",
            event_time=_when(event.timestamp if event else ship.shipped_at),
        )
    status = order.status
    if status in ("pending", "paid", "packed", "cancelled"):
        return f"utter_order_status_{status}", variables
    if ship is not None and status in STATUS_WORDS:
        return "utter_order_status_in_motion", variables
    if ship is not None and status in ("delayed", "lost", "delivered"):
        if status != "delivered":
            shipping = load_policy(tenant=tenant).shipping
            remedies = shipping.delayed.remedies if status == "delayed" else shipping.lost.remedies
            variables["remedies"] = describe_remedies(list(remedies))
            variables.update(support_contact(tenant))
        return f"utter_order_status_{status}", variables
    if status == "return_requested" and order.returns:
        latest = order.returns[-1]
        variables.update(rma_id=latest.rma_id, return_status=latest.status.replace("_", " "))
        return "utter_order_status_return_requested", variables
    if status == "refunded" and order.refunds:
        refund = order.refunds[-1]
        variables.update(
            refund_amount=money(refund.amount, order.currency),
            refund_method=refund.method.replace("_", " "),
            refund_date=_day(refund.processed_at or refund.created_at),
        )
        return "utter_order_status_refunded", variables
    return "utter_order_status_unknown", variables
