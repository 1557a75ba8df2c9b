"""Never the same question a third time: what every form does when an answer keeps missing.

A form asks a question; the shopper's answer does not fill it (it does not read as an order
number, the e-mail does not match, it is not one of the options, or it is no answer at all and
the bot answered something else first). The first miss gets the question again, with the
flow's own hint. After the second miss in a row the bot changes course instead of asking a
third time: it says where to find what it asks for, shows the options compactly, offers a
person, and for the order number offers another way to find the order. A third miss leaves
the form: nothing changes, and a person is offered.

Two halves, shared by all forms:

- :class:`ReaskingForm`, mixed into every form validator, counts the misses per question in
  the ``missed_questions`` slot and decides when to change course or leave;
- :class:`AskAction`, the base of every ``action_ask_<slot>``, asks the question as usual,
  or says the change of course on the turn the validator decided it.

Which words go with which question is :data:`REASKS`; the conversation-design notes are in
``docs/post-purchase-changes.md``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.support import RunContext

if TYPE_CHECKING:
    from rasa_sdk import FormValidationAction

STATE_SLOT = "missed_questions"
REQUESTED_SLOT = "requested_slot"
# Misses in a row after which the bot stops asking the same question.
CHANGE_COURSE_AFTER = 2
PERSON_BUTTON = {"title": "Talk to a person", "payload": "/request_human"}
# The question → what is said instead of asking it a third time. Questions not listed get
# utter_reask_confirmation (yes/no), utter_reask_choice (it showed options) or
# utter_reask_default (free text).
REASKS = {
    "order_id": "utter_reask_order_id",
    "order_verified": "utter_reask_order_verified",
    "shopper_identity": "utter_reask_shopper_identity",
    "new_address": "utter_reask_new_address",
    "return_reason": "utter_reask_return_reason",
}
# Questions whose change of course is to leave the form quietly (its ending speaks).
LEAVE_INSTEAD = frozenset({"satisfaction_rating", "conversation_rating"})
# When the order number is missed twice and the shopper is not known yet, they are
# identified instead (e-mail, or name and ZIP) and pick from their recent orders.
IDENTIFY_INSTEAD_OF = "order_id"
# Slots that never count as the answer to another question: naming an order switches orders.
_SWITCH_SLOTS = ("order_id",)
_SKIPPED_EVENTS = ("slot", "user_featurization")


@dataclass
class Misses:
    """What ``missed_questions`` holds, read back for the running form only.

    ``loop`` and ``turn`` are the number of form (de)activations and of shopper messages when
    it was written: a count from an earlier form, or one made this turn already, is stale.
    """

    loop: int = 0
    turn: int = -1
    counts: dict[str, int] = field(default_factory=dict)
    # The question the bot changed course on, in turn ``turn``.
    stuck: str | None = None

    def as_slot(self) -> dict[str, Any]:
        return {"loop": self.loop, "turn": self.turn, "counts": self.counts, "stuck": self.stuck}


def _loops(tracker: Tracker) -> int:
    return sum(1 for e in tracker.events if e.get("event") == "active_loop")


def _turns(tracker: Tracker) -> int:
    return sum(1 for e in tracker.events if e.get("event") == "user")


def misses_of(tracker: Tracker) -> Misses:
    """The misses counted in the running form so far (none after a form ended or changed)."""
    value = tracker.get_slot(STATE_SLOT)
    if not isinstance(value, dict) or value.get("loop") != _loops(tracker):
        return Misses(loop=_loops(tracker))
    counts = {str(k): int(v) for k, v in (value.get("counts") or {}).items()}
    stuck = value.get("stuck")
    return Misses(_loops(tracker), int(value.get("turn", -1)), counts, stuck)


def missed(tracker: Tracker, slot: str) -> int:
    """How many answers in a row missed ``slot`` in the running form."""
    return misses_of(tracker).counts.get(slot, 0)


def _answering(tracker: Tracker) -> bool:
    """True when the form runs straight after the shopper's message (not after a digression).

    Rasa adds the form's own run and the extracted slots at the end of the tracker it sends.
    """
    form = tracker.active_loop_name
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind in _SKIPPED_EVENTS or (kind == "action" and event.get("name") == form):
            continue
        return kind == "user"
    return False


def reask_response(slot: str, buttons: list[dict[str, Any]], tracker: Tracker) -> str:
    """The response said instead of asking ``slot`` a third time."""
    if slot == IDENTIFY_INSTEAD_OF and tracker.get_slot("customer_id"):
        return "utter_reask_choice"  # a known shopper picks from their orders
    if slot in REASKS:
        return REASKS[slot]
    if slot.endswith("_confirmed"):
        return "utter_reask_confirmation"
    return "utter_reask_choice" if buttons else "utter_reask_default"


def shown_buttons(tracker: Tracker) -> list[dict[str, Any]]:
    """The buttons of the bot's last message before the shopper's latest one."""
    seen_user = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            if seen_user:
                return []
            seen_user = True
        elif kind == "bot" and seen_user:
            buttons = (event.get("data") or {}).get("buttons") or []
            if buttons:
                return [b for b in buttons if b.get("payload") != PERSON_BUTTON["payload"]]
    return []


class ReaskingForm:
    """Counts misses per question and changes course; mixed into every form validator."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        asked = tracker.get_slot(REQUESTED_SLOT)
        answering = _answering(tracker)
        before = misses_of(tracker)
        heard = CollectingDispatcher()
        # Mixed into a FormValidationAction, which defines run.
        events: list[EventType] = await super().run(heard, tracker, domain)  # type: ignore[misc]
        updates = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
        # A question answered since is forgotten; the others keep their count.
        counts = {name: n for name, n in before.counts.items() if tracker.get_slot(name) is None}
        after = Misses(before.loop, before.turn, counts, None)
        next_slot = await self._next_slot(dispatcher, tracker, domain)
        if not (
            asked
            and before.turn != _turns(tracker)
            and (asked in updates or not answering)
            and tracker.get_slot(asked) is None
            and next_slot is not None
            and not any(updates.get(name) for name in _SWITCH_SLOTS if name != asked)
        ):
            dispatcher.messages.extend(heard.messages)
            if after.counts == before.counts or not (
                not answering or set(updates) - {REQUESTED_SLOT}
            ):
                return events  # (nothing to write, or Rasa must be free to reject the turn)
            # A question answered: its count goes, and with it any change of course it caused.
            tracker.slots[STATE_SLOT] = after.as_slot()
            next_slot = await self._next_slot(dispatcher, tracker, domain)
            kept = [e for e in events if e.get("name") != REQUESTED_SLOT]
            return [*kept, SlotSet(STATE_SLOT, after.as_slot()), SlotSet(REQUESTED_SLOT, next_slot)]
        # A miss: the answer did not fill the question, and the form goes on.
        after.turn = _turns(tracker)
        after.counts[asked] = before.counts.get(asked, 0) + 1
        if after.counts[asked] < CHANGE_COURSE_AFTER:
            dispatcher.messages.extend(heard.messages)
            return [*events, SlotSet(STATE_SLOT, after.as_slot())]
        kept = [e for e in events if e.get("name") != REQUESTED_SLOT]
        if after.counts[asked] > CHANGE_COURSE_AFTER or asked in LEAVE_INSTEAD:
            # Still no answer after the change of course: stop asking, offer a person.
            if asked not in LEAVE_INSTEAD:
                dispatcher.utter_message(response="utter_reask_leave", buttons=[PERSON_BUTTON])
            return [*kept, SlotSet(STATE_SLOT, None), SlotSet(REQUESTED_SLOT, None)]
        # The second miss: the question's ask action says the change of course instead.
        after.stuck = asked
        tracker.slots[STATE_SLOT] = after.as_slot()
        next_slot = await self._next_slot(dispatcher, tracker, domain)
        return [*kept, SlotSet(STATE_SLOT, after.as_slot()), SlotSet(REQUESTED_SLOT, next_slot)]

    async def _next_slot(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> str | None:
        """The question the form asks next, from the slots as validated so far."""
        if tracker.get_slot("lookup_blocked") or tracker.get_slot("change_blocked"):
            return None
        form = cast("FormValidationAction", self)
        required = await form.required_slots(form.domain_slots(domain), dispatcher, tracker, domain)
        return next((slot for slot in required if tracker.get_slot(slot) is None), None)


class AskAction(Action, ABC):
    """Asks for ``slot``; on the turn the validator changed course, says that instead."""

    @property
    @abstractmethod
    def slot(self) -> str:
        """The form slot this action asks for."""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        misses = misses_of(tracker)
        stuck = misses.stuck
        if stuck is None or misses.turn != _turns(tracker):
            return await self.ask(dispatcher, tracker, domain)
        if stuck == self.slot:
            # The same question: its options again, compactly, and a person.
            buttons = shown_buttons(tracker)
            dispatcher.utter_message(
                response=reask_response(stuck, buttons, tracker), buttons=[*buttons, PERSON_BUTTON]
            )
            return []
        # The change of course led to another question (a failed check starts over with the
        # order number): say where to find things and offer a person, then ask it.
        dispatcher.utter_message(
            response=reask_response(stuck, [], tracker), buttons=[PERSON_BUTTON]
        )
        if stuck == IDENTIFY_INSTEAD_OF and self.slot == "shopper_identity":
            return []  # the change of course already asks who the shopper is
        return await self.ask(dispatcher, tracker, domain)

    async def ask(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """The question as usual: ``utter_ask_<form>_<slot>`` where the domain words it for one
        form, else ``utter_ask_<slot>`` (Rasa's own order of lookup)."""
        own = f"utter_ask_{tracker.active_loop_name}_{self.slot}"
        shared = f"utter_ask_{self.slot}"
        dispatcher.utter_message(response=own if own in domain.get("responses", {}) else shared)
        return []


class ActionAskShopperIdentity(AskAction):
    slot = "shopper_identity"

    async def ask(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """What identifies the shopper depends on the merchant's policy.

        A shopper-first merchant (τ-bench) takes the e-mail, or the full name and ZIP. One who
        checks each order asks this only of a shopper without an order number, and then wants
        the e-mail and the ZIP together (``OrderVerification.validate_shopper_identity``).
        """
        shopper_first = RunContext.of(tracker).policy.verification.shopper_first
        dispatcher.utter_message(
            response="utter_ask_shopper_identity"
            if shopper_first
            else "utter_identity_email_and_zip"
        )
        return []


class ActionAskOrderVerified(AskAction):
    slot = "order_verified"


class ActionAskCancelReason(AskAction):
    slot = "cancel_reason"


class ActionAskNewAddress(AskAction):
    slot = "new_address"


class ActionAskReturnReason(AskAction):
    slot = "return_reason"


class ActionAskSatisfactionRating(AskAction):
    slot = "satisfaction_rating"
