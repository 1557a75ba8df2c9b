"""The names of Aftercare's dialogue that the figures are built from.

Forms and their questions come from ``domain.yml`` and the fallback threshold from
``config.yml``'s ``FallbackClassifier``, read once, so a renamed form or a retuned threshold
cannot leave analytics counting the old one; a file without them is an error, never a
default. What exists only in code (which actions end a flow, which answers say the bot could
not help, which actions open a ticket) is listed here under the action module it comes from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from guardrails.generation import decisions
from guardrails.handoff.rules import Reason
from merchants.tenants import DEFAULT_TENANT

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_FILE = ROOT / "domain.yml"
CONFIG_FILE = ROOT / "config.yml"

__all__ = ["DEFAULT_TENANT", "Dialogue", "dialogue"]

# Rasa's names (intents, actions, slots, responses): what a fact may keep as a name.
NAME_SHAPE = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,127}")

FALLBACK_INTENT = "nlu_fallback"
SESSION_START = "action_session_start"
LISTEN = "action_listen"
# actions/handoff.py: the only actions that open a ticket at the desk.
HANDOFF_ACTIONS = frozenset({"action_hand_off", "action_request_human"})
# desk/handoffs.py: after "resolve" the desk resumes the bot with the rating form, after
# "hand back" with action_handed_back.
RATING_FORM = "satisfaction_form"
HANDED_BACK = "action_handed_back"
RATING_SLOT = "satisfaction_rating"
RATINGS = frozenset({"1", "2", "3", "4", "5"})
RATING_SKIPPED = "skipped"
# actions/rating.py, nlu_components/rating.py: the assistant's own question, started by the
# Rasa server after the goodbye of a session it served alone; same answers as the desk's.
BOT_RATING_FORM = "conversation_rating_form"
BOT_RATING_SLOT = "conversation_rating"
BOT_RATING_STORE = "action_store_conversation_rating"
# The question is no service: its own side flow, which no conversation is counted under.
RATING_FLOW = "rating"
# actions/requests.py: a message of several requests is replayed clause by clause.
NEXT_REQUEST = "action_next_request"
REASONS = frozenset(reason.value for reason in Reason)

# The flows, named as the action modules and data files; "other" never entered one.
OTHER = "other"
INTENT_FLOWS = {
    "order_status": "orders",
    "order_details": "orders",
    "refund_status": "refunds",
    "refund_policy": "refunds",
    "start_return": "returns",
    "cancel_order": "cancellations",
    "change_address": "address",
    "change_profile_address": "profile",
    "delivery_problem": "problems",
    "change_items": "modifications",
    "change_payment_method": "modifications",
    "product_question": "products",
    "recommend_products": "cross_sell",
    "request_human": "handoff",
}
FORM_FLOWS = {
    "order_status_form": "orders",
    "cancel_order_form": "cancellations",
    "change_address_form": "address",
    "profile_address_form": "profile",
    "delivery_problem_form": "problems",
    "return_form": "returns",
    "change_items_form": "modifications",
    "change_payment_form": "modifications",
    RATING_FORM: "handoff",
    BOT_RATING_FORM: RATING_FLOW,
}
# data/rules: the action that follows each form once it has every answer.
FORM_SUBMITS = {
    "order_status_form": "action_order_status",
    "cancel_order_form": "action_cancel_order",
    "change_address_form": "action_change_address",
    "profile_address_form": "action_change_profile_address",
    "delivery_problem_form": "action_report_problem",
    "return_form": "action_create_return",
    "change_items_form": "action_change_items",
    "change_payment_form": "action_change_payment_method",
    RATING_FORM: "action_store_satisfaction",
    BOT_RATING_FORM: BOT_RATING_STORE,
}
# Flows that use another flow's form (data/rules/refunds.yml: a refund's order is looked up
# with order_status_form): the form keeps the flow that started it.
# A shopper asking for a person mid-flow keeps that flow in focus: "handoff" is a conversation's
# flow only when it asked for a person before anything else. The rating question at goodbye
# never changes the flow in focus.
SIDE_FLOWS = frozenset({"handoff", RATING_FLOW})
BORROWED_FORMS = {"order_status_form": frozenset({"refunds"})}
# The last action of each flow (data/rules: the action after a form ends; the answers).
FLOW_ENDS = frozenset(
    {
        "action_order_status",
        "action_cancel_order",
        "action_change_address",
        "action_change_profile_address",
        "action_report_problem",
        "action_create_return",
        "action_change_items",
        "action_change_payment_method",
        "action_refund_policy",
        "action_answer_product",
        "action_answer_question",
        "action_recommend_products",
        "action_record_suggestion_click",
    }
)
# Answers that say the bot could not help (domain.yml): a flow that ends with one is not
# resolved.
FAILURES = frozenset(
    {
        "utter_backend_unavailable",
        "utter_service_unavailable",
        "utter_lookup_locked",
        "utter_verification_failed",
        "utter_shopper_not_found",
        "utter_handoff_unavailable",
        "utter_please_rephrase",
        "utter_fallback_to_person",
        "utter_out_of_scope",
        "utter_product_not_found",
        "utter_no_suggestions",
        "utter_suggestion_not_listed",
        "utter_problem_to_person",
        "utter_exchange_by_person",
        "utter_offer_person_other_language",
    }
)
# actions/handoff.py, OFFERED_AFTER: the bot's answer before "yes, a person" gives the reason.
OFFERED_AFTER = {
    "utter_lookup_locked": Reason.verification_locked.value,
    "utter_backend_unavailable": Reason.backend_down.value,
    "utter_service_unavailable": Reason.backend_down.value,
}
# actions/cross_sell.py: what each of its answers means for the recommendation funnel.
SUGGESTIONS_OFFERED = frozenset({"utter_offer_suggestion"})
SUGGESTIONS_SHOWN = frozenset(
    {"utter_suggestions_personal", "utter_suggestions_about", "utter_suggestions_popular"}
)
SUGGESTION_PICKED = frozenset({"utter_suggestion_picked"})
SUGGESTIONS_DECLINED = frozenset({"utter_suggestions_declined"})
# Entities the NLU pipeline sets to record a guardrail's decision (nlu_components/handoff.py).
SIGNAL_ENTITY = "handoff_signal"
GUARDRAIL_ENTITY = "guardrail"
INJECTION = "injection"
# guardrails/generation/nlg.py: a reply eligible for rewording carries the decision in its
# response metadata, {"generation": {"rephrased": bool, "reason": <GENERATION_REASONS>}}.
GENERATION_KEY = decisions.DECISION_KEY
GENERATION_REASONS = decisions.REASONS
REPHRASED = decisions.REPHRASED
GENERATION_FLAG = "generation="

# Slots whose value a fact keeps, and the values it may keep (anything else: only "set").
# requested_slot is checked against the forms' questions, tenant against the name shape.
KEPT_SLOT_VALUES: dict[str, frozenset[str]] = {
    RATING_SLOT: RATINGS | {RATING_SKIPPED},
    BOT_RATING_SLOT: RATINGS | {RATING_SKIPPED},
    "suggestion_state": frozenset({"offered", "shown", "declined", "ignored"}),
    "handoff_reason": REASONS,
    "lookup_blocked": frozenset({"locked"}),
}
TENANT_SLOT = "tenant"
REQUESTED_SLOT = "requested_slot"


class VocabularyError(RuntimeError):
    """``domain.yml`` or ``config.yml`` lacks what the figures are defined by."""


@dataclass(frozen=True)
class Dialogue:
    """What the project's files say: each form's questions and the fallback threshold."""

    forms: dict[str, tuple[str, ...]]
    fallback_threshold: float

    @property
    def questions(self) -> frozenset[str]:
        """Every slot some form asks for: the only values ``requested_slot`` may keep."""
        return frozenset(slot for slots in self.forms.values() for slot in slots)


def _yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise VocabularyError(f"{path} cannot be read: {exc}") from exc
    if not isinstance(data, dict):
        raise VocabularyError(f"{path} is not a mapping")
    return data


def read_dialogue(domain_file: Path, config_file: Path) -> Dialogue:
    """The forms of ``domain_file`` and the FallbackClassifier threshold of ``config_file``."""
    forms = _yaml(domain_file).get("forms")
    if not isinstance(forms, dict) or not forms:
        raise VocabularyError(f"{domain_file} has no forms")
    pipeline = _yaml(config_file).get("pipeline") or []
    thresholds = [
        float(step["threshold"])
        for step in pipeline
        if isinstance(step, dict) and step.get("name") == "FallbackClassifier"
    ]
    if len(thresholds) != 1:
        raise VocabularyError(f"{config_file} needs exactly one FallbackClassifier threshold")
    return Dialogue(
        forms={
            str(name): tuple(str(s) for s in (spec or {}).get("required_slots") or ())
            for name, spec in forms.items()
        },
        fallback_threshold=thresholds[0],
    )


@cache
def dialogue() -> Dialogue:
    """The project's own :class:`Dialogue`, read once per process."""
    return read_dialogue(DOMAIN_FILE, CONFIG_FILE)


def is_name(value: Any) -> bool:
    """True for a string shaped like one of Rasa's names (never a sentence, an e-mail)."""
    return isinstance(value, str) and NAME_SHAPE.fullmatch(value) is not None


def flow_of_intent(intent: str | None) -> str | None:
    """The flow a shopper's intent asks for, or None for small talk and answers."""
    return INTENT_FLOWS.get(intent or "")


def flow_of_form(form: str, focus: str | None) -> str:
    """The flow a form serves: the flow in focus when that flow borrows the form."""
    if focus is not None and focus in BORROWED_FORMS.get(form, frozenset()):
        return focus
    return FORM_FLOWS.get(form, OTHER)
