"""Handoff signals in the pipeline: an entity extractor, and the policy that acts on it.

``HandoffSignalExtractor`` reads each message with :func:`guardrails.handoff.signals.detect_signal`
(safety words, legal threats, strong anger from VADER's offline lexicon) and adds a
``handoff_signal`` entity with the reason. It never changes the intent, so what the shopper
asked is still understood and the NLU scores stay as they are.

``HandoffSignalPolicy`` predicts ``action_hand_off`` right after a message with that entity,
ranked above the rule policy so it also interrupts a form: a shopper who says the charger
caught fire must not be asked for their ZIP code first.

With generative replies on (``AFTERCARE_GENERATION=on``) the extractor also runs the input
rails (``guardrails/rails/rails.yml``) on each message and marks one the injection rail refused
with a ``guardrail`` entity valued ``injection``; the policy hands off when the session holds
``injection_attempts_before_handoff`` such messages, the latest included. With the switch off
nothing of this runs and no entity is added.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import PolicyPrediction
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from guardrails.generation.settings import generation_settings
from guardrails.handoff.rules import load_rules
from guardrails.handoff.signals import (
    GUARDRAIL_ENTITY,
    INJECTION,
    detect_signal,
    flags_injection,
    injection_handoff_due,
)
from guardrails.rails.config import load_config
from guardrails.rails.pipeline import run_rails
from guardrails.rails.types import Context
from nlu_components.overrides import RuleOverridePolicy

SIGNAL_ENTITY = "handoff_signal"
HANDOFF_ACTION = "action_hand_off"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class HandoffSignalExtractor(GraphComponent, EntityExtractorMixin):
    """Adds ``handoff_signal`` when a message calls for a person (see the module notes)."""

    def __init__(self, guard_input: bool = False) -> None:
        self._guard_input = guard_input

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> HandoffSignalExtractor:
        load_rules()  # broken rules fail when the model loads, not on the first message
        guard_input = generation_settings().enabled
        if guard_input:
            load_config()  # so do broken rails, when they will run
            # and their models load now, not during a shopper's first message (about a second)
            run_rails("input", "warm up", Context())
        return cls(guard_input)

    def _add(self, message: Message, entity: str, value: str) -> None:
        text = message.get(TEXT) or ""
        found = self.add_extractor_name(
            [{"entity": entity, "value": value, "start": 0, "end": len(text), "confidence": 1.0}]
        )
        message.set(ENTITIES, [*(message.get(ENTITIES) or []), *found], add_to_output=True)

    def process(self, messages: list[Message]) -> list[Message]:
        rules = load_rules()
        for message in messages:
            text = message.get(TEXT) or ""
            reason = detect_signal(text, rules)
            if reason is not None:
                self._add(message, SIGNAL_ENTITY, reason.value)
            if self._guard_input and text.strip():
                refused = run_rails("input", text, Context()).refused_by
                # an attack has a score; "model missing" or a broken rail refuses without one
                if refused is not None and refused.rail == "injection" and refused.score:
                    self._add(message, GUARDRAIL_ENTITY, INJECTION)
        return messages


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False
)
class HandoffSignalPolicy(RuleOverridePolicy):
    """Hands off after a ``handoff_signal`` or after repeated injection attempts."""

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        result = self._default_predictions(domain)
        latest = tracker.latest_message.entities or [] if tracker.latest_message else []
        signalled = any(e.get("entity") == SIGNAL_ENTITY for e in latest)
        if not signalled and flags_injection(latest):
            signalled = injection_handoff_due(_session_messages(tracker), load_rules())
        if (
            signalled
            and tracker.latest_action_name == ACTION_LISTEN_NAME
            and not tracker.is_paused()
            and HANDOFF_ACTION in domain.action_names_or_texts
        ):
            result[domain.index_for_action(HANDOFF_ACTION)] = 1.0
            # Marked like the rule policy's form predictions, which otherwise overrule every
            # prediction based on the message; among those the higher priority wins.
            return self._prediction(result, is_no_user_prediction=True)
        return self._prediction(result)


def _session_messages(tracker: DialogueStateTracker) -> list[list[dict[str, Any]]]:
    """The entities of every shopper message of this session, oldest first.

    Every message counts, also one the fallback took back ("please rephrase" reverts it): an
    injection attempt the bot did not understand is an attempt all the same.
    """
    messages: list[list[dict[str, Any]]] = []
    for event in tracker.events:
        if isinstance(event, SessionStarted):
            messages = []
        elif isinstance(event, UserUttered):
            messages.append(list(event.entities or []))
    return messages
