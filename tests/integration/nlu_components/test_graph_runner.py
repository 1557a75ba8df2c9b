"""The trained model run node after node understands and predicts exactly what it does on Dask.

The model is loaded twice: as Rasa loads it (``DaskGraphRunner``), and after
``install_sequential_graph_runner``, as the Rasa server and the NLU gate load it. Both parse
held-out shopper messages and predict at story steps, on the stories' paths and off them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
import rasa.core.processor as processor
from rasa.core.agent import Agent
from rasa.engine.constants import PLACEHOLDER_MESSAGE
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.nlu.training_data.loading import load_data

from nlu_components.graph_runner import SequentialGraphRunner, install_sequential_graph_runner
from tests.conftest import ROOT
from tests.integration.nlu_components.story_steps import MODEL, steps

# Every sixth message of a held-out set, every tenth story step: the same nodes run for all of
# them, in the same order, and each is asked of both runners.
HELD_OUT = ROOT / "tests" / "nlu" / "held_out.yml"


@pytest.fixture(scope="module")
def agents(rasa_agent: Agent) -> Iterator[tuple[Agent, Agent]]:
    """The model loaded as Rasa loads it, and loaded after the runner was installed."""
    with pytest.MonkeyPatch.context() as patch:
        # undone after the module: other tests in this worker load the model Rasa's way
        patch.setattr(processor, "DaskGraphRunner", DaskGraphRunner)
        patch.setattr(processor, install_sequential_graph_runner.mark, False, raising=False)
        install_sequential_graph_runner()
        ours = Agent.load(str(MODEL))
    yield rasa_agent, ours


def rounded(value: Any) -> Any:
    """``value`` with every float to 9 decimals: lingua's confidence moves in its last digit
    from one parse of a message to the next, whichever runner asks."""
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, dict):
        return {key: rounded(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [rounded(item) for item in value]
    return value


def test_a_model_loaded_after_install_runs_without_dask(agents: tuple[Agent, Agent]) -> None:
    rasas, ours = agents
    assert type(rasas.processor.graph_runner) is DaskGraphRunner  # type: ignore[union-attr]
    assert type(ours.processor.graph_runner) is SequentialGraphRunner  # type: ignore[union-attr]


def test_every_message_is_understood_the_same_on_both_runners(
    agents: tuple[Agent, Agent],
) -> None:
    texts = [str(m.get("text")) for m in load_data(str(HELD_OUT)).intent_examples[::6]]

    async def parse(agent: Agent) -> list[dict[str, Any]]:
        return [await agent.parse_message(text) for text in texts]

    theirs, ours = (asyncio.run(parse(agent)) for agent in agents)
    assert len(texts) > 100
    for text, expected, got in zip(texts, theirs, ours, strict=True):
        assert rounded(got) == rounded(expected), text
    assert {p["intent"]["name"] for p in ours} >= {"order_status", "start_return", "nlu_fallback"}


def test_at_every_story_step_both_runners_predict_the_same(agents: tuple[Agent, Agent]) -> None:
    rasas, ours = agents
    domain = rasas.domain
    assert domain is not None
    cases = steps(domain)[::10]
    for tracker, _ in cases:
        expected = rasas.processor._predict_next_with_tracker(tracker)  # type: ignore[union-attr]
        got = ours.processor._predict_next_with_tracker(tracker)  # type: ignore[union-attr]
        assert got.policy_name == expected.policy_name, tracker.events
        assert got.probabilities == pytest.approx(expected.probabilities, abs=1e-9)
        assert got.events == expected.events
        assert got.optional_events == expected.optional_events
        assert got.is_end_to_end_prediction == expected.is_end_to_end_prediction
    assert len(cases) > 50


def test_a_failing_node_fails_the_run_as_on_dask(agents: tuple[Agent, Agent]) -> None:
    """A message that is not a message breaks the first node alike: the same exception."""
    failures = []
    for agent in agents:
        runner = agent.processor.graph_runner  # type: ignore[union-attr]
        target = agent.processor.model_metadata.nlu_target  # type: ignore[union-attr]
        with pytest.raises(Exception) as failed:
            runner.run(inputs={PLACEHOLDER_MESSAGE: ["not a message"]}, targets=[target])
        failures.append((type(failed.value), str(failed.value)))
    assert failures[0] == failures[1]
