"""Refund and return rules, answered from the merchant's policy file.

The same ``MerchantPolicy`` the checks read is the only source of these answers, so what the
bot says about the rules cannot drift from what it enforces.
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.knowledge import answered_from_knowledge
from actions.support import RunContext, then_next_request
from merchants.policy import (
    MerchantPolicy,
    RefundMethod,
    Resolution,
    credit_only_to_existing_gift_card,
)

RESOLUTION_WORDS = {
    Resolution.refund: "a refund",
    Resolution.store_credit: "store credit",
    Resolution.exchange: "an exchange for another size or colour",
}
REFUND_METHOD_WORDS = {
    RefundMethod.original_payment: "to your original payment method",
    RefundMethod.gift_card: "to a gift card",
    RefundMethod.store_credit: "as store credit",
}
# Words that show which rule a question is about; the rule asked about is answered first.
TOPICS = {
    "window": (
        "how many days",
        "how long do i have",
        "how long have i",
        "days",
        "weeks",
        "window",
        "deadline",
        "too late",
        "time limit",
        "still return",
    ),
    "final_sale": (
        "sale",
        "final",
        "underwear",
        "lingerie",
        "bra ",
        "swim",
        "bikini",
        "beauty",
        "makeup",
        "cosmetic",
        "lipstick",
        "perfume",
        "skincare",
        "hygiene",
        "opened",
        "used",
        "gift cards",
        "return a gift card",
    ),
    "resolutions": ("exchange", "swap", "store credit", "voucher"),
    "return_shipping": (
        "free",
        "postage",
        "shipping cost",
        "label",
        "pay for return",
        "pay to return",
        "return shipping",
    ),
    "refund_methods": (
        "refund take",
        "refunds take",
        "refund to",
        "money back",
        "paypal",
        "card",
        "bank",
        "how long for a refund",
        "how long does a refund",
        "how long do refunds",
        "get my money",
    ),
}


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def policy_answers(policy: MerchantPolicy) -> dict[str, tuple[str, dict[str, str]]]:
    """Each rule as (response name, template values), keyed by topic."""
    returns, refunds = policy.returns, policy.refunds
    answers: dict[str, tuple[str, dict[str, str]]] = {}
    if returns.window_days >= 3650:
        answers["window"] = ("utter_policy_no_window", {})
    else:
        answers["window"] = ("utter_policy_window", {"window_days": str(returns.window_days)})
    if returns.final_sale_categories:
        categories = [c.replace("_", " ") for c in returns.final_sale_categories]
        answers["final_sale"] = ("utter_policy_final_sale", {"categories": _join(categories)})
    answers["resolutions"] = (
        "utter_policy_resolutions",
        {
            "resolutions": _join(
                [
                    "a refund to a gift card you already have"
                    if r == Resolution.store_credit and credit_only_to_existing_gift_card(policy)
                    else RESOLUTION_WORDS[r]
                    for r in returns.resolutions
                ]
            )
        },
    )
    answers["return_shipping"] = (
        "utter_policy_return_shipping_free"
        if returns.free_return_shipping
        else "utter_policy_return_shipping_paid",
        {},
    )
    methods = [f"{REFUND_METHOD_WORDS[m]} ({when})" for m, when in refunds.methods.items()]
    answers["refund_methods"] = (
        "utter_policy_refund_methods"
        if refunds.shipping_cost_refunded
        else "utter_policy_refund_methods_no_shipping",
        {"refund_methods": _join(methods)},
    )
    return answers


# How the rules not asked about are offered after the answer.
TOPIC_WORDS = {
    "window": "the return window",
    "final_sale": "what can't be returned",
    "resolutions": "your choices (refund, credit, exchange)",
    "return_shipping": "who pays return shipping",
    "refund_methods": "how and when refunds are paid",
}


def asked_topics(text: str) -> list[str]:
    """The rules the question mentions, in the order it mentions them (none: a general question)."""
    lowered = f"{text.lower()} "
    first_mention: dict[str, int] = {}
    for topic, words in TOPICS.items():
        positions = [lowered.find(w) for w in words if w in lowered]
        if positions:
            first_mention[topic] = min(positions)
    return sorted(first_mention, key=first_mention.__getitem__)


class ActionRefundPolicy(Action):
    """Answers a question about return and refund rules: the rule asked about, alone.

    A question about one rule ("can I return a swimsuit?") gets that rule and an offer of the
    others; a general one ("what's your returns policy?") gets them all.

    With generative replies switched on, the answer is the asked rule alone, retrieved from
    the policy and FAQ (``actions/knowledge.py``); when retrieval finds nothing, it is the
    answer below.
    """

    def name(self) -> str:
        return "action_refund_policy"

    @then_next_request
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if await answered_from_knowledge(dispatcher, tracker):
            return []
        answers = policy_answers(RunContext.of(tracker).policy)
        asked = [t for t in asked_topics(tracker.latest_message.get("text") or "") if t in answers]
        for topic in asked or list(answers):
            response, values = answers[topic]
            dispatcher.utter_message(response=response, **values)
        rest = [TOPIC_WORDS[t] for t in answers if t not in asked]
        if asked and rest:
            dispatcher.utter_message(response="utter_policy_more", topics=_join(rest))
        return []
