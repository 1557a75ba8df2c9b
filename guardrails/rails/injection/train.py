"""``python -m guardrails.rails.injection.train``: fits the injection and topic rails.

Writes ``models/rails/injection.npz`` and ``models/rails/topic.npz`` (coefficients and
intercept of a logistic regression on MiniLM embeddings; never committed, ``make train`` builds
them). Everything it reads is in the project (:mod:`.datasets`); embeddings are cached under
``~/.cache/aftercare/rails`` keyed by the texts, so a retrain after a small change takes
seconds. Deterministic: fixed seeds, lbfgs.

It also prints a five-fold cross-validation of each model on its training data, with the
threshold that meets the refusal budget there; ``rails.yml``'s thresholds come from that run
and nothing else (the held-out sets of ``benchmarks/guardrails_input.py`` are never used).
"""

from __future__ import annotations

import argparse
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from guardrails.rails.injection.datasets import (
    OFF_TOPIC_INTENTS,
    SHOP_INTENTS,
    TRICKY_BENIGN,
    attacks,
    bitext_sample,
    clinc_sample,
    data_files,
    deepset_benign,
    nlu_examples,
)
from recommender.embeddings import MiniLmEmbedder, cached_embeddings

ROOT = Path(__file__).resolve().parents[3]
OUT_DIR = ROOT / "models" / "rails"
CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "aftercare" / "rails"
SEED = 42
FOLDS = 5
# Chosen by the same cross-validation (C in 0.5..100, balanced or plain class weights): the
# scores barely move; plain weights with little regularisation refuse the fewest benign texts.
INJECTION_C = 32.0
TOPIC_C = 4.0
# Refusal budgets the cross-validated thresholds are chosen for: at most this share of benign
# messages refused (injection: CLINC150 rows, the shop's own examples and the Bitext rows;
# topic: shop intents and the Bitext rows).
INJECTION_BENIGN_BUDGET = 0.005
TOPIC_IN_SCOPE_BUDGET = 0.01


@dataclass(frozen=True)
class Task:
    """One binary problem: texts, 1 = refuse, and which negatives the budget is about."""

    name: str
    texts: list[str]
    labels: np.ndarray
    budget_mask: np.ndarray
    budget: float
    c: float
    balanced: bool


def tasks() -> tuple[Task, Task]:
    """The injection and topic problems, built from the committed data and ``data/nlu``."""
    nlu = nlu_examples()
    clinc = [e.text for e in clinc_sample()]
    bitext = [e.text for e in bitext_sample()]
    shop = [e.text for e in nlu if e.label in SHOP_INTENTS] + list(TRICKY_BENIGN) + bitext
    own = [e.text for e in nlu] + list(TRICKY_BENIGN) + bitext
    bad = attacks()
    benign = deepset_benign() + clinc + own
    injection = Task(
        name="injection",
        texts=bad + benign,
        labels=np.array([1] * len(bad) + [0] * len(benign)),
        budget_mask=np.array(
            [False] * (len(bad) + len(benign) - len(clinc) - len(own))
            + [True] * (len(clinc) + len(own))
        ),
        budget=INJECTION_BENIGN_BUDGET,
        c=INJECTION_C,
        balanced=False,
    )
    off = [e.text for e in nlu if e.label in OFF_TOPIC_INTENTS] + clinc
    topic = Task(
        name="topic",
        texts=off + shop,
        labels=np.array([1] * len(off) + [0] * len(shop)),
        budget_mask=np.array([False] * len(off) + [True] * len(shop)),
        budget=TOPIC_IN_SCOPE_BUDGET,
        c=TOPIC_C,
        balanced=True,
    )
    return injection, topic


def data_key() -> str:
    """A hash of every training input and of this module: equal keys, equal weights."""
    digest = hashlib.sha256()
    for path in [*data_files(), Path(__file__), Path(__file__).with_name("datasets.py")]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _model(task: Task) -> LogisticRegression:
    return LogisticRegression(
        C=task.c,
        class_weight="balanced" if task.balanced else None,
        max_iter=3000,
        solver="lbfgs",
        random_state=SEED,
    )


def cross_validate(vectors: np.ndarray, task: Task) -> tuple[float, float, float]:
    """Out-of-fold scores: (threshold meeting the budget, recall there, budget-set refusals)."""
    scores = np.zeros(len(task.labels))
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    for train, test in folds.split(vectors, task.labels):
        model = _model(task).fit(vectors[train], task.labels[train])
        scores[test] = model.predict_proba(vectors[test])[:, 1]
    guarded = np.sort(scores[task.budget_mask & (task.labels == 0)])
    allowed_refusals = int(np.floor(task.budget * len(guarded)))
    # the lowest threshold that refuses at most `allowed_refusals` of the guarded messages
    threshold = float(guarded[len(guarded) - allowed_refusals - 1] + 1e-4)
    recall = float(np.mean(scores[task.labels == 1] >= threshold))
    refused = float(np.mean(guarded >= threshold))
    return round(threshold, 4), recall, refused


def train(out_dir: Path = OUT_DIR, cache_dir: Path | None = CACHE_DIR, report: bool = True) -> None:
    """Fit both models and write ``<out_dir>/injection.npz`` and ``<out_dir>/topic.npz``."""
    embedder = MiniLmEmbedder(threads=2)
    key = data_key()
    out_dir.mkdir(parents=True, exist_ok=True)
    both = tasks()
    # by length: a batch is padded to its longest text, so like goes with like
    unique = sorted({text for task in both for text in task.texts}, key=lambda t: (len(t), t))
    row = {text: i for i, text in enumerate(unique)}
    everything = cached_embeddings(unique, cache_dir, embedder)  # each text embedded once
    for task in both:
        vectors = everything[[row[text] for text in task.texts]]
        if report:
            threshold, recall, refused = cross_validate(vectors, task)
            print(
                f"{task.name}: {len(task.texts)} texts ({int(task.labels.sum())} to refuse); "
                f"{FOLDS}-fold CV threshold {threshold} (budget {task.budget:.1%}): "
                f"recall {recall:.3f}, guarded refusals {refused:.3%}"
            )
        model = _model(task).fit(vectors, task.labels)
        temporary = out_dir / f"{task.name}.tmp.npz"
        np.savez(
            temporary,
            coef=model.coef_.astype(np.float32).reshape(-1),
            intercept=model.intercept_.astype(np.float32),
            data_key=np.array(key),
        )
        temporary.replace(out_dir / f"{task.name}.npz")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m guardrails.rails.injection.train")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--no-cv", action="store_true", help="skip the cross-validation")
    args = parser.parse_args()
    train(args.out, CACHE_DIR, report=not args.no_cv)
    print(f"wrote {args.out / 'injection.npz'} and {args.out / 'topic.npz'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
