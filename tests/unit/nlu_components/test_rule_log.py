"""RulePolicy's debug text is made for a debug line that is logged, and only then."""

from __future__ import annotations

import logging

import pytest
from rasa.core.policies import rule_policy
from rasa.core.policies.policy import Policy
from rasa.core.policies.rule_policy import RulePolicy

from nlu_components.rule_log import install_lazy_rule_text, rule_text

STATES = [
    {},
    {"prev_action": {"action_name": "action_listen"}, "user": {"intent": "order_status"}},
    {
        "prev_action": {"action_name": "order_lookup_form"},
        "active_loop": {"name": "order_lookup_form"},
    },
]


@pytest.fixture
def rule_logger() -> logging.Logger:
    logger = logging.getLogger(rule_policy.__name__)
    level = logger.level
    yield logger
    logger.setLevel(level)


def test_at_debug_the_text_is_rasas_word_for_word(rule_logger: logging.Logger) -> None:
    rule_logger.setLevel(logging.DEBUG)

    text = rule_text(STATES)

    assert text == Policy.format_tracker_states(STATES)
    assert "user intent: order_status" in text


def test_at_info_no_text_is_made(rule_logger: logging.Logger) -> None:
    rule_logger.setLevel(logging.INFO)

    assert rule_text(STATES) == ""


def test_installed_rule_policy_formats_through_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RulePolicy, "format_tracker_states", RulePolicy.format_tracker_states)
    install_lazy_rule_text()
    install_lazy_rule_text()

    assert RulePolicy.format_tracker_states is rule_text
    assert Policy.format_tracker_states is not rule_text
