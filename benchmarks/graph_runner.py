"""``make bench-runner``: the trained model's graph run on Dask against node after node.

One process loads the model twice, as Rasa loads it (``DaskGraphRunner``) and after
``install_sequential_graph_runner`` (as the Rasa server and the NLU gate load it), then
alternates the two in rounds, so that the machine's speed moves them alike:

- a parse: every third training message, one by one, as the server parses each message;
- a prediction: the next action at every step of the test stories, as the server predicts
  each action of a turn (the whole policy ensemble, TED included).

Both must give the same intents and the same predicted actions (checked). Reported: the median
milliseconds of each, and ours against Rasa's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from benchmarks.nlu_parse import training_texts
from benchmarks.report import write_section
from benchmarks.run import MODEL

RUNNERS = ("dask", "sequential")
STORIES = MODEL.parent.parent / "tests" / "stories"


def story_trackers(domain: Any) -> list[Any]:
    """Each test story cut before each of its actions (where the server predicts one)."""
    from rasa.core.training import load_data
    from rasa.shared.core.events import ActionExecuted
    from rasa.shared.core.trackers import DialogueStateTracker

    trackers = []
    for story in load_data(str(STORIES), domain, augmentation_factor=0):
        events = list(story.events)
        for i, event in enumerate(events):
            if i and isinstance(event, ActionExecuted) and event.action_name:
                trackers.append(
                    DialogueStateTracker.from_events("s", events[:i], slots=domain.slots)
                )
    return trackers


def loaded_agents() -> dict[str, Any]:
    """The model loaded on each runner."""
    from rasa.core.agent import Agent

    from nlu_components.graph_runner import install_sequential_graph_runner

    agents = {"dask": Agent.load(str(MODEL))}
    install_sequential_graph_runner()
    agents["sequential"] = Agent.load(str(MODEL))
    assert type(agents["sequential"].processor.graph_runner).__name__ == "SequentialGraphRunner"
    return agents


def timed(work: Callable[[Any, list[Any]], list[Any]], agent: Any, items: list[Any]) -> Any:
    """Milliseconds of ``work(agent, items)`` per item, and what it returned."""
    started = time.perf_counter()
    result = work(agent, items)
    return (time.perf_counter() - started) * 1000 / len(items), result


def parses(agent: Any, texts: list[str]) -> list[Any]:
    """Each text's top intent and ranking, parsed one by one."""

    async def all_of_them() -> list[Any]:
        parsed = [await agent.parse_message(text) for text in texts]
        return [[r["name"] for r in p.get("intent_ranking") or []] for p in parsed]

    return asyncio.run(all_of_them())


def predictions(agent: Any, trackers: list[Any]) -> list[Any]:
    """The predicted action of each tracker, by index, and the deciding policy."""
    found = []
    for tracker in trackers:
        prediction = agent.processor._predict_next_with_tracker(tracker)
        found.append((prediction.max_confidence_index, prediction.policy_name))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.graph_runner")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print, leave docs/ alone")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(None)
    configure_structlog(None)
    agents = loaded_agents()
    texts = training_texts(3)
    trackers = story_trackers(agents["dask"].domain)
    for agent in agents.values():  # warm up every node
        parses(agent, texts[:50])
        predictions(agent, trackers[:50])
    parse_ms: dict[str, list[float]] = {r: [] for r in RUNNERS}
    predict_ms: dict[str, list[float]] = {r: [] for r in RUNNERS}
    seen: dict[str, tuple[list[Any], list[Any]]] = {}
    for _ in range(args.rounds):
        for runner in RUNNERS:
            took, intents = timed(parses, agents[runner], texts)
            parse_ms[runner].append(took)
            took, actions = timed(predictions, agents[runner], trackers)
            predict_ms[runner].append(took)
            seen[runner] = (intents, actions)
            print(f"{runner}: parse {parse_ms[runner][-1]:.2f} ms, predict {took:.2f} ms")
    assert seen["dask"] == seen["sequential"], "the runners understood or predicted differently"
    lines = report(parse_ms, predict_ms, len(texts), len(trackers))
    print("\n".join(lines))
    if not args.no_write:
        write_section("graph-runner", lines)
    return 0


def report(
    parse_ms: dict[str, list[float]], predict_ms: dict[str, list[float]], texts: int, steps: int
) -> list[str]:
    """Markdown: each runner's median milliseconds, and against Dask."""
    parse = {r: statistics.median(v) for r, v in parse_ms.items()}
    predict = {r: statistics.median(v) for r, v in predict_ms.items()}
    lines = [
        "## The model's graph on Dask against node after node (`make bench-runner`)",
        f"Run of {time.strftime('%Y-%m-%d')} on this machine, one process, the model loaded on",
        f"each runner, {len(parse_ms['dask'])} rounds of each in alternation: {texts} training",
        f"messages parsed one by one, the next action predicted at {steps} test story steps.",
        "Both runners gave every message the same intents and every step the same action.",
        "",
        "| runner | parse, ms a message | against Dask | prediction, ms a step | against Dask |",
        "|---|---|---|---|---|",
    ]
    for runner in RUNNERS:
        lines.append(
            f"| `{runner}` | {parse[runner]:.2f} | {parse[runner] / parse['dask']:.2f}× | "
            f"{predict[runner]:.2f} | {predict[runner] / predict['dask']:.2f}× |"
        )
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
