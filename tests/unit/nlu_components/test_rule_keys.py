"""RulePolicy's bounded rule walk finds exactly the rules Rasa's full walk finds."""

from __future__ import annotations

import json
from typing import Any

from rasa.core.policies.rule_policy import RulePolicy

from nlu_components.rule_keys import possible_keys, rule_length
from tests.unit.nlu_components.test_history import domain, story_events


def rule_policy() -> RulePolicy:
    """A RulePolicy for its matching methods, which read nothing trained."""
    return RulePolicy.__new__(RulePolicy)


def story_states() -> list[list[Any]]:
    from rasa.shared.core.trackers import DialogueStateTracker

    every = []
    for n, events in enumerate(story_events()):
        tracker = DialogueStateTracker(f"story-{n}", domain().slots)
        for event in events:
            tracker.update(event)
        every.append(DialogueStateTracker.past_states(tracker, domain()))
    return every


def rules_from(conversations: list[list[Any]]) -> dict[str, str]:
    """Rule keys as RulePolicy writes them: the JSON of one to four states of a story."""
    keys = {}
    for states in conversations:
        for end in range(1, len(states) + 1):
            for length in range(1, 5):
                if end - length >= 0:
                    keys[json.dumps(states[end - length : end], sort_keys=True)] = "utter_x"
    return keys


def test_the_rules_found_equal_rasas_at_every_step_of_every_story() -> None:
    conversations = story_states()
    lookup = rules_from(conversations[::2])  # rules from half the stories, asked by all
    policy = rule_policy()
    found = 0
    for states in conversations:
        for end in range(1, len(states) + 1):
            ours = possible_keys(policy, lookup, states[:end])
            assert ours == RulePolicy._get_possible_keys(policy, lookup, states[:end])
            found += len(ours)
    assert found > 0


def test_a_long_conversation_is_walked_only_as_far_back_as_the_longest_rule() -> None:
    states = [{"prev_action": {"action_name": "action_listen"}, "user": {"intent": "greet"}}] * 50
    lookup = {json.dumps(states[:3], sort_keys=True): "utter_greet"}
    policy = rule_policy()
    asked: list[int] = []
    rasa_check = policy._is_rule_applicable

    def counted(key: str, i: int, state: Any) -> bool:
        asked.append(i)
        return rasa_check(key, i, state)

    policy._is_rule_applicable = counted  # type: ignore[method-assign]

    assert possible_keys(policy, lookup, states) == set(lookup)
    assert max(asked) == rule_length(next(iter(lookup))) - 1
