"""What every change flow (cancel, return, ...) shares: backing out and forgetting."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.items import Resolution, Tie, resolve_answer, tie_labels
from actions.services.commerce import CommerceError, Order, OrderLine
from actions.support import (
    RunContext,
    status_words,
    support_contact,
)
from actions.verification import (
    FOCUS,
    OTHER_ORDER,
    UNAVAILABLE,
    OrderVerification,
    normalise_order_ref,
)

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
    "profile_address_confirmed",
    "item_changes",
    "payment_method",
    "price_difference",
    "items_confirmed",
    "payment_confirmed",
)
# What a finished or abandoned change forgets: all of it but the verified order, which stays
# in focus for the shopper's next question.
CHANGE_DETAILS = tuple(name for name in CHANGE_SLOTS if name not in FOCUS)
# What belongs to one order and must be asked again when the shopper switches orders; the
# rest (a reason, a new address) still holds for the other order.
ORDER_SPECIFIC_SLOTS = (
    "change_blocked",
    "cancel_confirmed",
    "return_items",
    "return_confirmed",
    "problem_items",
    "problem_confirmed",
    "address_confirmed",
    "item_changes",
    "payment_method",
    "price_difference",
    "items_confirmed",
    "payment_confirmed",
)
IDENTITY_SLOTS = frozenset({"order_id", "order_verified", "shopper_identity"})
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
        return [SlotSet(name, None) for name in CHANGE_DETAILS]


class ChangeForm(OrderVerification):
    """Validation shared by the forms that change an order (cancel, return, claim).

    After the shopper is verified, :meth:`check_order` runs the flow's own policy check on the
    live order; a flow ends early by setting ``change_blocked``. A flow that changes a pending
    order sets ``pending_change``, so a policy that locks an order after an item change
    refuses it.

    A shopper may switch orders in the middle ("sorry, wrong order, it's #W…"): the new order
    is verified again, what was chosen for the old one is forgotten, and the flow goes on.
    """

    pending_change = False
    # Confirmation slot → the value it confirms, then slots that depend on that value. At
    # the summary, a new value ("no wait, 14 Oak St, ...") replaces the old one and the
    # summary is shown again.
    corrections: ClassVar[dict[str, tuple[str, ...]]] = {}

    async def get_validation_events(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        """Validates as usual, unless the latest message switches orders or corrects a value."""
        corrected = await self._corrected_value(tracker, domain)
        if corrected is not None:
            return [SlotSet(name, value) for name, value in corrected.items()]
        switched = switched_order(tracker)
        if switched is None:
            # ChangeForm is mixed into a FormValidationAction, which defines it.
            events: list[EventType] = await super().get_validation_events(  # type: ignore[misc]
                dispatcher, tracker, domain
            )
            return events
        updates: dict[str, Any] = {name: None for name in ORDER_SPECIFIC_SLOTS}
        # The text that named the other order is no answer to the question that was asked.
        updates.update({name: None for name in tracker.slots_to_validate()})
        updates.update({"order_id": None, "order_verified": None})
        tracker.slots.update(updates)
        if switched:
            checked = await self.validate_order_id(switched, dispatcher, tracker, domain)
            if checked.get("order_id"):
                dispatcher.utter_message(response="utter_switching_order", order_id=switched)
            updates.update(checked)
        else:
            dispatcher.utter_message(response="utter_which_order_then")
        return [SlotSet(name, value) for name, value in updates.items()]

    async def _corrected_value(self, tracker: Tracker, domain: DomainDict) -> dict[str, Any] | None:
        """Slot updates when the answer to a summary is a new value instead of yes or no."""
        requested = tracker.get_slot("requested_slot")
        value_slot, *depending = self.corrections.get(requested, ("",))
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if not value_slot or intent in ("affirm", "deny") or switched_order(tracker) is not None:
            return None
        if tracker.slots_to_validate().get(requested) is not None:
            return None
        validate = getattr(self, f"validate_{value_slot}")
        text = tracker.latest_message.get("text") or ""
        # "sorry, make that 14 Oak St, ...": the value may follow a few words of lead-in.
        lead_in = re.search(r"\b\d", text)
        # Read quietly: words that are no new value must not trigger "sorry, I couldn't read".
        for candidate in dict.fromkeys([text, text[lead_in.start() :] if lead_in else text]):
            result: dict[str, Any] = await validate(
                candidate, CollectingDispatcher(), tracker, domain
            )
            if result.get(value_slot) and not result.get("change_blocked"):
                return {**{name: None for name in depending}, **result, requested: None}
        return None

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
            order = await RunContext.of(tracker).client.get_order(order_ref)
        except CommerceError:
            return {**result, "lookup_blocked": UNAVAILABLE}
        policy = RunContext.of(tracker).policy
        if self.pending_change and policy.changes.locked_after_item_change and order.items_modified:
            dispatcher.utter_message(
                response="utter_order_locked_after_item_change",
                order_id=order.order_id,
                **RunContext.of(tracker).support(),
            )
            return {**result, "change_blocked": "locked_after_item_change"}
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


def state_allows(
    order: Order,
    allowed: list[str],
    dispatcher: CollectingDispatcher,
    *,
    refusal: str,
    blocked: str,
    tenant: str | None = None,
) -> dict[str, Any]:
    """No slot updates when the policy allows the change in the order's state.

    Otherwise the shopper hears ``refusal`` (with the order's state and whom to ask) and the
    form ends with ``change_blocked`` set to ``blocked``.
    """
    if order.status in allowed:
        return {}
    dispatcher.utter_message(
        response=refusal,
        order_id=order.order_id,
        status_words=status_words(order.status),
        **support_contact(tenant),
    )
    return {"change_blocked": blocked}


def switched_order(tracker: Tracker) -> str | None:
    """The order the shopper switches to in the middle of a change flow.

    Returns the new order number, ``""`` for "it's the other order" without a number, or
    None when the latest message does not switch orders. Only while the form asks about
    something else: an order number given when one is asked for is just the answer.
    """
    if tracker.get_slot("requested_slot") in IDENTITY_SLOTS:
        return None
    previous = _previous_order(tracker)
    if previous is None:
        return None
    text = tracker.latest_message.get("text") or ""
    if text.startswith("/"):
        # A button's payload: only an order it names explicitly switches orders.
        picked = next(tracker.get_latest_entity_values("order_id"), None)
        named = normalise_order_ref(str(picked)) if picked else None
        return named if named not in (None, previous) else None
    named = normalise_order_ref(text)
    if named is not None:
        return named if named != previous else None
    return "" if OTHER_ORDER.search(text) else None


def _previous_order(tracker: Tracker) -> str | None:
    """The order number the flow had before the latest message."""
    events = list(tracker.events)
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
    for event in reversed(events[: max(last_user, 0)]):
        if event.get("event") == "slot" and event.get("name") == "order_id":
            value = event.get("value")
            return normalise_order_ref(str(value)) if value else None
    return None


def confirm_buttons(yes: str, no: str = "No") -> list[dict[str, str]]:
    """The explicit yes / no every change waits for."""
    return [{"title": yes, "payload": "/affirm"}, {"title": no, "payload": "/deny"}]


async def order_or_apologise(dispatcher: CollectingDispatcher, tracker: Tracker) -> Order | None:
    """The order being changed, or None after telling the shopper the backend is down."""
    try:
        return await RunContext.of(tracker).client.get_order(tracker.get_slot("order_id") or "")
    except CommerceError:
        RunContext.of(tracker).apologise(dispatcher)
        return None


def describe_line(line: OrderLine) -> str:
    options = ", ".join(str(v) for v in line.options.values())
    return f"{line.product_name}" + (f" ({options})" if options else "")


def item_answers(tracker: Tracker, slot: str) -> list[str]:
    """The shopper's answers to ``slot`` in a row, oldest first, the latest message included.

    A button's answer is its payload's value (``"3,5"``), typed words as typed. The answer
    before the latest one matters when it tied lines: "the red one" answers which of them.
    """
    answers: list[str] = []
    requested = None
    for event in tracker.events:
        if event.get("event") == "slot" and event.get("name") == "requested_slot":
            requested = event.get("value")
        elif event.get("event") == "user":
            answers = [*answers, _answer_text(event, slot)] if requested == slot else []
    return answers


def _answer_text(event: dict[str, Any], slot: str) -> str:
    text = str(event.get("text") or "")
    if not text.startswith("/"):
        return text
    entities = (event.get("parse_data") or {}).get("entities") or []
    return next((str(e.get("value")) for e in entities if e.get("entity") == slot), text)


def resolve_item_answer(
    text: str, lines: list[OrderLine], tracker: Tracker, slot: str
) -> Resolution:
    """``text`` read as the answer to "which item?", after an earlier answer that tied lines."""
    answers = item_answers(tracker, slot)
    earlier = answers[-2] if len(answers) > 1 else None
    return resolve_answer(text, lines, earlier)


def ask_which_of_tied(
    dispatcher: CollectingDispatcher, tracker: Tracker, slot: str, lines: list[OrderLine]
) -> bool:
    """Asks which of the tied lines the shopper's latest answer meant; False if none tied.

    One question listing only those lines, as buttons; each button keeps the lines the same
    answer named without doubt, and "All of these" takes every tied line.
    """
    answers = item_answers(tracker, slot)
    if not answers:
        return False
    result = resolve_answer(answers[-1], lines, answers[-2] if len(answers) > 1 else None)
    if not isinstance(result, Tie):
        return False
    tied = [line for line in lines if line.line_id in result.candidates]
    labels = tie_labels(tied)

    def payload(ids: list[int]) -> str:
        value = ",".join(str(i) for i in sorted({*result.picked, *ids}))
        return f'/inform{{"{slot}":"{value}"}}'

    buttons = [
        {"title": label, "payload": payload([line.line_id])}
        for label, line in zip(labels, tied, strict=True)
    ]
    buttons.append({"title": "All of these", "payload": payload(list(result.candidates))})
    dispatcher.utter_message(
        response="utter_which_of_these_items",
        items=", ".join(labels[:-1]) + " or " + labels[-1],
        buttons=buttons,
    )
    return True
