"""The trained model's graph run node after node, in an order worked out once per target.

Rasa runs its prediction graph through Dask at every message and every prediction: each run
builds the minimal schema for its targets, turns it into a Dask graph, and Dask orders the
tasks anew before calling them one by one in this same process. The nodes are the same every
time, so only the order is worth knowing, and it never changes. That scheduling was about a
seventh of a message's parse (docs/performance.md, twenty-fourth step).

:class:`SequentialGraphRunner` is Rasa's ``DaskGraphRunner`` (it builds the same nodes, with
the same hooks) with ``run`` done without Dask: each node gets its parents' outputs, as
``(node name, value)`` pairs, exactly as Dask handed them over. The order puts every node
after its parents; which of two independent nodes runs first is not fixed, as with Dask.

The Rasa server (``guardrails.launch``), the NLU gate and the designers' ``rasa`` commands
(``guardrails/rasa_commands.py``) install it; training keeps Rasa's runner.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphNode, GraphSchema
from rasa.engine.runner.dask import DaskGraphRunner

from nlu_components.patching import installs

logger = logging.getLogger(__name__)

# A node to run, and the names of the nodes (or inputs) whose outputs it takes, in order.
Step = tuple[str, GraphNode, tuple[str, ...]]


class SequentialGraphRunner(DaskGraphRunner):
    """Rasa's graph runner without Dask's scheduling (see the module's doc)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[tuple[str, ...], list[Step]] = {}

    def run(
        self,
        inputs: dict[str, Any] | None = None,
        targets: list[str] | None = None,
    ) -> dict[str, Any]:
        """Each target's output, by target name, as ``DaskGraphRunner.run`` returns it."""
        run_targets = targets if targets else self._graph_schema.target_names
        plan = self._plan(tuple(run_targets))
        logger.debug("Running graph with inputs: %s, targets: %s", inputs, targets)
        outputs: dict[str, tuple[str, Any]] = {
            name: (name, value) for name, value in (inputs or {}).items()
        }
        try:
            for name, node, parents in plan:
                outputs[name] = node(*(outputs[parent] for parent in parents))
        except RuntimeError as error:  # as DaskGraphRunner wraps it
            raise GraphRunError("Error running runner.") from error
        return dict(outputs[target] for target in run_targets)

    def _plan(self, targets: tuple[str, ...]) -> list[Step]:
        """The nodes the targets need, each after its parents (worked out once per targets)."""
        if targets not in self._plans:
            schema = self._graph_schema.minimal_graph_schema(list(targets))
            self._plans[targets] = _ordered(schema, self._instantiated_nodes)
        return self._plans[targets]


def _ordered(schema: GraphSchema, nodes: dict[str, GraphNode]) -> list[Step]:
    """Every node of ``schema`` after the nodes it needs (depth first, parents first)."""
    steps: list[Step] = []
    placed: set[str] = set()

    def place(name: str) -> None:
        if name in placed:
            return
        placed.add(name)
        needs = tuple(schema.nodes[name].needs.values())
        for parent in needs:
            if parent in schema.nodes:  # else an input of the run, such as the message
                place(parent)
        steps.append((name, nodes[name], needs))

    for name in schema.nodes:
        place(name)
    return steps


@installs("rasa.core.processor")
def install_sequential_graph_runner() -> None:
    """Make every model this process loads from now on run on :class:`SequentialGraphRunner`.

    Rasa's processor names the runner class when it loads a model; that name is replaced.
    """
    import rasa.core.processor as processor

    processor.DaskGraphRunner = SequentialGraphRunner
