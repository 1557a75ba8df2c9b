"""Merchant policy as validated data.

The policy file (``data/policy/<merchant>.yml``, chosen by ``MERCHANT_POLICY``) is the single
place a rule is written. Actions read rules from the :class:`MerchantPolicy` returned by
:func:`load_policy`; a missing or malformed file is an error at start, never a silent default.
"""

from __future__ import annotations

import os
import re
from enum import Enum
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Extra, Field, validator

from merchants.proactive import ProactiveSettings
from recommender.config import RecommendationPolicy

DEFAULT_POLICY_PATH = Path(__file__).resolve().parent.parent / "data" / "policy" / "demo.yml"


class Remedy(str, Enum):
    """What the merchant offers when a parcel goes wrong."""

    wait = "wait"
    reship = "reship"
    refund = "refund"
    handoff = "handoff"


REMEDY_WORDS = {
    Remedy.wait: "wait for the new delivery date",
    Remedy.reship: "have a replacement sent at no cost",
    Remedy.refund: "get a full refund",
    Remedy.handoff: "talk to one of our team",
}


class _Strict(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False


class Support(_Strict):
    email: str
    hours: str
    # Ask a shopper the assistant served alone to rate it, 1-5, when they say goodbye
    # (actions/rating.py); a person's work is rated by the desk's form either way.
    rating_at_goodbye: bool = True


class Verification(_Strict):
    max_failed_attempts: int = Field(ge=1, le=20)
    # True: the shopper proves who they are (e-mail, or full name and ZIP) before naming any
    # order, and only their own orders are served (τ-bench). False: each order is verified
    # with the e-mail or ZIP on it.
    shopper_first: bool = False


class DelayedShipping(_Strict):
    remedies: list[Remedy] = Field(min_items=1)
    lost_after_days: int = Field(ge=1)


class LostShipping(_Strict):
    remedies: list[Remedy] = Field(min_items=1)


class Shipping(_Strict):
    delayed: DelayedShipping
    lost: LostShipping


class Resolution(str, Enum):
    """How a return is settled."""

    refund = "refund"
    store_credit = "store_credit"
    exchange = "exchange"


class RefundMethod(str, Enum):
    """Where refund money goes."""

    original_payment = "original_payment"
    gift_card = "gift_card"
    store_credit = "store_credit"


ORDER_STATES = frozenset(
    {
        "pending",
        "paid",
        "packed",
        "shipped",
        "in_transit",
        "delayed",
        "out_for_delivery",
        "delivered",
        "lost",
        "cancelled",
        "return_requested",
        "exchange_requested",
        "refunded",
    }
)


class Returns(_Strict):
    window_days: int = Field(ge=0)
    final_sale_categories: list[str]
    resolutions: list[Resolution] = Field(min_items=1)
    free_return_shipping: bool


class Refunds(_Strict):
    # Refund method → how long the money takes to arrive, in the shopper's words.
    methods: dict[RefundMethod, str]
    shipping_cost_refunded: bool

    @validator("methods")
    def _at_least_one(cls, value: dict[RefundMethod, str]) -> dict[RefundMethod, str]:  # noqa: N805
        if not value:
            raise ValueError("at least one refund method is needed")
        return value


class Changes(_Strict):
    """Order states in which each change is allowed."""

    cancel: list[str]
    return_items: list[str]
    change_address: list[str]
    change_items: list[str]
    change_payment_method: list[str]
    # True: once an order's items were changed, nothing about it can change any more.
    locked_after_item_change: bool = False

    @validator(
        "cancel",
        "return_items",
        "change_address",
        "change_items",
        "change_payment_method",
        each_item=True,
    )
    def _known_state(cls, value: str) -> str:  # noqa: N805 - pydantic validator
        if value not in ORDER_STATES:
            raise ValueError(f"unknown order state {value!r}")
        return value


class Claims(_Strict):
    # What the shopper may choose for a damaged, missing, wrong or undelivered item.
    remedies: list[Remedy] = Field(min_items=1)
    human_above_value: float = Field(ge=0)
    max_claims: int = Field(ge=0)
    claims_window_days: int = Field(ge=1)


class MerchantPolicy(_Strict):
    """One merchant's rules."""

    merchant_name: str
    currency: str = Field(regex=r"^[A-Z]{3}$")
    support: Support
    verification: Verification
    shipping: Shipping
    returns: Returns
    refunds: Refunds
    changes: Changes
    claims: Claims
    # Cross-sell rules; the backend applies them, the same model validates them here.
    recommendations: RecommendationPolicy = RecommendationPolicy()
    # Proactive messages (docs/proactive.md): None, the merchant never writes first.
    proactive: ProactiveSettings | None = None
    # What the assistant says, after "I can only chat in English", to a shopper who writes in
    # another language, in that language: ISO 639-1 code ("es") → sentence. A language left
    # out hears the English answer alone.
    other_languages: dict[str, str] = {}

    @validator("other_languages")
    def _language_sentences(cls, value: dict[str, str]) -> dict[str, str]:  # noqa: N805
        for code, sentence in value.items():
            if not re.fullmatch(r"[a-z]{2}", code):
                raise ValueError(f"{code!r} is not a two-letter ISO 639-1 code like 'es'")
            if not sentence.strip():
                raise ValueError(f"the sentence for {code!r} is blank")
        return value

    @validator("merchant_name")
    def _not_blank(cls, value: str) -> str:  # noqa: N805 - pydantic validator
        if not value.strip():
            raise ValueError("merchant_name must not be blank")
        return value


def credit_only_to_existing_gift_card(policy: MerchantPolicy) -> bool:
    """Store credit without a new credit balance: it goes onto a gift card the shopper has.

    Read from the refund methods: a merchant that lists ``store_credit`` opens credit for
    anyone; one that lists only ``gift_card`` (τ-bench: "an existing gift card") can credit
    only a card the shopper already holds.
    """
    methods = policy.refunds.methods
    return RefundMethod.store_credit not in methods and RefundMethod.gift_card in methods


def describe_remedies(remedies: list[Remedy]) -> str:
    """Render remedies as one English phrase: "a, b or c"."""
    words = [REMEDY_WORDS[r] for r in remedies]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def parse_policy(path: Path) -> MerchantPolicy:
    """Read and validate a policy file; raises on any problem."""
    with path.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: a policy file must be a mapping")
    return MerchantPolicy.parse_obj(raw)


@cache
def load_policy(path: str | None = None, tenant: str | None = None) -> MerchantPolicy:
    """The policy of ``tenant`` (``channels/tenants.yml``), else the one ``MERCHANT_POLICY`` names.

    ``tenant`` is the conversation's ``tenant`` slot; None (REST, tests, one-merchant setups)
    keeps the process-wide policy, so existing callers need not change.
    """
    if tenant is not None and path is None:
        from merchants.tenants import load_registry  # the registry is only needed with tenants

        found = load_registry().tenants.get(tenant)
        if found is not None:
            return parse_policy(Path(found.policy_path()))
    return parse_policy(Path(path or os.environ.get("MERCHANT_POLICY") or DEFAULT_POLICY_PATH))


def support_contact(tenant: str | None = None) -> dict[str, str]:
    """Template variables that tell the shopper how to reach ``tenant``'s team."""
    support = load_policy(tenant=tenant).support
    return {"support_email": support.email, "support_hours": support.hours}
