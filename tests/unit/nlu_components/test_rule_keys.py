"""RulePolicy's bounded rule walk finds exactly the rules Rasa's full walk finds, and a
prediction no rule made hides its turn exactly when Rasa's would."""

from __future__ import annotations

import json
from typing import Any

from rasa.core.policies.rule_policy import RULES_NOT_IN_STORIES, RulePolicy
from rasa.shared.core.constants import RULE_SNIPPET_ACTION_NAME, SHOULD_NOT_BE_SET

from nlu_components.rule_keys import (
    LONGER_THAN_EVERY_RULE,
    _rasa_feature_key,
    fallback_key,
    possible_keys,
    rule_length,
)
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


def counting(policy: RulePolicy) -> list[tuple[str, int]]:
    """Every rule ``policy`` is asked about from now on, with how far back it was asked."""
    asked: list[tuple[str, int]] = []
    rasa_check = policy._is_rule_applicable

    def counted(key: str, i: int, state: Any) -> bool:
        asked.append((key, i))
        return rasa_check(key, i, state)

    policy._is_rule_applicable = counted
    return asked


def rules_from(conversations: list[list[Any]]) -> dict[str, str]:
    """Rule keys as RulePolicy writes them: the JSON of one to four states of a story."""
    keys = {}
    for states in conversations:
        for end in range(1, len(states) + 1):
            for length in range(1, 5):
                if end - length >= 0:
                    keys[json.dumps(states[end - length : end], sort_keys=True)] = "utter_x"
    return keys


def with_loose_last_states(keys: dict[str, str]) -> dict[str, str]:
    """``keys`` and, for every third rule, the same rule whose last state says its previous
    action or its intent must not be set, or has neither (as a conversation's first state)."""
    loose = dict(keys)
    for n, key in enumerate(list(keys)[::3]):
        states = json.loads(key)
        last = states[-1]
        if n % 3 == 0 and "prev_action" in last:
            last["prev_action"] = {"action_name": SHOULD_NOT_BE_SET}
        elif n % 3 == 1 and "intent" in last.get("user", {}):
            last["user"]["intent"] = SHOULD_NOT_BE_SET
        else:
            last.pop("prev_action", None)
        loose[json.dumps(states, sort_keys=True)] = "utter_y"
    return loose


def test_the_rules_found_equal_rasas_at_every_step_of_every_story() -> None:
    conversations = story_states()
    lookup = with_loose_last_states(rules_from(conversations[::2]))  # asked by all stories
    policy = rule_policy()
    found = 0
    for states in conversations:
        for end in range(1, len(states) + 1):
            ours = possible_keys(policy, lookup, states[:end])
            assert ours == RulePolicy._get_possible_keys(policy, lookup, states[:end])
            found += len(ours)
    assert found > 0


# Last states of rules and conversations, each with or without a previous action's name and
# an intent, "must not be set" for either, or a previous action known by its text only.
ACTIONS: list[dict[str, Any] | None] = [
    None,
    {"action_name": "action_listen"},
    {"action_name": "utter_greet"},
    {"action_name": SHOULD_NOT_BE_SET},
    {"action_text": "Hello!"},
]
USERS: list[dict[str, Any] | None] = [
    None,
    {"intent": "greet"},
    {"intent": "goodbye"},
    {"intent": SHOULD_NOT_BE_SET},
    {"text": "hi there"},
]


def last_state(action: dict[str, Any] | None, user: dict[str, Any] | None) -> dict[str, Any]:
    state: dict[str, Any] = {"slots": {"order_number": (1.0,)}}
    if action is not None:
        state["prev_action"] = action
    if user is not None:
        state["user"] = user
    return state


def test_every_kind_of_last_state_finds_the_rules_rasa_finds() -> None:
    before = last_state({"action_name": "action_listen"}, {"intent": "greet"})
    lookup = {
        json.dumps(rule, sort_keys=True): "utter_x"
        for action in ACTIONS
        for user in USERS
        for rule in ([last_state(action, user)], [before, last_state(action, user)])
    }
    policy = rule_policy()
    found = 0
    for action in ACTIONS[:3] + ACTIONS[4:]:  # a conversation never says "must not be set"
        for user in USERS[:3] + USERS[4:]:
            for states in ([last_state(action, user)], [before, last_state(action, user)]):
                ours = possible_keys(policy, lookup, states)
                assert ours == RulePolicy._get_possible_keys(policy, lookup, states)
                found += len(ours)
    assert found > 0


