"""NLU quality gate: intent macro-F1 on each held-out set of shopper messages must reach the gate.

The held-out sets (tests/nlu/held_out.yml, tests/nlu/held_out_2.yml) were each written apart
from the training data, by someone who never saw it, and are never trained on. ``make
nlu-gate`` runs this and fails when either set scores below ``GATE``.

With ``--stories``, the test stories are evaluated by the same loaded model too, failing on
any prediction error, as ``rasa test core --fail-on-prediction-errors`` does (``make
stories-test``). ``make gates`` runs both gates this way: one process loads the model once.
Reports go to ``--out`` (``results/nlu/<set>/``, ``results/stories/``), without the plots:
``rasa test`` draws them. ``make test`` holds the model to the same gates, with this
``GATE`` and :func:`macro_f1`, in the designers' tests of the ``rasa test`` commands
(tests/designers/test_rasa_commands.py), which evaluate these sets anyway.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

GATE = 0.95
ROOT = Path(__file__).resolve().parent.parent
HELD_OUT = (ROOT / "tests" / "nlu" / "held_out.yml", ROOT / "tests" / "nlu" / "held_out_2.yml")


def evaluate(agent: Any, data: Path, out: Path) -> dict[str, dict[str, float]]:
    """Rasa's NLU evaluation of ``data`` (``rasa test nlu``); its intent report."""
    from rasa.nlu.test import run_evaluation

    result = asyncio.run(
        run_evaluation(
            str(data),
            agent.processor,
            output_directory=str(out),
            errors=True,
            disable_plotting=True,
            domain_path=str(ROOT / "domain.yml"),
        )
    )
    report: dict[str, dict[str, float]] = result["intent_evaluation"]["report"]
    return report


def stories_pass(agent: Any, stories: Path, out: Path) -> bool:
    """Rasa's story evaluation (``rasa test core``): whether every story was predicted."""
    from rasa.core.test import WrongPredictionException, test

    out.mkdir(parents=True, exist_ok=True)  # Rasa's story evaluation writes into it, unmade
    try:
        asyncio.run(
            test(
                str(stories),
                agent,
                out_directory=str(out),
                fail_on_prediction_errors=True,
                disable_plotting=True,
            )
        )
    except WrongPredictionException as wrong:
        print(f"\n{stories}: FAIL, {wrong}")
        return False
    print(f"\n{stories}: every story predicted: PASS")
    return True


def macro_f1(report: dict[str, dict[str, float]]) -> float:
    """Print the per-intent table; return macro-F1 over the intents shoppers expressed.

    A message the bot answered with "please rephrase" (``nlu_fallback``, support 0) still
    counts as a miss in its intent's recall.
    """
    rows = sorted(
        (name, scores)
        for name, scores in report.items()
        if isinstance(scores, dict)
        and "support" in scores
        and name not in {"macro avg", "weighted avg", "micro avg"}
    )
    print(f"\n{'intent':<24}{'precision':>10}{'recall':>8}{'f1':>8}{'n':>6}")
    for name, s in rows:
        print(
            f"{name:<24}{s['precision']:>10.3f}{s['recall']:>8.3f}{s['f1-score']:>8.3f}"
            f"{int(s['support']):>6}"
        )
    scored = [s for _, s in rows if s["support"] > 0]
    return sum(s["f1-score"] for s in scored) / len(scored)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "aftercare.tar.gz")
    parser.add_argument(
        "--data", type=Path, action="append", help=f"a held-out set (default: {len(HELD_OUT)})"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "nlu")
    parser.add_argument("--gate", type=float, default=GATE)
    parser.add_argument("--stories", type=Path, help="test stories to pass as well")
    parser.add_argument("--stories-out", type=Path, default=ROOT / "results" / "stories")
    args = parser.parse_args()
    import rasa.nlu.test
    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    from guardrails.rasa_commands import install_annotated_extractors_only
    from nlu_components.graph_runner import install_sequential_graph_runner

    # Rasa's log levels as the `rasa` command sets them: unset, structlog printed every debug
    # event (each policy's states at every story step) and rendering them cost CPU.
    configure_logging_and_warnings(None, warn_only_once=True, filter_repeated_logs=True)
    configure_structlog(None)
    install_sequential_graph_runner()  # the Rasa server's runner: the model as it is served
    install_annotated_extractors_only(rasa.nlu.test)  # as `rasa test nlu` scores them
    agent = Agent.load(str(args.model))
    verdicts = []
    for data in args.data or HELD_OUT:
        report = evaluate(agent, data, args.out / data.stem)
        macro = macro_f1(report)
        accuracy = report.get("accuracy", float("nan"))
        passed = macro >= args.gate
        verdicts.append(passed)
        print(
            f"\n{data.name}: intent macro-F1 {macro:.3f} (accuracy {accuracy:.3f}) "
            f"gate {args.gate:.2f}: {'PASS' if passed else 'FAIL'}"
        )
    if args.stories:
        verdicts.append(stories_pass(agent, args.stories, args.stories_out))
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
