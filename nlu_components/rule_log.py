"""RulePolicy's debug text of the conversation, made only when the debug line will be logged.

At every rule lookup RulePolicy formats every state of the conversation into one text for a
debug line (``rule_policy.actions.find``), and it builds that text even when the server logs
at INFO: 1.3 ms of a late turn at 1,100 events, growing with every turn (docs/performance.md,
fifth profile). Rasa's structlog chain drops the line unless the standard logger of RulePolicy's
module is enabled for DEBUG (its ``filter_by_level`` step), so :func:`install_lazy_rule_text`
makes the text only then. At DEBUG the line is Rasa's, word for word.

Only the Rasa server installs it (``guardrails.launch``).
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.policies import rule_policy
from rasa.core.policies.policy import Policy
from rasa.core.policies.rule_policy import RulePolicy

from nlu_components.patching import installs


def rule_text(states: list[dict[str, Any]]) -> str:
    """Rasa's text of ``states`` when RulePolicy's debug line is logged, else nothing."""
    if logging.getLogger(rule_policy.__name__).isEnabledFor(logging.DEBUG):
        return Policy.format_tracker_states(states)
    return ""


@installs("rasa.core.policies.rule_policy:RulePolicy.format_tracker_states")
def install_lazy_rule_text() -> None:
    """Make RulePolicy format its states only for a debug line that is logged (idempotent)."""
    RulePolicy.format_tracker_states = staticmethod(rule_text)
