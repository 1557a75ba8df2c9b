"""RulePolicy's rule lookup, stopped where no rule left reaches back any further.

RulePolicy finds the rules that apply by walking the conversation's states backwards, every
one of them, and at each state it parses every rule still in the running from JSON again
(``_get_possible_keys``, ``_is_rule_applicable``). A rule is applicable at every state further
back than its own length, so once the walk has passed the longest rule left (or none is left),
nothing more can change: the rest of the walk costs time and grows with the conversation
(docs/performance.md, sixth step). :func:`possible_keys` stops there and otherwise asks Rasa's
own ``_is_rule_applicable``, so it returns the same rules.

Only the Rasa server installs it (``guardrails.launch``).
"""

from __future__ import annotations

import functools
import json
from typing import Any

from rasa.core.policies.rule_policy import RulePolicy

_INSTALLED = "aftercare_bounded_rule_walk"


@functools.lru_cache(maxsize=8192)
def rule_length(rule_key: str) -> int:
    """How many states a rule looks back (its key is the JSON of its states)."""
    return len(json.loads(rule_key))


def possible_keys(policy: RulePolicy, lookup: dict[str, Any], states: list[Any]) -> set[str]:
    """Equal to Rasa's ``RulePolicy._get_possible_keys(lookup, states)``."""
    keys = set(lookup.keys())
    for i, state in enumerate(reversed(states)):
        if i >= max(map(rule_length, keys), default=0):
            break  # every rule left is shorter than i: applicable at every state from here
        keys = {key for key in keys if policy._is_rule_applicable(key, i, state)}
    return keys


def install_bounded_rule_walk() -> None:
    """Make RulePolicy stop its rule walk where it can change nothing (idempotent)."""
    if getattr(RulePolicy._get_possible_keys, _INSTALLED, False):
        return

    def bounded(self: RulePolicy, lookup: dict[str, Any], states: list[Any]) -> set[str]:
        return possible_keys(self, lookup, states)

    setattr(bounded, _INSTALLED, True)
    RulePolicy._get_possible_keys = bounded
