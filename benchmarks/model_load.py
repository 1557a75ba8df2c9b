"""``make bench-start``: how long a process takes to load the trained model, TED's way against ours.

Each load runs in a fresh process, as a server start or a ``rasa`` command does, and the two
variants alternate in rounds so that the machine's speed moves them alike:

- ``rasa``: as Rasa loads it. TED's model is built by fitting it on one example (a traced
  training step), then restored; the intent classifier is read with skops, from a copy of the
  model in which it is stored as Rasa stores it; the CRF is trained again from its stored
  training set;
- ``previous``: as the project loaded it before the thirteenth step of docs/performance.md:
  ``quick`` with TED's prediction traced through TensorFlow's AutoGraph rewrite and the CRF
  trained again, as Rasa does;
- ``quick``: as the project loads it. TED's model is built by tracing a prediction, without
  AutoGraph (``nlu_components.ted_loading``), the classifier is read from plain arrays
  (``nlu_components.classifiers``), and the CRF from its stored taggers
  (``nlu_components.crf_loading``).

Reported: the median seconds of ``Agent.load`` per variant, and ``quick`` against ``rasa``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from benchmarks.report import child_result, write_section
from benchmarks.run import MODEL

VARIANTS = ("rasa", "previous", "quick")


def skops_stored(model: Path, copy: Path) -> Path:
    """A copy of ``model`` whose intent classifier is stored as Rasa stores it, with skops."""
    import numpy as np
    import skops.io
    from sklearn.linear_model import LogisticRegression

    from nlu_components.classifiers import restore

    with tarfile.open(model) as source, tarfile.open(copy, "w:gz") as target:
        for member in source.getmembers():
            content = source.extractfile(member) if member.isfile() else None
            classifier = "RobustLogisticRegressionClassifier" in member.name
            if content is None or not (classifier and member.name.endswith(".npz")):
                target.addfile(member, content)
                continue
            with np.load(io.BytesIO(content.read()), allow_pickle=False) as arrays:
                stored = skops.io.dumps(restore(LogisticRegression(), arrays))
            info = tarfile.TarInfo(member.name.removesuffix(".npz") + ".skops")
            info.size, info.mode, info.mtime = len(stored), member.mode, member.mtime
            target.addfile(info, io.BytesIO(stored))
    return copy


def child(variant: str, model: Path) -> None:
    """Load the model once; the seconds it took as JSON on the last line of stdout."""
    from rasa.core.agent import Agent
    from rasa.core.policies.ted_policy import TED
    from rasa.nlu.extractors.crf_entity_extractor import CRFEntityExtractor

    from nlu_components.crf_loading import QuickLoadCRFEntityExtractor
    from nlu_components.ted_loading import QuickLoadTED

    if variant == "rasa":
        QuickLoadTED.load = TED.load  # type: ignore[method-assign]
    if variant in ("rasa", "previous"):
        QuickLoadTED._rasa_predict = TED._rasa_predict  # type: ignore[method-assign]
        QuickLoadCRFEntityExtractor.load = CRFEntityExtractor.load  # type: ignore[method-assign]
    started = time.perf_counter()
    Agent.load(str(model))
    took = time.perf_counter() - started
    print(json.dumps({"variant": variant, "s": took, "skops": "skops.io" in sys.modules}))


def run_child(variant: str, model: Path) -> float:
    result = child_result("benchmarks.model_load", "--child", variant, "--model", str(model))
    assert result["skops"] == (variant == "rasa"), result  # each read its classifier its way
    return float(result["s"])


def report(times: dict[str, list[float]]) -> list[str]:
    """Markdown: each variant's median load and its ratio to ``rasa``'s."""
    median = {v: statistics.median(t) for v, t in times.items()}
    rounds = len(times["rasa"])
    lines = [
        "## Loading the trained model in a fresh process (`make bench-start`)",
        f"Run of {time.strftime('%Y-%m-%d')} on this machine, {rounds} rounds of each variant in",
        "alternation, `Agent.load` of `models/aftercare.tar.gz` timed in a process of its own",
        "(`benchmarks/model_load.py`).",
        "",
        "| variant | median s | every load, s | against `rasa` |",
        "|---|---|---|---|",
    ]
    for variant, took in times.items():
        every = ", ".join(f"{t:.1f}" for t in took)
        lines.append(
            f"| `{variant}` | {median[variant]:.1f} | {every} | "
            f"{median[variant] / median['rasa']:.2f}× |"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.model_load")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--child", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--model", type=Path, default=MODEL, help=argparse.SUPPRESS)
    parser.add_argument("--no-write", action="store_true", help="print, leave docs/ alone")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.model)
        return 0
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    times: dict[str, list[float]] = {v: [] for v in VARIANTS}
    with tempfile.TemporaryDirectory() as tmp:
        rasas = skops_stored(MODEL, Path(tmp) / "rasa.tar.gz")
        models = {"rasa": rasas, "previous": MODEL, "quick": MODEL}
        for _ in range(args.rounds):
            for variant in VARIANTS:
                times[variant].append(run_child(variant, models[variant]))
                print(f"{variant}: {times[variant][-1]:.1f} s", flush=True)
    lines = report(times)
    print("\n".join(lines))
    if not args.no_write:
        write_section("model-load", lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
