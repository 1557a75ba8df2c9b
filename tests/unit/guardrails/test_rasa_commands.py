"""The designers' ``rasa`` commands run the model as served and ``rasa test`` loads it once."""

from __future__ import annotations

import asyncio
import os
import types
from pathlib import Path
from typing import Any, ClassVar

import matplotlib
import numpy as np
import pytest
import yaml
from rasa.nlu.test import EntityEvaluationResult
from rasa.utils import plotting

from guardrails.rasa_commands import (
    SIGNAL_EXTRACTORS,
    install_annotated_extractors_only,
    install_counts_in_filled_cells,
    install_one_load_per_model,
)
from tests.conftest import ROOT
from tests.unit.guardrails.test_rasa_defaults import run_venv

# A pytest worker never imports rasa.__main__: its models run on Dask, as
# tests/integration/nlu_components/test_graph_runner.py asserts before comparing the runners.
RUNNER_AND_LOADER = (
    "import rasa.__main__, rasa.core.processor as processor, rasa.model_testing as testing\n"
    "import rasa.utils.plotting as plotting, asyncio, rasa.utils.io as io\n"
    "print(processor.DaskGraphRunner.__name__, testing.Agent.load.__qualname__,"
    " plotting.plot_confusion_matrix.__qualname__,"
    " io.enable_async_loop_debugging(asyncio.new_event_loop()).get_debug())"
)


def test_the_rasa_command_runs_the_servers_runner_loads_once_and_blanks_empty_cells() -> None:
    runner, load, plot, loop_debug = run_venv(RUNNER_AND_LOADER, dict(os.environ)).stdout.split()
    assert runner == "SequentialGraphRunner"
    assert load == "install_one_load_per_model.<locals>.Agent.load"
    assert plot == "install_counts_in_filled_cells.<locals>.plot_confusion_matrix"
    # at --debug, Rasa's debug lines without asyncio's debug mode (guardrails/event_loop.py)
    assert loop_debug == "False"


class CountingAgent:
    """Stands for Rasa's agent class: each load is a new agent, and is counted."""

    loads: ClassVar[list[tuple[Any, dict[str, Any]]]] = []

    @classmethod
    def load(cls, model_path: Any = None, **kwargs: Any) -> object:
        cls.loads.append((model_path, kwargs))
        return object()


def model_testing() -> types.ModuleType:
    module = types.ModuleType("model_testing")
    CountingAgent.loads = []
    module.Agent = CountingAgent  # type: ignore[attr-defined]
    install_one_load_per_model(module)
    return module


def test_the_nlu_test_gets_the_agent_the_dialogue_test_loaded(tmp_path: Path) -> None:
    model = tmp_path / "model.tar.gz"
    model.write_bytes(b"a model")
    testing = model_testing()
    first = testing.Agent.load(model_path=str(model))
    assert testing.Agent.load(model_path=str(model)) is first
    assert CountingAgent.loads == [(str(model), {})]


def test_another_model_or_a_replaced_one_is_loaded_afresh(tmp_path: Path) -> None:
    one, other = tmp_path / "one.tar.gz", tmp_path / "other.tar.gz"
    one.write_bytes(b"a model")
    other.write_bytes(b"another model")
    testing = model_testing()
    first = testing.Agent.load(model_path=str(one))
    assert testing.Agent.load(model_path=str(other)) is not first
    stat = one.stat()
    os.utime(one, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # retrained
    assert testing.Agent.load(model_path=str(one)) is not first
    assert len(CountingAgent.loads) == 3


def test_a_load_with_other_arguments_or_no_file_is_rasas_own(tmp_path: Path) -> None:
    model = tmp_path / "model.tar.gz"
    model.write_bytes(b"a model")
    testing = model_testing()
    testing.Agent.load(model_path=str(model), action_endpoint="http://actions")
    testing.Agent.load(model_path=str(model), action_endpoint="http://actions")
    testing.Agent.load(model_path=str(tmp_path / "missing.tar.gz"))
    testing.Agent.load(model_path=str(tmp_path / "missing.tar.gz"))
    assert len(CountingAgent.loads) == 4


def test_installed_twice_the_loads_are_still_shared(tmp_path: Path) -> None:
    model = tmp_path / "model.tar.gz"
    model.write_bytes(b"a model")
    testing = model_testing()
    install_one_load_per_model(testing)
    testing.Agent.load(model_path=str(model))
    testing.Agent.load(model_path=str(model))
    assert len(CountingAgent.loads) == 1


def nlu_test_module(parsed: list[list[dict[str, str]]]) -> types.ModuleType:
    """Stands for ``rasa.nlu.test``: each test message's predicted entities, as Rasa gets them."""
    module = types.ModuleType("nlu_test")

    async def get_eval_data(processor: object, data: object) -> tuple[list[Any], list[Any], Any]:
        results = [EntityEvaluationResult([], predicted, [], "a message") for predicted in parsed]
        return [], [], results

    module.get_eval_data = get_eval_data  # type: ignore[attr-defined]
    return module


def test_the_nlu_evaluation_scores_the_extractors_of_annotated_entities_only() -> None:
    crf, regex = {"extractor": "QuickLoadCRFEntityExtractor"}, {"extractor": "RegexEntityExtractor"}
    nlu_test = nlu_test_module(
        [
            [crf, {"extractor": "HandoffSignalExtractor"}],
            [regex, {"extractor": "RequestSplitter"}],
            [{"extractor": "OtherLanguageClassifier"}],
        ]
    )
    install_annotated_extractors_only(nlu_test)
    install_annotated_extractors_only(nlu_test)  # the second install changes nothing
    _, _, results = asyncio.run(nlu_test.get_eval_data(None, None))
    assert [r.entity_predictions for r in results] == [[crf], [regex], []]
    assert [r.message for r in results] == ["a message"] * 3


def test_every_signal_left_unscored_is_a_component_of_the_pipeline() -> None:
    """A renamed component would be scored again, silently: its name must stay in config.yml."""
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]
    named = {str(step["name"]).rsplit(".", 1)[-1] for step in pipeline}
    assert named >= SIGNAL_EXTRACTORS


# matplotlib's parsers, built at a process's first text, call pyparsing by its old names
@pytest.mark.filterwarnings("ignore::DeprecationWarning:matplotlib._mathtext")
@pytest.mark.filterwarnings("ignore::DeprecationWarning:matplotlib.fontconfig_pattern")
def test_a_confusion_matrix_shows_counts_only_in_the_cells_that_hold_one(tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    matplotlib.use("agg")
    module = types.ModuleType("plotting")
    module.plot_confusion_matrix = plotting.plot_confusion_matrix  # type: ignore[attr-defined]
    install_counts_in_filled_cells(module)
    install_counts_in_filled_cells(module)  # the second install changes nothing
    confusions = np.array([[12, 0, 2], [0, 7, 0], [1, 0, 30]])
    out = tmp_path / "intent_confusion_matrix.png"
    module.plot_confusion_matrix(
        confusions, classes=["greet", "order_status", "return"], title="Intents", output_file=out
    )
    cells = plt.gcf().axes[0]
    shown = sorted(
        (round(t.get_position()[1]), round(t.get_position()[0]), t.get_text()) for t in cells.texts
    )
    assert shown == [(0, 0, "12"), (0, 2, "2"), (1, 1, "7"), (2, 0, "1"), (2, 2, "30")]
    assert cells.get_title() == "Intents"
    assert out.stat().st_size > 0
    assert tuple(plt.gcf().get_size_inches()) == (20, 20)
