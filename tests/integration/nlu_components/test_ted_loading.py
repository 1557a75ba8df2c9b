"""TED loaded without a training step predicts exactly what TED loaded as Rasa loads it does.

The trained model is loaded twice: as configured (:class:`QuickLoadTEDPolicy`), and with
Rasa's own loading of the TED model. Both TED policies are asked at every step of every story,
on its path and off it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rasa.core.agent import Agent
from rasa.core.policies.ted_policy import TED, TEDPolicy

from nlu_components.ted_loading import QuickLoadTED, QuickLoadTEDPolicy
from tests.integration.nlu_components.story_steps import MODEL, steps


def ted_of(agent: Agent) -> TEDPolicy:
    """The TED policy of the agent's loaded graph."""
    runner = agent.processor.graph_runner  # type: ignore[union-attr]
    components = [node._component for node in runner._instantiated_nodes.values()]
    (ted,) = (c for c in components if isinstance(c, TEDPolicy))
    return ted


@pytest.fixture(scope="module")
def agents(rasa_agent: Agent) -> Iterator[tuple[Agent, Agent]]:
    """The model loaded as configured, and loaded with Rasa's own loading of TED's model."""
    with pytest.MonkeyPatch.context() as rasas:
        rasas.setattr(QuickLoadTED, "load", TED.load)
        yield rasa_agent, Agent.load(str(MODEL))


def test_the_configured_ted_is_the_quick_loading_one(agents: tuple[Agent, Agent]) -> None:
    quick, rasas = agents
    assert type(ted_of(quick)) is QuickLoadTEDPolicy
    assert type(ted_of(quick).model) is QuickLoadTED
    assert type(ted_of(rasas).model) is TED


def test_the_quick_loaded_ted_predicts_through_its_traced_graph(
    agents: tuple[Agent, Agent],
) -> None:
    model = ted_of(agents[0]).model
    assert not model._run_eagerly  # its first, eager prediction only created the variables
    assert model._tf_predict_step is not None
    # traced as written: AutoGraph's rewrite of TED's prediction changes nothing in its graph
    assert model._tf_predict_step._autograph is False


def test_at_every_story_step_both_loadings_predict_the_same(agents: tuple[Agent, Agent]) -> None:
    quick, rasas = agents
    domain = quick.domain
    assert domain is not None
    cases = steps(domain)
    for tracker, _ in cases:
        ours = ted_of(quick).predict_action_probabilities(tracker, domain)
        theirs = ted_of(rasas).predict_action_probabilities(tracker, domain)
        assert ours.probabilities == pytest.approx(theirs.probabilities, abs=1e-6), tracker.events
        assert ours.max_confidence_index == theirs.max_confidence_index
    assert len(cases) > 500
