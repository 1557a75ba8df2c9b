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
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from rasa.core.policies.rule_policy import RULES_NOT_IN_STORIES, RulePolicy
from rasa.shared.core.constants import PREVIOUS_ACTION, SHOULD_NOT_BE_SET, USER
from rasa.shared.core.domain import State
from rasa.shared.nlu.constants import ACTION_NAME, INTENT

from nlu_components.patching import installs

_rasa_feature_key = RulePolicy._create_feature_key
# The source of a prediction no rule made, once the conversation is longer than every rule
# that hides its turn (see fallback_key): not JSON, so no rule's key.
LONGER_THAN_EVERY_RULE = "(no rule: the conversation is longer than every rule)"


def rule_states(rule_key: str) -> list[Any]:
    """A rule's states, from its key (their JSON list); none for a rule known by its name
    instead (``rules_not_in_stories`` holds both kinds)."""
    try:
        states = json.loads(rule_key)
    except ValueError:
        return []
    return states if isinstance(states, list) else []


@functools.lru_cache(maxsize=8192)
def rule_length(rule_key: str) -> int:
    """How many states a rule looks back; 0 for a rule known by its name."""
    return len(rule_states(rule_key))


# What a rule's last state requires of the conversation's last state, as far as an index can
# tell: the previous action's name and the user's intent (None where it requires neither).
Requirement = tuple[str | None, str | None]
Index = dict[Requirement, frozenset[str]]
# A policy's attribute: its lookups' indexes, by the lookup's id. They go with the policy when
# a new model replaces it.
_INDEXES = "_aftercare_rule_indexes"


@dataclass(frozen=True)
class IndexedRules:
    """One lookup's rules by :data:`Requirement`, and how many states its longest rule holds.

    It keeps the lookup and its size, so that an id reused by another collection, or rules
    added to this one, make a new index. A lookup is a dict of rule keys, or the list of the
    rules that hide their turn (:func:`fallback_key`).
    """

    lookup: Collection[str]
    size: int
    by_requirement: Index
    longest: int


def possible_keys(policy: RulePolicy, lookup: dict[str, Any], states: list[Any]) -> set[str]:
    """Equal to Rasa's ``RulePolicy._get_possible_keys(lookup, states)``.

    Rasa asks every rule whether it applies to the last state. Most cannot: a rule whose last
    state names another previous action or another intent. Only the others are asked, found
    by an index of the rules (:func:`_indexed`), which also knows how far back the longest
    reaches, so the lookup's keys are neither copied nor measured at each call.
    """
    indexed = _indexed(policy, lookup)
    keys: Iterable[str] = lookup.keys()
    longest = indexed.longest
    for i, state in enumerate(reversed(states)):
        if i >= longest:
            break  # every rule left is shorter than i: applicable at every state from here
        if i == 0 and state.get(PREVIOUS_ACTION):
            keys = _candidates(indexed.by_requirement, state)
        keys = {key for key in keys if policy._is_rule_applicable(key, i, state)}
        longest = max(map(rule_length, keys), default=0)
    return set(keys)


def _candidates(index: Index, state: State) -> set[str]:
    """The rules of ``index`` that may apply to ``state`` (which has a previous action).

    Every other rule requires, in its last state, a previous action or an intent that
    ``state`` does not have, which Rasa's ``_does_rule_match_state`` refuses.
    """
    action = _named(state.get(PREVIOUS_ACTION), ACTION_NAME)
    intent = _named(state.get(USER), INTENT)
    found: set[str] = set()
    for requirement in {(action, intent), (action, None), (None, intent), (None, None)}:
        found |= index.get(requirement, frozenset())
    return found


def _indexed(policy: RulePolicy, lookup: Collection[str]) -> IndexedRules:
    """The rules of ``lookup`` by :data:`Requirement`, made once per lookup of ``policy``."""
    indexes: dict[int, IndexedRules] = vars(policy).setdefault(_INDEXES, {})
    kept = indexes.get(id(lookup))
    if kept is not None and kept.lookup is lookup and kept.size == len(lookup):
        return kept
    groups: dict[Requirement, set[str]] = {}
    for key in lookup:
        groups.setdefault(_requirement(key), set()).add(key)
    indexed = IndexedRules(
        lookup,
        len(lookup),
        {requirement: frozenset(keys) for requirement, keys in groups.items()},
        max(map(rule_length, lookup), default=0),
    )
    indexes[id(lookup)] = indexed
    return indexed


def _requirement(rule_key: str) -> Requirement:
    """What the rule's last state requires (see :data:`Requirement`)."""
    states = rule_states(rule_key)
    if not states or not isinstance(states[-1], dict):
        return (None, None)
    last = states[-1]
    return (_named(last.get(PREVIOUS_ACTION), ACTION_NAME), _named(last.get(USER), INTENT))


def _named(sub_state: Any, feature: str) -> str | None:
    """A name a state's sub-state sets for ``feature``, or None (absent, empty, or "must not
    be set", which an index cannot require)."""
    value = sub_state.get(feature) if isinstance(sub_state, dict) else None
    return value if isinstance(value, str) and value and value != SHOULD_NOT_BE_SET else None


def fallback_key(policy: RulePolicy, states: list[State]) -> str | None:
    """Rasa's ``RulePolicy._create_feature_key(states)`` wherever it can be a rule that hides
    its turn; :data:`LONGER_THAN_EVERY_RULE` where the key would hold more states than all.

    Rasa's key holds the states after the last rule snippet (a training-only marker): with
    none among the last ``longest + 1`` states, it holds more than ``longest``.
    """
    hiding = policy.lookup.get(RULES_NOT_IN_STORIES)
    if not hiding:  # none yet: training builds its lookups before it finds these rules
        return _rasa_feature_key(policy, states)
    longest = _indexed(policy, hiding).longest  # made once, as the rule walk's index
    if (
        len(states) <= longest
        or LONGER_THAN_EVERY_RULE in hiding
        or any(policy._is_rule_snippet_state(state) for state in states[-(longest + 1) :])
    ):
        return _rasa_feature_key(policy, states)
    return LONGER_THAN_EVERY_RULE


@installs("rasa.core.policies.rule_policy:RulePolicy._get_possible_keys")
def install_bounded_rule_walk() -> None:
    """Make RulePolicy stop its rule walk, and write the source of a prediction no rule made,
    only as far as either can change the prediction (idempotent)."""

    def bounded(self: RulePolicy, lookup: dict[str, Any], states: list[Any]) -> set[str]:
        return possible_keys(self, lookup, states)

    def bounded_feature_key(self: RulePolicy, states: list[State]) -> str | None:
        if type(self) is not RulePolicy:  # a subclass may read its own keys differently
            return _rasa_feature_key(self, states)
        return fallback_key(self, states)

    RulePolicy._get_possible_keys = bounded
    RulePolicy._create_feature_key = bounded_feature_key
