"""TED predicts only when its prediction could still win.

Rasa's prediction graph runs every policy before each action, then the ensemble keeps one
prediction. TED's is the costliest: featurising the conversation, then a TensorFlow call whose
input handling alone outweighs the model, 18 % of the Rasa server's busy time under
order-status load (docs/performance.md, "Seventh step"). Yet it is thrown away whenever a
rule, a memorised story or a form's loop has already decided, which is most steps of a form or
a rule.

:func:`install_ted_on_demand` makes TED hand the ensemble a :class:`DeferredPrediction`, and
the ensemble drop it unseen when it cannot win (:func:`cannot_win`); otherwise it is computed
as before and Rasa's ensemble picks among the same predictions. The winner is the same
prediction either way.

TED defers only where everything but its confidences is known beforehand (:func:`defers`):
a model trained on intents, not user text (so never an end-to-end prediction, no entities, no
events), with softmax confidences (never above 1). After a rejected action Rasa zeroes that
action in every prediction, so TED is computed then too.

Only the Rasa server installs it (``guardrails.launch``), before it loads the model: a loaded
graph keeps the policy methods it found.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActionExecutionRejected
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import TEXT
from rasa.utils.tensorflow.constants import MODEL_CONFIDENCE, SOFTMAX

from nlu_components.patching import installs

RASA_PREDICT = TEDPolicy.predict_action_probabilities
RASA_BEST = DefaultPolicyPredictionEnsemble._best_policy_prediction


class DeferredPrediction(PolicyPrediction):
    """TED's prediction, computed the first time its probabilities are read.

    What :func:`defers` guarantees is set at once: no events, no optional events, not end to
    end, not a no-user prediction, no hidden rule turn, no action metadata.
    """

    def __init__(self, compute: Callable[[], PolicyPrediction], name: str, priority: int):
        self._compute: Callable[[], PolicyPrediction] | None = compute
        self._made: PolicyPrediction | None = None
        super().__init__([], name, priority)

    def _prediction(self) -> PolicyPrediction:
        if self._made is None:
            assert self._compute is not None
            self._made = self._compute()
            self._compute = None  # the tracker and domain it holds go with it
        return self._made

    @property
    def probabilities(self) -> list[float]:
        return self._prediction().probabilities

    @probabilities.setter
    def probabilities(self, value: list[float]) -> None:
        if self._made is not None:  # Rasa zeroes a rejected action in place; never replaced
            self._made.probabilities = value

    @property
    def diagnostic_data(self) -> dict[str, Any]:
        return self._prediction().diagnostic_data

    @diagnostic_data.setter
    def diagnostic_data(self, value: dict[str, Any]) -> None:
        pass  # set by PolicyPrediction.__init__ only; the computed prediction has its own

    @property
    def made(self) -> bool:
        """Whether TED ran for this prediction."""
        return self._made is not None


def defers(policy: TEDPolicy) -> bool:
    """Whether this trained TED's prediction is known but for its confidences (module notes)."""
    return (
        policy.model is not None
        and not policy.only_e2e
        and TEXT not in policy.fake_features
        and policy.config[MODEL_CONFIDENCE] == SOFTMAX
    )


def predict_on_demand(
    self: TEDPolicy,
    tracker: DialogueStateTracker,
    domain: Domain,
    rule_only_data: dict[str, Any] | None = None,
    precomputations: Any = None,
    **kwargs: Any,
) -> PolicyPrediction:
    """Rasa's TED prediction, deferred when :func:`defers` holds."""
    if not defers(self):
        return RASA_PREDICT(self, tracker, domain, rule_only_data, precomputations, **kwargs)

    def compute() -> PolicyPrediction:
        return RASA_PREDICT(self, tracker, domain, rule_only_data, precomputations, **kwargs)

    return DeferredPrediction(compute, self.__class__.__name__, self.priority)


def cannot_win(deferred: list[DeferredPrediction], decided: list[PolicyPrediction]) -> bool:
    """Whether Rasa's ensemble would pick a decided prediction, whatever the deferred say.

    The ensemble keeps only no-user predictions when there is one, else only end-to-end ones
    when there is one (a deferred prediction is neither), and among the rest the highest
    (confidence, priority). A deferred confidence is at most 1.
    """
    if any(p.is_no_user_prediction or p.is_end_to_end_prediction for p in decided):
        return True
    top = max(p.policy_priority for p in deferred)
    return any(
        p.max_confidence > 1.0 or (p.max_confidence >= 1.0 and p.policy_priority > top)
        for p in decided
    )


def _rejected(tracker: DialogueStateTracker) -> bool:
    """Whether the last action was rejected: Rasa then zeroes it in every prediction."""
    for event in reversed(tracker.events):
        if isinstance(event, ActionExecutionRejected | ActionExecuted):
            return isinstance(event, ActionExecutionRejected)
    return False


def best_on_demand(
    predictions: list[PolicyPrediction], tracker: DialogueStateTracker, domain: Domain
) -> PolicyPrediction:
    """Rasa's choice, without the deferred predictions that cannot win."""
    deferred = [p for p in predictions if isinstance(p, DeferredPrediction) and not p.made]
    if deferred and not _rejected(tracker):
        decided = [p for p in predictions if not isinstance(p, DeferredPrediction) or p.made]
        if decided and cannot_win(deferred, decided):
            predictions = decided
    return RASA_BEST(predictions, tracker, domain)


@installs("rasa.core.policies.ted_policy:TEDPolicy.predict_action_probabilities")
def install_ted_on_demand() -> None:
    """Make TED predict only when its prediction could win (idempotent)."""
    TEDPolicy.predict_action_probabilities = predict_on_demand
    DefaultPolicyPredictionEnsemble._best_policy_prediction = staticmethod(best_on_demand)
