"""A minimal stand-in for the ``fact_lock`` output rail, for tests where the real one is absent.

Same API as ``guardrails.rails.fact_lock``: ``lock(text) -> Locked`` (``.text`` with
placeholders such as ``[ORDER_ID_1]``, ``.values`` the placeholder -> value map),
``unlock(candidate, locked) -> str``, and the rail's ``Settings`` and ``check``: a candidate must
hold exactly the source's placeholders and no fact of its own; the decision's text is the
candidate with the values put back. It knows few kinds of facts (e-mails, links, order numbers,
money, any token with a digit): enough for the scripted model's attacks.
"""

from __future__ import annotations

import re
import sys
import types
from dataclasses import dataclass

from pydantic import BaseModel, Extra

from guardrails.rails.types import Context, Decision

PLACEHOLDER = re.compile(r"\[[A-Z][A-Z0-9_]*_\d+\]")
FACTS = (
    ("EMAIL", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("URL", re.compile(r"https?://\S+")),
    ("ORDER_ID", re.compile(r"\bAC-\d{6}\b")),
    ("AMOUNT", re.compile(r"\$\d[\d,]*(?:\.\d\d)?")),
    ("NUMBER", re.compile(r"\b[\w-]*\d[\w-]*\b")),
)


@dataclass(frozen=True)
class Locked:
    text: str
    values: dict[str, str]


def lock(text: str) -> Locked:
    values: dict[str, str] = {}
    by_value: dict[str, str] = {}
    counts: dict[str, int] = {}

    def placeholder(kind: str, value: str) -> str:
        if value not in by_value:
            counts[kind] = counts.get(kind, 0) + 1
            by_value[value] = f"[{kind}_{counts[kind]}]"
            values[by_value[value]] = value
        return by_value[value]

    for kind, pattern in FACTS:
        parts = PLACEHOLDER.split(text)
        kept = PLACEHOLDER.findall(text)
        parts = [pattern.sub(lambda m, k=kind: placeholder(k, m.group(0)), p) for p in parts]
        text = "".join(p + (kept[i] if i < len(kept) else "") for i, p in enumerate(parts))
    return Locked(text, values)


def unlock(candidate: str, locked: Locked) -> str:
    return PLACEHOLDER.sub(lambda m: locked.values.get(m.group(0), m.group(0)), candidate)


class Settings(BaseModel):
    class Config:
        extra = Extra.forbid


def check(text: str, context: Context, settings: Settings) -> Decision:
    locked = lock(context.source)
    if set(PLACEHOLDER.findall(text)) != set(locked.values):
        return Decision(rail="fact_lock", allowed=False, reason="facts changed")
    if lock(PLACEHOLDER.sub("", text)).values:
        return Decision(rail="fact_lock", allowed=False, reason="new fact")
    return Decision(rail="fact_lock", allowed=True, text=unlock(text, locked))


def install() -> types.ModuleType:
    """This module as ``guardrails.rails.fact_lock`` (only where the real rail is absent)."""
    module = sys.modules[__name__]
    sys.modules["guardrails.rails.fact_lock"] = module
    return module
