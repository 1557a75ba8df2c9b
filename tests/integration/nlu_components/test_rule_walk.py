"""The trained model's rules: the bounded, indexed rule walk finds exactly the rules Rasa finds.

At each step of every story, on its path and off it, RulePolicy's states are asked for the
rules that apply, from both lookups it asks (its rules, and the rules of a form's unhappy
path), by Rasa's ``_get_possible_keys`` and by :func:`nlu_components.rule_keys.possible_keys`.
"""

from __future__ import annotations

import pytest
from rasa.core.agent import Agent
from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy

from nlu_components.rule_keys import possible_keys
from tests.integration.nlu_components.story_steps import steps


@pytest.fixture(scope="module")
def policy(rasa_agent: Agent) -> RulePolicy:
    assert rasa_agent.processor is not None
    nodes = rasa_agent.processor.graph_runner._instantiated_nodes
    (found,) = (n._component for n in nodes.values() if type(n._component) is RulePolicy)
    return found


@pytest.mark.parametrize("lookup", [RULES, RULES_FOR_LOOP_UNHAPPY_PATH])
def test_at_every_story_step_the_rules_found_are_rasas(
    rasa_agent: Agent, policy: RulePolicy, lookup: str
) -> None:
    rules = policy.lookup[lookup]
    found = 0
    for tracker, _ in steps(rasa_agent.domain):
        states = policy._prediction_states(
            tracker, rasa_agent.domain, rule_only_data=policy._get_rule_only_data()
        )
        ours = possible_keys(policy, rules, states)
        assert ours == RulePolicy._get_possible_keys(policy, rules, states)
        found += len(ours)
    assert found > 0
