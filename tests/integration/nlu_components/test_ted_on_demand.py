"""TED on demand inside the trained model: every prediction is Rasa's, and TED runs less.

The model is the one ``make train`` builds, loaded with TED on demand installed, as the Rasa
server loads it (a loaded graph keeps the policy methods it found). Each step of every story
(a tracker before one of its actions), and of each story taken off its path (every user turn
given another intent, where neither rules nor memorised stories know the way), is predicted
by Rasa's own ensemble and by ours; and after the story's action is rejected as well, where
Rasa zeroes it in every prediction.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from rasa.core.agent import Agent
from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.shared.core.events import ActionExecutionRejected
from rasa.shared.core.trackers import DialogueStateTracker

from nlu_components import ted_on_demand
from nlu_components.ted_on_demand import RASA_BEST, RASA_PREDICT, install_ted_on_demand
from tests.integration.nlu_components.story_steps import MODEL, steps


@pytest.fixture(scope="module")
def agent() -> Iterator[Agent]:
    """The model loaded with TED on demand; Rasa's methods are back for the other modules."""
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` first")
    with pytest.MonkeyPatch.context() as installed:
        installed.setattr(TEDPolicy, "predict_action_probabilities", RASA_PREDICT)
        installed.setattr(
            DefaultPolicyPredictionEnsemble, "_best_policy_prediction", staticmethod(RASA_BEST)
        )
        install_ted_on_demand()
        yield Agent.load(str(MODEL))


class TedRuns:
    """Counts TED's model runs (the deferred ones that were computed, and Rasa's own)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args: Any, **kwargs: Any) -> PolicyPrediction:
        self.count += 1
        return RASA_PREDICT(*args, **kwargs)


def predict(agent: Agent, tracker: DialogueStateTracker) -> PolicyPrediction:
    return agent.processor._predict_next_with_tracker(tracker.copy())


def rasas(agent: Agent, tracker: DialogueStateTracker, runs: TedRuns) -> PolicyPrediction:
    """Rasa's own prediction: TED never deferred, Rasa's ensemble."""
    with pytest.MonkeyPatch.context() as rasa:
        rasa.setattr(ted_on_demand, "RASA_PREDICT", runs)
        rasa.setattr(ted_on_demand, "defers", lambda _: False)
        rasa.setattr(
            DefaultPolicyPredictionEnsemble, "_best_policy_prediction", staticmethod(RASA_BEST)
        )
        return predict(agent, tracker)


def ours(agent: Agent, tracker: DialogueStateTracker, runs: TedRuns) -> PolicyPrediction:
    with pytest.MonkeyPatch.context() as on_demand:
        on_demand.setattr(ted_on_demand, "RASA_PREDICT", runs)
        return predict(agent, tracker)


def test_every_prediction_is_rasas_and_ted_runs_only_where_it_can_win(agent: Agent) -> None:
    theirs_runs, our_runs = TedRuns(), TedRuns()
    winners = set()
    cases = steps(agent.domain)
    for tracker, _ in cases:
        theirs = rasas(agent, tracker, theirs_runs)
        assert ours(agent, tracker, our_runs) == theirs, tracker.events
        winners.add(theirs.policy_name)
    assert theirs_runs.count == len(cases)
    assert {"QuickLoadTEDPolicy", "RulePolicy"} <= winners
    assert 0 < our_runs.count < len(cases) / 2, (our_runs.count, len(cases))


def test_after_a_rejected_action_ted_is_asked_and_the_prediction_is_rasas(agent: Agent) -> None:
    runs = TedRuns()
    cases = steps(agent.domain)[::7]
    for tracker, action in cases:
        rejected = tracker.copy()
        rejected.update(ActionExecutionRejected(action))
        assert ours(agent, rejected, runs) == rasas(agent, rejected, TedRuns()), action
    assert runs.count == len(cases)
