"""RulePolicy's rule lookup, stopped where no rule left reaches back any further.

RulePolicy finds the rules that apply by walking the conversation's states backwards, every
one of them, and at each state it parses every rule still in the running from JSON again
(``_get_possible_keys``, ``_is_rule_applicable``). A rule is applicable at every state further
back than its own length, so once the walk has passed the longest rule left (or none is left),
nothing more can change: the rest of the walk costs time and grows with the conversation
(docs/performance.md, sixth step). :func:`possible_keys` stops there and otherwise asks Rasa's
own ``_is_rule_applicable``, so it returns the same rules.

When no rule applies, RulePolicy also writes the JSON of every state of the conversation as
the prediction's "source" (``_create_feature_key``), only to ask whether that source is one of
the rules that hide their turn (``rules_not_in_stories``): a source of more states than the
longest of those rules cannot be one. :func:`fallback_key` writes it only where it can be, and
otherwise gives :data:`LONGER_THAN_EVERY_RULE`, which is none of them, so the prediction is
Rasa's. The source itself is read only by training's rule analysis, which keeps Rasa's method.

Only the Rasa server installs both (``guardrails.launch``): training and ``rasa test`` keep
Rasa's own methods.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from rasa.core.policies.rule_policy import RULES_NOT_IN_STORIES, RulePolicy
from rasa.shared.core.domain import State

_INSTALLED = "aftercare_bounded_rule_walk"
_rasa_feature_key = RulePolicy._create_feature_key
# The source of a prediction no rule made, once the conversation is longer than every rule
# that hides its turn (see fallback_key): not JSON, so no rule's key.
LONGER_THAN_EVERY_RULE = "(no rule: the conversation is longer than every rule)"


@functools.lru_cache(maxsize=8192)
def rule_length(rule_key: str) -> int:
    """How many states a rule looks back: its key is the JSON list of its states. 0 for a rule
    known by its name instead (``rules_not_in_stories`` holds both kinds)."""
    try:
        states = json.loads(rule_key)
    except ValueError:
        return 0
    return len(states) if isinstance(states, list) else 0


def possible_keys(policy: RulePolicy, lookup: dict[str, Any], states: list[Any]) -> set[str]:
    """Equal to Rasa's ``RulePolicy._get_possible_keys(lookup, states)``."""
    keys = set(lookup.keys())
    for i, state in enumerate(reversed(states)):
        if i >= max(map(rule_length, keys), default=0):
            break  # every rule left is shorter than i: applicable at every state from here
        keys = {key for key in keys if policy._is_rule_applicable(key, i, state)}
    return keys


def fallback_key(policy: RulePolicy, states: list[State]) -> str | None:
    """Rasa's ``RulePolicy._create_feature_key(states)`` wherever it can be a rule that hides
    its turn; :data:`LONGER_THAN_EVERY_RULE` where the key would hold more states than all.

    Rasa's key holds the states after the last rule snippet (a training-only marker): with
    none among the last ``longest + 1`` states, it holds more than ``longest``.
    """
    hiding = policy.lookup.get(RULES_NOT_IN_STORIES, [])
    longest = max(map(rule_length, hiding), default=0)
    if (
        not hiding  # none yet: training builds its lookups before it finds these rules
        or len(states) <= longest
        or LONGER_THAN_EVERY_RULE in hiding
        or any(policy._is_rule_snippet_state(state) for state in states[-(longest + 1) :])
    ):
        return _rasa_feature_key(policy, states)
    return LONGER_THAN_EVERY_RULE


def install_bounded_rule_walk() -> None:
    """Make RulePolicy stop its rule walk, and write the source of a prediction no rule made,
    only as far as either can change the prediction (idempotent)."""
    if getattr(RulePolicy._get_possible_keys, _INSTALLED, False):
        return

    def bounded(self: RulePolicy, lookup: dict[str, Any], states: list[Any]) -> set[str]:
        return possible_keys(self, lookup, states)

    def bounded_feature_key(self: RulePolicy, states: list[State]) -> str | None:
        if type(self) is not RulePolicy:  # a subclass may read its own keys differently
            return _rasa_feature_key(self, states)
        return fallback_key(self, states)

    setattr(bounded, _INSTALLED, True)
    RulePolicy._get_possible_keys = bounded
    RulePolicy._create_feature_key = bounded_feature_key
