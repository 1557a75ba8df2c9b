"""Delivery problems: damaged, missing, wrong item, or marked delivered but not received.

Collects what went wrong and with which items, then either records a claim with the remedy the
shopper picked (reship or refund, as the policy allows) after an explicit yes, or hands the
case to a person when the policy says so:

- the items are worth more than ``claims.human_above_value``;
- the fraud signal: the customer already reported ``claims.max_claims`` or more problems in
  the last ``claims.claims_window_days`` days. It is deliberately simple (a count per
  customer); a person reviews, the shopper is never accused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
from actions.confirmed import ConfirmedChange
from actions.items import NoMatch, Picked
from actions.reask import AskAction
from actions.services.commerce import (
    ChangeRefused,
    ClaimCreated,
    CommerceClient,
    CommerceError,
    Order,
)
from actions.support import RunContext, hand_off, money
from actions.verification import UNAVAILABLE
from guardrails.handoff.rules import Reason
from merchants.policy import Remedy

SENT = frozenset(
    {
        "shipped",
        "in_transit",
        "delayed",
        "out_for_delivery",
        "delivered",
        "lost",
        "return_requested",
        "exchange_requested",
        "refunded",
    }
)
KINDS = {
    "damaged": ("damage", "broken", "smashed", "crushed", "cracked", "leak", "torn", "dent"),
    "missing": ("missing", "not in the box", "empty", "only got", "short", "left out"),
    "wrong_item": ("wrong", "not what i ordered", "different", "someone else"),
    "not_received": (
        "not received",
        "never arrived",
        "didn't get",
        "didnt get",
        "never got",
        "not here",
        "stolen",
        "says delivered",
        "marked delivered",
        "no parcel",
    ),
}
KIND_LABELS = {
    "damaged": "Damaged",
    "missing": "Something missing",
    "wrong_item": "Wrong item",
    "not_received": "Never arrived",
}
REMEDY_LABELS = {Remedy.reship: "Send a replacement", Remedy.refund: "Refund me"}
HANDED_TO_PERSON = "handed_to_person"


def kind_of(text: str) -> str | None:
    """The kind of problem in the shopper's words (or a button's code)."""
    lowered = text.lower().strip()
    if lowered in KINDS:
        return lowered
    for kind, words in KINDS.items():
        if any(w in lowered for w in words):
            return kind
    return None


def remedy_from(text: str) -> str | None:
    lowered = text.lower()
    if any(w in lowered for w in ("reship", "replace", "new one", "send another", "resend")):
        return Remedy.reship.value
    if any(w in lowered for w in ("refund", "money", "reimburse")):
        return Remedy.refund.value
    return None


def _value(order: Order, line_ids: list[int]) -> float:
    return sum(li.unit_price * li.quantity for li in order.lines if li.line_id in line_ids)


def _ids(tracker: Tracker) -> list[int]:
    return [int(i) for i in (tracker.get_slot("problem_items") or "").split(",") if i]


class ValidateDeliveryProblemForm(ChangeForm, FormValidationAction):
    """Verifies the order, then collects the problem and checks when a person must decide."""

    def name(self) -> str:
        return "validate_delivery_problem_form"

    async def check_order(
        self,
        order: Order,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """If the first message already said what went wrong, take it as the answer."""
        kind = kind_of(tracker.latest_message.get("text") or "") or kind_of(
            _first_problem_text(tracker)
        )
        if not kind:
            return {}
        return await self._kind_updates(kind, order, dispatcher, tracker)

    async def validate_problem_kind(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        text = str(slot_value or "")
        if is_backing_out(text):
            return {"problem_kind": None, "change_blocked": BACKED_OUT}
        kind = kind_of(text)
        if kind is None:
            return {"problem_kind": None}
        try:
            order = await RunContext.of(tracker).client.get_order(
                tracker.get_slot("order_id") or ""
            )
        except CommerceError:
            return {"problem_kind": None, "lookup_blocked": UNAVAILABLE}
        return await self._kind_updates(kind, order, dispatcher, tracker)

    async def _kind_updates(
        self, kind: str, order: Order, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        """Accept the kind of problem for ``order``; fill the items when there is no choice."""
        if order.status not in SENT:
            dispatcher.utter_message(response="utter_problem_not_shipped", order_id=order.order_id)
            return {"problem_kind": None, "change_blocked": "not_shipped"}
        updates: dict[str, Any] = {"problem_kind": kind}
        if kind == "not_received" or len(order.lines) == 1:
            # Nothing to choose: the whole parcel, or its only item.
            ids = [li.line_id for li in order.lines]
            updates["problem_items"] = ",".join(map(str, ids))
            updates.update(await self._needs_person(dispatcher, tracker, order, ids))
        return updates

    async def validate_problem_items(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        text = str(slot_value or "")
        if is_backing_out(text):
            return {"problem_items": None, "change_blocked": BACKED_OUT}
        try:
            order = await RunContext.of(tracker).client.get_order(
                tracker.get_slot("order_id") or ""
            )
        except CommerceError:
            return {"problem_items": None, "lookup_blocked": UNAVAILABLE}
        result = resolve_item_answer(text, list(order.lines), tracker, "problem_items")
        if not isinstance(result, Picked):
            if isinstance(result, NoMatch):
                dispatcher.utter_message(response="utter_return_item_not_found")
            # A tie: the question is asked again, listing only the tied items.
            return {"problem_items": None}
        picked = list(result.line_ids)
        return {
            "problem_items": ",".join(map(str, picked)),
            **await self._needs_person(dispatcher, tracker, order, picked),
        }

    @staticmethod
    async def _needs_person(
        dispatcher: CollectingDispatcher, tracker: Tracker, order: Order, line_ids: list[int]
    ) -> dict[str, Any]:
        """Above the value threshold, or too many recent claims: a person takes it."""
        claims = RunContext.of(tracker).policy.claims
        value = _value(order, line_ids)
        try:
            recent = await RunContext.of(tracker).client.recent_claims(
                order.customer_id, claims.claims_window_days
            )
        except CommerceError:
            recent = 0
        if value > claims.human_above_value or recent >= claims.max_claims:
            dispatcher.utter_message(
                response="utter_problem_to_person",
                order_id=order.order_id,
                **RunContext.of(tracker).support(),
            )
            reason = "claim_above_threshold" if value > claims.human_above_value else "fraud_signal"
            return {"change_blocked": HANDED_TO_PERSON, "handoff_reason": reason}
        return {}

    async def validate_problem_remedy(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        text = str(slot_value or "")
        if is_backing_out(text):
            return {"problem_remedy": None, "change_blocked": BACKED_OUT}
        remedy = remedy_from(text)
        allowed = [r.value for r in RunContext.of(tracker).policy.claims.remedies]
        return {"problem_remedy": remedy if remedy in allowed else None}

    async def validate_problem_confirmed(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        return {"problem_confirmed": slot_value is True}


def _first_problem_text(tracker: Tracker) -> str:
    """The message that started the report ("my parcel arrived smashed")."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if intent == "delivery_problem":
                return str(event.get("text") or "")
    return ""