def test_rules_that_name_another_action_or_intent_last_are_not_asked() -> None:
    listen = {"prev_action": {"action_name": "action_listen"}}
    lookup = {
        json.dumps([{**listen, "user": {"intent": intent}}], sort_keys=True): "utter_x"
        for intent in ("greet", "goodbye", "order_status")
    }
    lookup[json.dumps([{"prev_action": {"action_name": "utter_greet"}}])] = "action_listen"
    policy = rule_policy()
    asked = counting(policy)
    greeted = [{**listen, "user": {"intent": "greet"}}]

    assert possible_keys(policy, lookup, greeted) == {json.dumps(greeted, sort_keys=True)}
    assert asked == [(json.dumps(greeted, sort_keys=True), 0)]


def test_a_rule_added_to_a_lookup_already_asked_is_found_by_the_next_prediction() -> None:
    greeted = [{"prev_action": {"action_name": "action_listen"}, "user": {"intent": "greet"}}]
    lookup = {json.dumps([{"prev_action": {"action_name": "utter_greet"}}]): "action_listen"}
    policy = rule_policy()
    assert possible_keys(policy, lookup, greeted) == set()

    lookup[json.dumps(greeted, sort_keys=True)] = "utter_greet"
    assert possible_keys(policy, lookup, greeted) == {json.dumps(greeted, sort_keys=True)}


def test_a_long_conversation_is_walked_only_as_far_back_as_the_longest_rule() -> None:
    states = [{"prev_action": {"action_name": "action_listen"}, "user": {"intent": "greet"}}] * 50
    lookup = {json.dumps(states[:3], sort_keys=True): "utter_greet"}
    policy = rule_policy()
    asked = counting(policy)

    assert possible_keys(policy, lookup, states) == set(lookup)
    assert max(i for _, i in asked) == rule_length(next(iter(lookup))) - 1


def hiding_policy(hiding: list[str]) -> RulePolicy:
    policy = rule_policy()
    policy.lookup = {RULES_NOT_IN_STORIES: hiding}
    return policy


def test_a_prediction_no_rule_made_hides_its_turn_exactly_when_rasas_source_would() -> None:
    conversations = story_states()
    # rules of one to four states from half the stories, and a rule known by its name
    hiding = [*rules_from(conversations[::2]), "handling active loops and forms - return_form"]
    policy = hiding_policy(hiding)
    hidden = 0
    for states in conversations:
        for end in range(1, len(states) + 1):
            ours, rasas = (
                fallback_key(policy, states[:end]),
                _rasa_feature_key(policy, states[:end]),
            )
            assert (ours in hiding) == (rasas in hiding)
            assert ours == rasas or end > 4  # Rasa's own key wherever it can be a rule
            hidden += rasas in hiding
    assert hidden > 0


def test_a_long_conversation_no_rule_answers_gets_no_json_of_its_history() -> None:
    states = [{"prev_action": {"action_name": "action_listen"}, "user": {"intent": "greet"}}] * 50
    policy = hiding_policy([json.dumps(states[:3], sort_keys=True)])

    assert fallback_key(policy, states) == LONGER_THAN_EVERY_RULE
    assert fallback_key(policy, states[:3]) == _rasa_feature_key(policy, states[:3])


def test_a_rule_snippet_near_the_end_keeps_rasas_key() -> None:
    """Rasa's key starts after the last rule snippet, so it is short again."""
    greet = {"prev_action": {"action_name": "action_listen"}, "user": {"intent": "greet"}}
    snippet = {"prev_action": {"action_name": RULE_SNIPPET_ACTION_NAME}}
    states = [greet] * 20 + [snippet, greet]
    policy = hiding_policy([json.dumps([greet], sort_keys=True)])

    assert fallback_key(policy, states) == _rasa_feature_key(policy, states)
    assert fallback_key(policy, states) in policy.lookup[RULES_NOT_IN_STORIES]


def test_with_no_rule_that_hides_its_turn_the_key_is_rasas() -> None:
    """As while training builds its lookups, before it knows which rules hide their turn."""
    states = story_states()[0]

    assert fallback_key(hiding_policy([]), states) == _rasa_feature_key(rule_policy(), states)
