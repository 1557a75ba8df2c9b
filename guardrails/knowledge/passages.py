"""The merchant's rules as passages: one short sentence per rule, with a name a shopper reads.

Every sentence is rendered from the :class:`~merchants.policy.MerchantPolicy` it is given, so a
rule is still written once (in the policy file) and an answer cannot drift from the checks
that enforce it. Enum values are read as plain strings: this package takes the policy object
in and imports nothing from ``actions``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from merchants.policy import MerchantPolicy

POLICY = "policy"
FAQ = "faq"

REMEDY_WORDS = {
    "wait": "wait for the new delivery date",
    "reship": "have a replacement sent at no cost",
    "refund": "get a full refund",
    "handoff": "talk to one of our team",
}
RESOLUTION_WORDS = {
    "refund": "a refund",
    "store_credit": "store credit",
    "exchange": "an exchange for another size or colour",
}
REFUND_WORDS = {
    "original_payment": "refunds to your original payment method arrive {when}",
    "gift_card": "refunds to a gift card arrive {when}",
    "store_credit": "store credit arrives {when}",
}
STATE_WORDS = {"out_for_delivery": "out for delivery", "in_transit": "in transit"}
# Order states before and after the parcel leaves the warehouse.
PRE_SHIP_STATES = frozenset({"pending", "paid", "packed"})
SHIPPED_STATES = frozenset({"shipped", "in_transit", "delayed", "out_for_delivery", "delivered"})

# What shoppers call things in a category, so "can I return a bikini?" finds the final-sale
# rule of swimwear. Words, not rules: which categories are final sale is the policy's.
CATEGORY_WORDS = {
    "beauty": "makeup, lipstick, skincare or perfume",
    "underwear": "underwear, bras, boxers or socks",
    "swimwear": "a swimsuit, bikini or swim shorts",
    "gift_cards": "a gift card",
}

# How shoppers ask about each rule. These are phrasings, not facts: they only help retrieval
# find the rule, and are never shown.
ASKS: dict[str, tuple[str, ...]] = {
    "return_window": (
        "How many days do I have to return something?",
        "Is it too late to return my order?",
        "Can I still return an item I bought weeks ago?",
    ),
    "returnable_orders": (
        "Can I return an order that hasn't arrived yet?",
        "When can I start a return?",
    ),
    "final_sale": (
        "Which items can't be returned?",
        "Can I return swimwear, underwear, a bikini, makeup or a gift card?",
        "Are sale items final?",
    ),
    "return_options": (
        "Can I exchange an item for another size?",
        "Can I get store credit instead of a refund?",
    ),
    "return_shipping": (
        "Do I have to pay for return shipping?",
        "Is there a return label?",
    ),
    "refund_timing": (
        "How long does a refund take?",
        "When will I get my money back?",
    ),
    "shipping_refund": ("Do I get the shipping cost back when I return something?",),
    "cancel": ("Can I cancel my order?", "Is it too late to cancel?"),
    "change_address": (
        "Can I change the delivery address?",
        "I moved, can you send it to a different address?",
    ),
    "change_items": ("Can I change the size or colour of an item in my order?",),
    "change_payment": ("Can I pay with a different card for my order?",),
    "delayed": (
        "My parcel is late, what can I do?",
        "My order is late.",
        "My delivery is delayed.",
        "It's past the delivery date and my order hasn't come.",
    ),
    "lost": ("My parcel is lost.", "What if my package never arrives?"),
    "problems": (
        "My item arrived damaged.",
        "I received the wrong item.",
        "Something is missing from my parcel.",
    ),
    "support_hours": ("When is customer service open?", "What are your opening hours?"),
    "support_email": ("How do I contact you?", "What is your e-mail address?"),
}


@dataclass(frozen=True)
class Passage:
    """One answerable piece of the merchant's text.

    Attributes:
        id: Stable key: the rule's key for policy passages, the entry's id for FAQ ones.
        rule: The name a shopper reads ("Return window").
        text: The sentence shown verbatim in an extractive answer.
        origin: ``policy`` or ``faq``.
        asks: Phrasings of the question it answers; retrieval matches them too.
    """

    id: str
    rule: str
    text: str
    origin: str = POLICY
    asks: tuple[str, ...] = field(default_factory=tuple)

    @property
    def cited(self) -> str:
        """The passage with its rule named, as an extractive answer shows it."""
        return f"{self.rule}: {self.text}"


def join_words(words: Sequence[str], last: str = "or") -> str:
    """Render words as one English phrase: "a, b or c"."""
    words = list(words)
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + f" {last} " + words[-1]


def _states(states: Sequence[str]) -> str:
    return join_words([STATE_WORDS.get(s, s.replace("_", " ")) for s in states])


def _change(action: str, states: Sequence[str], after: str) -> str:
    if not states:
        return f"You can't {action} once an order is placed."
    text = f"You can {action} while it is {_states(states)}."
    if SHIPPED_STATES & set(states):
        return text
    # "After it ships" only when every state before shipping allows it.
    when = "After it ships" if set(states) >= PRE_SHIP_STATES else "After that"
    return f"{text} {when}, {after}."


def _when(when: str) -> str:
    """Put "in" before a duration ("in 5 to 7 business days"); "immediately" stays as it is."""
    first = when.split(" ", 1)[0].lower()
    return when if first in ("immediately", "within", "in", "after", "at", "on") else f"in {when}"


def _remedies(remedies: Sequence[str]) -> str:
    return join_words([REMEDY_WORDS[r] for r in remedies])


def _money(amount: float, currency: str) -> str:
    number = f"{amount:,.0f}" if amount == int(amount) else f"{amount:,.2f}"
    return f"${number}" if currency == "USD" else f"{number} {currency}"


def _value(member: object) -> str:
    return str(getattr(member, "value", member))


def policy_passages(policy: MerchantPolicy) -> list[Passage]:
    """Every rule a shopper may ask about, as one passage each, in the policy's order."""
    returns, refunds, changes = policy.returns, policy.refunds, policy.changes
    out: list[tuple[str, str, str]] = []
    if returns.window_days >= 3650:
        window = "Delivered orders can be returned or exchanged, with no time limit."
    else:
        window = f"You can return or exchange items within {returns.window_days} days of delivery."
    out.append(("return_window", "Return window", window))
    if list(changes.return_items) != ["delivered"]:  # the window already says "of delivery"
        out.append(
            (
                "returnable_orders",
                "Which orders can be returned",
                f"Items can be returned while your order is {_states(changes.return_items)}."
                if changes.return_items
                else "Orders can't be returned.",
            )
        )
    if returns.final_sale_categories:
        categories = join_words(
            [c.replace("_", " ") for c in returns.final_sale_categories], last="and"
        )
        final = (
            f"{categories[0].upper()}{categories[1:]} are final sale, so they can't be returned."
        )
    else:
        final = "Nothing is final sale: items from every category can be returned."
    out.append(("final_sale", "Final sale", final))
    resolutions = []
    for resolution in map(_value, returns.resolutions):
        if resolution == "store_credit" and (
            "store_credit" not in map(_value, refunds.methods)
            and "gift_card" in map(_value, refunds.methods)
        ):
            resolutions.append("a refund to a gift card you already have")
        else:
            resolutions.append(RESOLUTION_WORDS[resolution])
    out.append(
        (
            "return_options",
            "Return options",
            f"For a return you can choose {join_words(resolutions)}.",
        )
    )
    out.append(
        (
            "return_shipping",
            "Return shipping",
            "Sending items back is free: you get a prepaid return label."
            if returns.free_return_shipping
            else "Return shipping is paid by you.",
        )
    )
    timing = [
        REFUND_WORDS[_value(m)].format(when=_when(when)) for m, when in refunds.methods.items()
    ]
    sentence = "; ".join(timing) + "."
    out.append(("refund_timing", "Refund timing", sentence[0].upper() + sentence[1:]))
    out.append(
        (
            "shipping_refund",
            "Shipping cost on returns",
            "The original shipping cost is refunded with the items."
            if refunds.shipping_cost_refunded
            else "The original shipping cost isn't refunded.",
        )
    )
    out.append(
        (
            "cancel",
            "Cancelling an order",
            _change("cancel your order", changes.cancel, "it can't be cancelled"),
        )
    )
    out.append(
        (
            "change_address",
            "Changing the address",
            _change(
                "change your order's delivery address",
                changes.change_address,
                "the address can't change",
            ),
        )
    )
    items = _change(
        "swap items in your order for another size or colour",
        changes.change_items,
        "items can't change",
    )
    if changes.locked_after_item_change:
        items += " Once an order's items have been changed, nothing else about it can be changed."
    out.append(("change_items", "Changing items", items))
    out.append(
        (
            "change_payment",
            "Changing the payment method",
            _change(
                "change your order's payment method",
                changes.change_payment_method,
                "the payment method can't change",
            ),
        )
    )
    delayed = policy.shipping.delayed
    out.append(
        (
            "delayed",
            "Delayed parcels",
            f"If your parcel is late, you can {_remedies(list(map(_value, delayed.remedies)))}."
            f" A parcel {delayed.lost_after_days} days past its promised date counts as lost.",
        )
    )
    out.append(
        (
            "lost",
            "Lost parcels",
            "If your parcel is lost, you can "
            f"{_remedies(list(map(_value, policy.shipping.lost.remedies)))}.",
        )
    )
    claims = policy.claims
    reviewed = (
        "Every report is reviewed by our team."
        if claims.human_above_value <= 0
        else "Reports about items worth more than "
        f"{_money(claims.human_above_value, policy.currency)} are reviewed by our team."
    )
    out.append(
        (
            "problems",
            "Damaged, missing or wrong items",
            "If an item arrives damaged, is missing or is wrong, you can "
            f"{_remedies(list(map(_value, claims.remedies)))}. {reviewed}",
        )
    )
    out.append(("support_hours", "Support hours", f"Our team answers {policy.support.hours}."))
    out.append(
        (
            "support_email",
            "Contacting us",
            f"You can e-mail our team at {policy.support.email}.",
        )
    )
    asks = dict(ASKS)
    asks["final_sale"] = ASKS["final_sale"] + tuple(
        f"Can I return {CATEGORY_WORDS.get(c, c.replace('_', ' '))}?"
        for c in returns.final_sale_categories
    )
    return [
        Passage(id=key, rule=rule, text=text, asks=asks.get(key, ())) for key, rule, text in out
    ]