class ActionAskProblemKind(AskAction):
    """Asks what went wrong, with the kinds as buttons."""

    slot = "problem_kind"

    async def ask(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        buttons = [
            {"title": label, "payload": f'/inform{{"problem_kind":"{kind}"}}'}
            for kind, label in KIND_LABELS.items()
        ]
        dispatcher.utter_message(response="utter_ask_problem_kind", buttons=buttons)
        return []


class ActionAskProblemItems(AskAction):
    """Lists the order's items as buttons, or only those the last answer tied."""

    slot = "problem_items"

    async def ask(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        order = await order_or_apologise(dispatcher, tracker)
        if order is None:
            return [SlotSet("lookup_blocked", UNAVAILABLE)]
        if ask_which_of_tied(dispatcher, tracker, self.slot, list(order.lines)):
            return []
        buttons = [
            {"title": describe_line(li), "payload": f'/inform{{"problem_items":"{li.line_id}"}}'}
            for li in order.lines
        ]
        dispatcher.utter_message(response="utter_ask_problem_items", buttons=buttons)
        return []


class ActionAskProblemRemedy(AskAction):
    """Offers the remedies the policy allows."""

    slot = "problem_remedy"

    async def ask(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        buttons = [
            {
                "title": REMEDY_LABELS.get(r, r.value),
                "payload": f'/inform{{"problem_remedy":"{r.value}"}}',
            }
            for r in RunContext.of(tracker).policy.claims.remedies
            if r in REMEDY_LABELS
        ]
        dispatcher.utter_message(response="utter_ask_problem_remedy", buttons=buttons)
        return []


class ActionAskProblemConfirmed(AskAction):
    """Lists exactly what will happen, then asks for an explicit yes."""

    slot = "problem_confirmed"

    async def ask(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        order = await order_or_apologise(dispatcher, tracker)
        if order is None:
            return [SlotSet("lookup_blocked", UNAVAILABLE)]
        ids = _ids(tracker)
        items = ", ".join(describe_line(li) for li in order.lines if li.line_id in ids)
        remedy = tracker.get_slot("problem_remedy")
        dispatcher.utter_message(
            response="utter_ask_problem_confirmed_reship"
            if remedy == Remedy.reship.value
            else "utter_ask_problem_confirmed_refund",
            order_id=order.order_id,
            items=items,
            amount=money(_value(order, ids), order.currency),
            buttons=confirm_buttons("Yes, go ahead"),
        )
        return []


@dataclass(frozen=True)
class ClaimPlan:
    """A confirmed report: which kind of problem, on which lines, put right how, in whose words."""

    kind: str
    line_ids: list[int]
    remedy: str
    description: str
    currency: str


class ActionReportProblem(ConfirmedChange[ClaimPlan, ClaimCreated]):
    """Records the claim once the shopper said yes."""

    action_name = "action_report_problem"
    confirmed_slot = "problem_confirmed"
    kind = "claim"
    refused_response = "utter_problem_to_person"

    async def plan(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        context: RunContext,
        order_ref: str,
    ) -> ClaimPlan:
        order = await context.client.get_order(order_ref)  # the currency the summary named
        return ClaimPlan(
            kind=tracker.get_slot("problem_kind") or "damaged",
            line_ids=sorted(_ids(tracker)),
            remedy=tracker.get_slot("problem_remedy") or Remedy.refund.value,
            description=_first_problem_text(tracker)[:500],
            currency=order.currency,
        )

    def key_parts(self, plan: ClaimPlan) -> list[str]:
        return [plan.kind, "-".join(map(str, plan.line_ids))]

    async def apply(
        self, client: CommerceClient, order_ref: str, plan: ClaimPlan, key: str
    ) -> ClaimCreated:
        return await client.create_claim(
            order_ref, plan.kind, plan.line_ids, plan.remedy, plan.description, key
        )

    def refused(
        self,
        dispatcher: CollectingDispatcher,
        context: RunContext,
        order_ref: str,
        refused: ChangeRefused,
    ) -> list[EventType]:
        """The order system would not take the claim: a person does, as the shopper is told."""
        super().refused(dispatcher, context, order_ref, refused)
        return hand_off(Reason.claim_refused)

    def done(
        self,
        dispatcher: CollectingDispatcher,
        context: RunContext,
        order_ref: str,
        plan: ClaimPlan,
        outcome: ClaimCreated,
    ) -> list[EventType]:
        dispatcher.utter_message(
            response="utter_problem_reshipping"
            if outcome.remedy == "reship"
            else "utter_problem_refunded",
            order_id=order_ref,
            claim_id=outcome.claim_id,
            amount=money(outcome.amount, plan.currency),
        )
        return []
