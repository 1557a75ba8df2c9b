"""A merchant's FAQ file as validated data, and its entries as passages.

The file (``data/faq/<merchant>.yml``; per tenant in ``channels/tenants.yml`` or, for the
process, ``FAQ_FILE``) holds questions a shop is asked about things the policy file does not
cover: delivery times, payment methods, sizing. An answer that needs a policy value names it
as a placeholder (``{window_days}``, ``{support_email}``) so the value is still written only
in the policy file. A missing or malformed file is an error at start, never a silent default.
"""

from __future__ import annotations

import re
import string
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from pydantic import BaseModel, Extra, Field, validator

from guardrails.knowledge.passages import FAQ, Passage

if TYPE_CHECKING:
    from merchants.policy import MerchantPolicy

_ID = re.compile(r"^[a-z][a-z0-9_]{1,62}$")
# Policy values an FAQ answer may quote; rendered from the policy, never copied.
PLACEHOLDERS = frozenset(
    {"merchant_name", "support_email", "support_hours", "window_days", "currency"}
)


class FaqError(ValueError):
    """The FAQ file is missing or does not validate."""


class _Strict(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


class FaqEntry(_Strict):
    """One question and its answer.

    Attributes:
        id: Stable key, cited in logs and benchmarks.
        question: The question as a shopper would ask it.
        also: Other phrasings of the same question; they only help retrieval.
        answer: One to three short sentences, shown verbatim in an extractive answer.
        rule: The name a shopper reads before the answer; the question when absent.
    """

    id: str
    question: str = Field(min_length=5)
    also: list[str] = []
    answer: str = Field(min_length=5, max_length=400)
    rule: str | None = None

    @validator("id")
    def _id(cls, value: str) -> str:  # noqa: N805 - pydantic validator
        if not _ID.match(value):
            raise ValueError("an id is lower-case letters, digits and underscores")
        return value

    @validator("answer")
    def _known_placeholders(cls, value: str) -> str:  # noqa: N805 - pydantic validator
        try:
            unknown = _placeholders(value) - PLACEHOLDERS
        except ValueError as exc:
            raise ValueError(f"unbalanced braces in answer: {exc}") from exc
        if unknown:
            raise ValueError(f"unknown placeholders {sorted(unknown)}; use {sorted(PLACEHOLDERS)}")
        return value

    @validator("rule")
    def _rule_not_blank(cls, value: str | None) -> str | None:  # noqa: N805
        if value is not None and not value.strip():
            raise ValueError("a rule name must not be blank")
        return value


class Faq(_Strict):
    """One merchant's FAQ."""

    entries: list[FaqEntry]

    @validator("entries")
    def _unique_ids(cls, value: list[FaqEntry]) -> list[FaqEntry]:  # noqa: N805
        ids = [e.id for e in value]
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            raise ValueError(f"duplicate ids {duplicated}")
        return value


def parse_faq(path: Path) -> Faq:
    """Read and validate an FAQ file; raises :class:`FaqError` on any problem."""
    try:
        with path.open(encoding="utf-8") as handle:
            raw = yaml.safe_load(handle)
    except (OSError, yaml.YAMLError) as exc:
        raise FaqError(f"{path}: {exc}") from exc
    if not isinstance(raw, dict):
        raise FaqError(f"{path}: an FAQ file must be a mapping with 'entries'")
    try:
        return Faq.parse_obj(raw)
    except ValueError as exc:
        raise FaqError(f"{path}: {exc}") from exc


@cache
def load_faq(path: str) -> Faq:
    """The FAQ at ``path``, read once per process."""
    return parse_faq(Path(path))


def policy_values(policy: MerchantPolicy) -> dict[str, str]:
    """What each placeholder stands for in ``policy``."""
    return {
        "merchant_name": policy.merchant_name,
        "support_email": policy.support.email,
        "support_hours": policy.support.hours,
        "window_days": str(policy.returns.window_days),
        "currency": policy.currency,
    }


def faq_passages(faq: Faq, policy: MerchantPolicy) -> list[Passage]:
    """Each entry as a passage, its placeholders filled from ``policy``."""
    values = policy_values(policy)
    return [
        Passage(
            id=entry.id,
            rule=entry.rule or entry.question,
            text=entry.answer.format(**values),
            origin=FAQ,
            asks=(entry.question, *entry.also),
        )
        for entry in faq.entries
    ]
