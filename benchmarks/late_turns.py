"""``make bench-late``: how a turn's cost grows with the conversation, in the Rasa process alone.

One shopper's small-talk conversation of 240 turns (about 1,200 events at the end) goes through
the trained model in this process, with the project's tracker store (``stores/tracker.py``) on
a fresh SQLite file, and each turn is timed. No action server runs: the Rasa process's own work
is what grows with a conversation (docs/performance.md), and the custom actions' failures are
the same in every variant. A "thanks" calls a custom action (``action_offer_suggestion``).

Variants, each in its own process (the speed-ups are installed process-wide), alternating in
rounds so that the machine's speed moves them alike:

- ``rasa``: Rasa's own ``applied_events`` and ``past_states``;
- ``states``: dialogue states built once per event (``nlu_components.history``);
- ``applied``: and applied events worked out once per event (``nlu_components.applied``);
- ``copies``: and each action's copy of the conversation kept up to date
  (``nlu_components.copies``), RulePolicy's debug text made only when it is logged
  (``nlu_components.rule_log``) and its rule walk bounded (``nlu_components.rule_keys``);
- ``ted``: and TED's prediction made only where it could win
  (``nlu_components.ted_on_demand``);
- ``bodies``: and the custom actions' request bodies written by ujson, each event's JSON
  once (``guardrails.action_calls``);
- ``served``: and the model's graph run node after node (``nlu_components.graph_runner``),
  its heap frozen and young collections every 7,000 objects once it is loaded
  (``webkit.heap``): as the Rasa server runs now (``guardrails.launch``).

The custom actions are called at a port nothing listens on: Rasa writes each call's body (the
whole session, a cost that grows with the conversation) before the connection is refused.

Every variant loads through the project's store as it is (``stores/sessions.py``).

Reported: median of turns 11-40 and of the last 30 turns, their ratio, each variant's last
turns against ``rasa``'s, and the median of the last 30 turns that called a custom action
(every third), which the overall median leaves out.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.report import child_result, write_section
from benchmarks.run import MODEL

VARIANTS = ("rasa", "states", "applied", "copies", "ted", "bodies", "served")
SMALL_TALK = ("hi", "thanks", "bye")  # as make bench-load's long conversation


def install(variant: str) -> None:
    """Install what ``variant`` runs with (nothing for Rasa's own methods)."""
    level = VARIANTS.index(variant)
    if level >= VARIANTS.index("states"):
        from nlu_components.history import install_incremental_states

        install_incremental_states()
    if level >= VARIANTS.index("applied"):
        from nlu_components.applied import install_incremental_applied_events

        install_incremental_applied_events()
    if level >= VARIANTS.index("copies"):
        from nlu_components.copies import install_incremental_copies
        from nlu_components.rule_keys import install_bounded_rule_walk
        from nlu_components.rule_log import install_lazy_rule_text

        install_incremental_copies()
        install_lazy_rule_text()
        install_bounded_rule_walk()
    if level >= VARIANTS.index("ted"):
        from nlu_components.ted_on_demand import install_ted_on_demand

        install_ted_on_demand()
    if level >= VARIANTS.index("bodies"):
        from guardrails.action_calls import install_event_fragments, install_ujson_request_bodies

        install_ujson_request_bodies()
        install_event_fragments()
    if level >= VARIANTS.index("served"):
        from rasa.core.agent import Agent

        from nlu_components.graph_runner import install_sequential_graph_runner
        from webkit.heap import freeze_after

        install_sequential_graph_runner()
        Agent.load_model = freeze_after(Agent.load_model)


async def conversation(turns: int, db: Path) -> list[float]:
    """Milliseconds of each turn of one conversation through the model and the store."""
    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig
    from rasa.utils.log_utils import configure_structlog

    from stack.isolated import free_port
    from stores.tracker import ScrubbingTrackerStore

    configure_structlog(logging.WARNING)
    logging.getLogger().setLevel(logging.CRITICAL)  # each refused action call logs its error
    nobody = EndpointConfig(f"http://127.0.0.1:{free_port()}/webhook")
    agent = Agent.load(str(MODEL), action_endpoint=nobody)
    store = ScrubbingTrackerStore(domain=agent.domain, dialect="sqlite", db=str(db))
    agent.tracker_store = store
    assert agent.processor is not None
    agent.processor.tracker_store = store
    took = []
    for turn in range(turns):
        started = time.perf_counter()
        await agent.handle_text(SMALL_TALK[turn % len(SMALL_TALK)], sender_id="long")
        took.append((time.perf_counter() - started) * 1000)
    return took


def child(variant: str, turns: int) -> None:
    """One variant's conversation; its turn times as JSON on the last line of stdout."""
    install(variant)
    with tempfile.TemporaryDirectory() as tmp:
        took = asyncio.run(conversation(turns, Path(tmp) / "tracker.db"))
    print(json.dumps({"variant": variant, "ms": took}))


def run_child(variant: str, turns: int) -> list[float]:
    result = child_result("benchmarks.late_turns", "--child", variant, "--turns", str(turns))
    return [float(ms) for ms in result["ms"]]


def report(times: dict[str, list[list[float]]], turns: int) -> list[str]:
    """Markdown: early and late medians per variant, pooled over the rounds."""
    early = {
        v: statistics.median(t for run in runs for t in run[10:40]) for v, runs in times.items()
    }
    late = {v: statistics.median(t for run in runs for t in run[-30:]) for v, runs in times.items()}
    acting, every = SMALL_TALK.index("thanks"), len(SMALL_TALK)
    late_actions = {
        v: statistics.median(
            t for run in runs for i, t in enumerate(run) if i >= turns - 30 and i % every == acting
        )
        for v, runs in times.items()
    }
    rounds = len(next(iter(times.values())))
    lines = [
        "## How a turn's cost grows with the conversation, in the Rasa process (`make bench-late`)",
        f"Run of {time.strftime('%Y-%m-%d')} on this machine, {rounds} rounds of each variant in",
        f"alternation, one small-talk conversation of {turns} turns each (hi, thanks, bye), the",
        "project's tracker store on SQLite, custom actions called at a port nothing listens on",
        "(`benchmarks/late_turns.py`).",
        "",
        "| variant | turns 11-40, median ms | last 30, median ms | growth | last 30 / `rasa` "
        "| last 30 with a custom action, median ms |",
        "|---|---|---|---|---|---|",
    ]
    for variant in times:
        lines.append(
            f"| `{variant}` | {early[variant]:.1f} | {late[variant]:.1f} | "
            f"{late[variant] / early[variant]:.2f}× | {late[variant] / late['rasa']:.2f}× | "
            f"{late_actions[variant]:.1f} |"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.late_turns")
    parser.add_argument("--turns", type=int, default=240)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--child", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--no-write", action="store_true", help="print, leave docs/ alone")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.turns)
        return 0
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    times: dict[str, list[list[float]]] = {v: [] for v in VARIANTS}
    for _ in range(args.rounds):
        for variant in VARIANTS:
            times[variant].append(run_child(variant, args.turns))
            print(f"{variant}: done", flush=True)
    lines = report(times, args.turns)
    print("\n".join(lines))
    if not args.no_write:
        write_section("late-turns", lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
