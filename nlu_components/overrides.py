"""The base of this project's policies that overrule the rules at one moment of a conversation.

Each decides from the tracker alone (a signal in the latest message, several requests in it,
the goodbye of a served session), learns nothing from the stories, and predicts its action
with priority 7, above RulePolicy's 6, so that at that moment it wins over the rules and is
silent otherwise. Each subclass registers itself with Rasa's recipe and predicts.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import Policy
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates

# RulePolicy's priority is 6 in Rasa 3.6.
ABOVE_RULES = 7


class RuleOverridePolicy(Policy):
    """A policy that trains nothing and outranks the rules when it predicts."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"priority": ABOVE_RULES}

    def train(
        self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        return self._resource
