"""Picking an order and proving it is yours: shared by every flow that touches an order.

Privacy rule: nothing about an order is said before the shopper has proven a second factor
(the e-mail or ZIP on the order), and an unknown order number gets exactly the same reply as
a wrong answer, so the bot cannot be used to probe which orders exist.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.reask import CHANGE_COURSE_AFTER, IDENTIFY_INSTEAD_OF, ReaskingForm, missed
from actions.services.commerce import BackendUnavailable, CommerceError, client_from_env
from actions.support import RunContext, tenant_of

# Bare digits count only when no other id's prefix is glued to them ("PM-718458" is a payment
# method, not order 718458).
ORDER_REF = re.compile(r"(?i)(?:\bAC[\s-]?|#|(?<![\w-]))(\d{6})\b")
TAU_ORDER_REF = re.compile(r"(?i)#?\bW(\d{7})\b")
# "my other order", "wrong order": the order in focus is not the one meant.
OTHER_ORDER = re.compile(r"(?i)\b(?:other|wrong|different|another)\s+order\b")
# The order a conversation is about, kept across flows until the shopper names another. Only
# the number is kept, never the verification: the next form checks again that the order is the
# verified shopper's (no second question for them), so a new number can never inherit it.
FOCUS = ("order_id",)
LOCKED = "locked"
UNAVAILABLE = "unavailable"


def normalise_order_ref(text: str) -> str | None:
    """Find an order number in what the shopper typed and write it the canonical way.

    Two shapes are known: the demo store's ``AC-`` + 6 digits and the τ-bench store's
    ``#W`` + 7 digits; the backend resolves either.
    """
    match = ORDER_REF.search(text or "")
    if match:
        return f"AC-{match.group(1)}"
    tau = TAU_ORDER_REF.search(text or "")
    return f"#W{tau.group(1)}" if tau else None


def _failed(tracker: Tracker) -> int:
    return int(tracker.get_slot("failed_verifications") or 0)


class OrderVerification(ReaskingForm):
    """Validators shared by every form that starts by picking and verifying an order.

    Mixed into a ``FormValidationAction`` whose form requires ``order_id`` and
    ``order_verified``; the form ends at once while lookups are blocked. A shopper who missed
    the order number twice is identified instead (``shopper_identity``, as shopper-first
    merchants do) and picks from their recent orders.
    """

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """Ends the form at once while lookups are blocked (locked out or backend down)."""
        if tracker.get_slot("lookup_blocked"):
            return []
        shopper_first = RunContext.of(tracker).policy.verification.shopper_first
        if not tracker.get_slot("customer_id") and (
            shopper_first or missed(tracker, IDENTIFY_INSTEAD_OF) >= CHANGE_COURSE_AFTER
        ):
            return domain_slots
        return [slot for slot in domain_slots if slot != "shopper_identity"]

    async def validate_shopper_identity(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Finds the shopper by e-mail, or by full name and ZIP; nothing else is said first."""
        if _failed(tracker) >= RunContext.of(tracker).policy.verification.max_failed_attempts:
            return {"shopper_identity": None, "lookup_blocked": LOCKED}
        text = str(slot_value or "")
        if (
            normalise_order_ref(text)
            and not RunContext.of(tracker).policy.verification.shopper_first
        ):
            # Asked after the order number was missed, and the shopper found it after all.
            return {
                "shopper_identity": None,
                **await self.validate_order_id(text, dispatcher, tracker, domain),
            }
        email, name, postcode = identity_in(text, tracker)
        if not RunContext.of(tracker).policy.verification.shopper_first:
            # This merchant checks every order with a second factor; a shopper who has no
            # order number gives two at once instead, or anyone knowing an e-mail could list
            # that shopper's orders.
            postcode = postcode or zip_in(text.replace(email or "", " "))
            if not (email and postcode):
                dispatcher.utter_message(response="utter_shopper_identity_both")
                return {"shopper_identity": None}
        try:
            if email:
                customer = await RunContext.of(tracker).client.find_customer(
                    email=email, postcode=postcode
                )
            elif name and postcode:
                customer = await RunContext.of(tracker).client.find_customer(
                    name=name, postcode=postcode
                )
            else:
                dispatcher.utter_message(response="utter_shopper_identity_needed")
                return {"shopper_identity": None}
        except BackendUnavailable:
            return {"shopper_identity": None, "lookup_blocked": UNAVAILABLE}
        except CommerceError:
            failed = _failed(tracker) + 1
            if failed >= RunContext.of(tracker).policy.verification.max_failed_attempts:
                return {
                    "shopper_identity": None,
                    "failed_verifications": failed,
                    "lookup_blocked": LOCKED,
                }
            dispatcher.utter_message(response="utter_shopper_not_found")
            return {"shopper_identity": None, "failed_verifications": failed}
        result: dict[str, Any] = {"shopper_identity": True, "customer_id": customer.customer_id}
        order_ref = tracker.get_slot("order_id")
        if order_ref:
            # An order named before the shopper was identified: check it is theirs now.
            tracker.slots.update(result)
            result.update(await self.validate_order_id(order_ref, dispatcher, tracker, domain))
        return result

    async def validate_order_id(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Accepts any well-formed order number; whether it exists is not revealed here."""
        if _failed(tracker) >= RunContext.of(tracker).policy.verification.max_failed_attempts:
            return {"order_id": None, "lookup_blocked": LOCKED}
        order_ref = normalise_order_ref(str(slot_value or ""))
        if order_ref is None:
            dispatcher.utter_message(response="utter_order_id_invalid")
            return {"order_id": None}
        if order_ref == tracker.get_slot("order_id") and _means_another_order(tracker):
            # The order in focus, but the shopper asks about another one: ask which.
            return {"order_id": None, "order_verified": None}
        customer_id = tracker.get_slot("customer_id")
        if customer_id and await self._belongs_to(order_ref, customer_id, tenant_of(tracker)):
            # Already verified in this conversation (or by the channel): no second question.
            return {"order_id": order_ref, "order_verified": True}
        if RunContext.of(tracker).policy.verification.shopper_first:
            if not customer_id:
                return {"order_id": order_ref}  # kept until the shopper is identified
            # Someone else's order and an unknown one get the same answer.
            failed = _failed(tracker) + 1
            dispatcher.utter_message(response="utter_order_not_on_account")
            blocked = failed >= RunContext.of(tracker).policy.verification.max_failed_attempts
            return {
                "order_id": None,
                "order_verified": None,
                "failed_verifications": failed,
                **({"lookup_blocked": LOCKED} if blocked else {}),
            }
        answer = _second_factor_in(tracker)
        if answer:
            # "AC-104233, jane@example.com": both factors in one message.
            return await self._check_answer(order_ref, answer, dispatcher, tracker)
        # A new order number: whatever was verified before does not cover it.
        return {"order_id": order_ref, "order_verified": None}

    @staticmethod
    async def _belongs_to(order_ref: str, customer_id: str, tenant: str | None) -> bool:
        try:
            order = await client_from_env(tenant).get_order(order_ref)
        except CommerceError:
            # Unknown order or a hiccup: fall back to asking the second factor.
            return False
        return order.customer_id == customer_id

    async def validate_order_verified(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Checks the e-mail or ZIP against the order; the answer itself is never kept."""
        if slot_value is True:
            return {"order_verified": True}
        if "order_id" in _entity_names(tracker) and not _second_factor_in(tracker):
            # A corrected order number, not an answer: validate_order_id deals with it.
            return {"order_verified": None}
        order_ref = tracker.get_slot("order_id") or ""
        return await self._check_answer(order_ref, str(slot_value or ""), dispatcher, tracker)

    async def _check_answer(
        self, order_ref: str, answer: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        try:
            verification = await RunContext.of(tracker).client.verify_order(
                order_ref, answer.strip()
            )
        except BackendUnavailable:
            return {"order_verified": None, "lookup_blocked": UNAVAILABLE}
        except CommerceError:
            verification = None
        known_customer = tracker.get_slot("customer_id")
        if verification is None or (known_customer and verification.customer_id != known_customer):
            # One conversation serves one shopper: someone else's order fails the same way.
            return self._verification_failed(dispatcher, tracker)
        return {
            "order_verified": True,
            "order_id": verification.order_id,
            "customer_id": verification.customer_id,
        }

    @staticmethod
    def _verification_failed(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        failed = _failed(tracker) + 1
        if failed >= RunContext.of(tracker).policy.verification.max_failed_attempts:
            return {
                "order_verified": None,
                "failed_verifications": failed,
                "lookup_blocked": LOCKED,
            }
        dispatcher.utter_message(response="utter_verification_failed")
        return {"order_id": None, "order_verified": None, "failed_verifications": failed}


EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
ZIP = re.compile(r"\b(\d{5})(?:-\d{4})?\b")
NAME_FILLER = re.compile(
    r"(?i)\b(?:hi|hello|hey|sure|ok|okay|yes|my|full|name|is|i am|im|i'm|it's|its|this is|"
    r"zip|zipcode|code|postal|postcode|and|the|live|in|at)\b"
)


def zip_in(text: str) -> str | None:
    """The first US ZIP code in ``text``, without its +4 part."""
    match = ZIP.search(text)
    return match.group(1) if match else None


def identity_in(text: str, tracker: Tracker) -> tuple[str | None, str | None, str | None]:
    """(e-mail, full name, ZIP) the shopper gave to identify themselves; any may be None."""
    email = next(tracker.get_latest_entity_values("email"), None) or (
        m.group(0) if (m := EMAIL.search(text)) else None
    )
    if email:
        return str(email), None, None
    zip_match = ZIP.search(text)
    if zip_match is None:
        return None, None, None
    rest = NAME_FILLER.sub(" ", ZIP.sub(" ", text))
    name = " ".join(re.sub(r"[^\w'\- ]+", " ", rest).split())
    return None, name or None, zip_match.group(1)


def _means_another_order(tracker: Tracker) -> bool:
    """The latest message speaks of an order other than the one in focus, without its number."""
    text = tracker.latest_message.get("text") or ""
    return bool(OTHER_ORDER.search(text)) and normalise_order_ref(text) is None


def _entity_names(tracker: Tracker) -> set[str]:
    return {e.get("entity") for e in tracker.latest_message.get("entities") or []}


def _second_factor_in(tracker: Tracker) -> str | None:
    """An e-mail or ZIP code the shopper typed in the latest message, if any."""
    for name in ("email", "postcode"):
        value = next(tracker.get_latest_entity_values(name), None)
        if value:
            return str(value)
    return None
