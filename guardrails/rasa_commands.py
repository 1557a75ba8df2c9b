"""The designers' ``rasa`` commands run the model as the Rasa server runs it, and load it once.

A conversation designer's ``rasa test``, ``rasa shell``, ``rasa interactive`` or bare ``rasa
run`` loads the trained model through Rasa's processor, which runs the graph through Dask:
Dask orders the same nodes again at every parse and prediction. The Rasa server runs them in
an order worked out once (:mod:`nlu_components.graph_runner`, tested to understand and predict
exactly as Dask does), and so do the NLU gate's scores. The commands now do too, so what a
designer tests is the model as it is served, without the scheduling that was 6.4 % of ``rasa
test`` (docs/performance.md, thirtieth step). Training keeps Dask: it runs its graph once.

``rasa test`` tests the dialogue and then the NLU of one model, and Rasa loads that model
twice, once for each (``rasa.model_testing``). :func:`install_one_load_per_model` makes the
second load the first one's agent: the NLU evaluation only parses messages, without a
tracker, which nothing the dialogue test did can change.

``rasa test`` and ``rasa test nlu`` score every component whose entities carry an
``extractor`` as an entity extractor, against the annotated entities. Three of ours add
signals for the dialogue, not spans anyone annotates (:data:`SIGNAL_EXTRACTORS`), so each got a
report of 0.0 on every annotated entity, some 950 "errors" and a confusion matrix: noise for a
designer reading the results, and about 7 % of ``rasa test``'s CPU.
:func:`install_annotated_extractors_only` leaves their entities out of the evaluation; the
extractors of annotated entities are scored as before.

Rasa's confusion matrices (the intents', each entity extractor's, the stories' actions') write
a count into every cell: for the 78 actions of the test stories, 6,084 numbers, nearly all
"0", which hid the few confusions a designer looks for, and each was measured and drawn (an
81 × 81 matrix took 20 s of CPU, 5 s without them). :func:`install_counts_in_filled_cells`
leaves the empty cells blank; the colours, scale, labels and size are Rasa's.

All are installed (:data:`PATCHES`) by the virtualenv's Rasa defaults when the ``rasa``
command starts (``guardrails/rasa_defaults.py``), never in another process: a test that
compares our runner with Dask's loads Rasa's own.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from types import ModuleType
from typing import Any

from guardrails.event_loop import install_loop_debug_on_request
from nlu_components.patching import installs


def install_served_graph_runner(_: ModuleType) -> None:
    """Every model this ``rasa`` command loads runs on the Rasa server's graph runner."""
    from nlu_components.graph_runner import install_sequential_graph_runner

    install_sequential_graph_runner()


@installs()
def install_one_load_per_model(model_testing: ModuleType) -> None:
    """``rasa test``'s second load of a model is the agent its first load returned.

    Only a load named by the model's path and nothing else (how ``test_core`` and
    ``test_nlu`` load it) is shared; a model file replaced in between is loaded afresh.
    """
    rasa_agent: Any = model_testing.Agent
    loaded: dict[tuple[str, float], Any] = {}

    class Agent(rasa_agent):
        """Rasa's agent, whose path-only loads are shared within this command."""

        @classmethod
        def load(cls, model_path: Any = None, **kwargs: Any) -> Any:
            if kwargs or not isinstance(model_path, str | os.PathLike):
                return rasa_agent.load(model_path, **kwargs)
            try:
                key = (os.path.realpath(model_path), os.path.getmtime(model_path))
            except OSError:  # Rasa's own load says what is wrong with the path
                return rasa_agent.load(model_path)
            if key not in loaded:
                loaded[key] = rasa_agent.load(model_path)
            return loaded[key]

    model_testing.Agent = Agent  # type: ignore[attr-defined]


# The pipeline's components whose entities are signals for the dialogue (a call for a person,
# another language, one of several requests in a message), never annotated in NLU data.
SIGNAL_EXTRACTORS = frozenset(
    {"HandoffSignalExtractor", "OtherLanguageClassifier", "RequestSplitter"}
)


@installs()
def install_annotated_extractors_only(nlu_test: ModuleType) -> None:
    """Rasa's NLU evaluation scores the extractors of annotated entities, not the signals.

    The signals are taken out of each parse's predicted entities before Rasa finds the
    extractors and aligns their predictions; every other prediction is scored as before.
    """
    rasa_eval_data = nlu_test.get_eval_data

    async def get_eval_data(processor: Any, test_data: Any) -> tuple[Any, Any, list[Any]]:
        intents, responses, entities = await rasa_eval_data(processor, test_data)
        return intents, responses, [without_signals(result) for result in entities]

    nlu_test.get_eval_data = get_eval_data  # type: ignore[attr-defined]


def without_signals(result: Any) -> Any:
    """An ``EntityEvaluationResult`` whose predictions hold no signal component's entity."""
    kept = [e for e in result.entity_predictions if e.get("extractor") not in SIGNAL_EXTRACTORS]
    return result._replace(entity_predictions=kept)


@installs()
def install_counts_in_filled_cells(plotting: ModuleType) -> None:
    """Rasa's confusion matrices show a count only in the cells that hold one."""
    rasa_plot = plotting.plot_confusion_matrix

    def plot_confusion_matrix(*args: Any, output_file: str | None = None, **kwargs: Any) -> None:
        """Rasa's drawing, saved as Rasa saves it once the empty cells' zeros are taken out."""
        import matplotlib.pyplot as plt

        rasa_plot(*args, **kwargs)
        figure = plt.gcf()
        blank_empty_cells(figure.axes[0])
        if output_file:
            figure.set_size_inches(20, 20)
            figure.savefig(output_file, bbox_inches="tight")

    plotting.plot_confusion_matrix = plot_confusion_matrix  # type: ignore[attr-defined]


def blank_empty_cells(axes: Any) -> None:
    """Remove the count Rasa wrote into each empty cell of a confusion matrix's axes."""
    for text in list(axes.texts):
        with contextlib.suppress(ValueError):  # not a count: kept
            if float(text.get_text()) == 0:
                text.remove()


# What the ``rasa`` command installs, by the Rasa module each patches once it is imported.
PATCHES: dict[str, Callable[[ModuleType], None]] = {
    "rasa.core.processor": install_served_graph_runner,
    "rasa.model_testing": install_one_load_per_model,
    "rasa.nlu.test": install_annotated_extractors_only,
    "rasa.utils.plotting": install_counts_in_filled_cells,
    "rasa.utils.io": install_loop_debug_on_request,
}
