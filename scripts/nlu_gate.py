"""NLU quality gate: intent macro-F1 on each held-out set of shopper messages must reach the gate.

The held-out sets (tests/nlu/held_out.yml, tests/nlu/held_out_2.yml) were each written apart
from the training data, by someone who never saw it, and are never trained on. ``make test``
runs this and fails the build when either set scores below ``GATE``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

GATE = 0.95
ROOT = Path(__file__).resolve().parent.parent
HELD_OUT = (ROOT / "tests" / "nlu" / "held_out.yml", ROOT / "tests" / "nlu" / "held_out_2.yml")


def evaluate(model: Path, data: Path, out: Path) -> dict[str, dict[str, float]]:
    """Run ``rasa test nlu`` and return its intent report."""
    rasa = Path(sys.executable).parent / "rasa"
    subprocess.run(
        [str(rasa), "test", "nlu", "--model", str(model), "--nlu", str(data), "--out", str(out)],
        check=True,
        cwd=ROOT,
    )
    report: dict[str, dict[str, float]] = json.loads((out / "intent_report.json").read_text())
    return report


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
    args = parser.parse_args()
    verdicts = []
    for data in args.data or HELD_OUT:
        report = evaluate(args.model, data, args.out / data.stem)
        macro = macro_f1(report)
        accuracy = report.get("accuracy", float("nan"))
        passed = macro >= args.gate
        verdicts.append(passed)
        print(
            f"\n{data.name}: intent macro-F1 {macro:.3f} (accuracy {accuracy:.3f}) "
            f"gate {args.gate:.2f}: {'PASS' if passed else 'FAIL'}"
        )
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
