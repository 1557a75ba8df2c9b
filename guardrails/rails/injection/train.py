"""``python -m guardrails.rails.injection.train``: fits the injection and topic rails.

Writes ``models/rails/injection.npz`` and ``models/rails/topic.npz`` (coefficients and
intercept of a logistic regression on MiniLM embeddings; for injection the same regression
also reads TF-IDF blocks of character n-grams and of words and word pairs, stored as
vocabulary, IDF and coefficients; never committed, ``make train`` builds them). Everything
it reads is in the project (:mod:`.datasets`); embeddings are cached under
``~/.cache/aftercare/rails`` keyed by the texts, so a retrain after a small change takes
seconds. Deterministic: fixed seeds, lbfgs.

It also prints a five-fold cross-validation of each model on its training data, with the
threshold chosen there (topic: the lowest that meets the refusal budget; injection: among the
thresholds that meet it, the one with the best accuracy on deepset's TRAIN rows, patterns
included); ``rails.yml``'s thresholds come from that run
and nothing else (the held-out sets of ``benchmarks/guardrails_input.py`` are never used).
"""

from __future__ import annotations

import argparse
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
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
    deepset_attacks,
    deepset_benign,
    nlu_examples,
)
from guardrails.rails.injection.heuristics import match
from guardrails.rails.linear import VECTORIZERS
from recommender.embeddings import DIMENSIONS, MiniLmEmbedder, cached_embeddings

ROOT = Path(__file__).resolve().parents[3]
OUT_DIR = ROOT / "models" / "rails"
CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "aftercare" / "rails"
SEED = 42
FOLDS = 5
# Chosen by the same cross-validation (C in 0.5..100, balanced or plain class weights, deepset
# rows weighted up to 10 times): balanced weights and up-weighting deepset changed nothing or
# made it worse. Injection: one regression on the embedding beside the character and word
# n-gram blocks beat averaging separate models (docs/decisions.md, decision 31).
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
    ngrams: bool = False
    """Put character and word n-gram TF-IDF blocks beside the embedding (injection only)."""
    accuracy_mask: np.ndarray | None = None
    """Rows whose accuracy picks the threshold among those within budget; None: the lowest."""


def tasks() -> tuple[Task, Task]:
    """The injection and topic problems, built from the committed data and ``data/nlu``."""
    nlu = nlu_examples()
    clinc = [e.text for e in clinc_sample()]
    bitext = [e.text for e in bitext_sample()]
    shop = [e.text for e in nlu if e.label in SHOP_INTENTS] + list(TRICKY_BENIGN) + bitext
    own = [e.text for e in nlu] + list(TRICKY_BENIGN) + bitext
    bad = attacks()
    benign = deepset_benign() + clinc + own
    deepset = len(deepset_attacks())
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
        ngrams=True,
        accuracy_mask=np.array(
            [True] * deepset
            + [False] * (len(bad) - deepset)
            + [True] * len(deepset_benign())
            + [False] * (len(clinc) + len(own))
        ),
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
    here = Path(__file__)
    sources = [here, *(here.with_name(n) for n in ("datasets.py", "heuristics.py"))]
    sources.append(here.parents[1] / "linear.py")
    for path in [*data_files(), *sources]:
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


@dataclass(frozen=True)
class Fitted:
    """The regression and, for injection, the n-gram vectorizers whose blocks it reads."""

    model: LogisticRegression
    vectorizers: dict[str, TfidfVectorizer] = field(default_factory=dict)

    def features(self, vectors: np.ndarray, texts: list[str]) -> np.ndarray | sparse.csr_matrix:
        """The embedding, then each block in ``VECTORIZERS`` order, side by side."""
        if not self.vectorizers:
            return vectors
        blocks = [v.transform(texts) for v in self.vectorizers.values()]
        return sparse.hstack([sparse.csr_matrix(vectors), *blocks]).tocsr()

    def probability(self, vectors: np.ndarray, texts: list[str]) -> np.ndarray:
        scores: np.ndarray = self.model.predict_proba(self.features(vectors, texts))[:, 1]
        return scores

    def block_coefficients(self) -> dict[str, np.ndarray]:
        """The regression's weights cut into ``coef`` (embedding) and one part per block."""
        coef = self.model.coef_.astype(np.float32).reshape(-1)
        parts = {"coef": coef[:DIMENSIONS]}
        start = DIMENSIONS
        for kind, vectorizer in self.vectorizers.items():
            size = len(vectorizer.vocabulary_)
            parts[f"{kind}_coef"] = coef[start : start + size]
            start += size
        return parts


def fit(vectors: np.ndarray, texts: list[str], labels: np.ndarray, task: Task) -> Fitted:
    """The model of ``task`` on these rows (deterministic: lbfgs, fixed seed)."""
    if not task.ngrams:
        return Fitted(_model(task).fit(vectors, labels))
    vectorizers = {kind: make() for kind, make in VECTORIZERS.items()}
    for vectorizer in vectorizers.values():
        vectorizer.fit(texts)
    fitted = Fitted(_model(task), vectorizers)
    fitted.model.fit(fitted.features(vectors, texts), labels)
    return fitted


@dataclass(frozen=True)
class CrossValidation:
    threshold: float
    recall: float
    guarded_refusals: float
    accuracy: float | None
    """On ``accuracy_mask`` rows, patterns included; None when the task has no mask."""


def choose_threshold(scores: np.ndarray, task: Task, patterns: np.ndarray) -> float:
    """The threshold ``rails.yml`` should use, from out-of-fold scores.

    The lowest that refuses at most ``budget`` of the guarded benign messages; with an
    ``accuracy_mask``, the threshold at or above it with the best accuracy on those rows
    (a message a pattern matches counts as refused whatever its score; ties: the lowest).
    """
    guarded = np.sort(scores[task.budget_mask & (task.labels == 0)])
    allowed_refusals = int(np.floor(task.budget * len(guarded)))
    # the lowest threshold that refuses at most `allowed_refusals` of the guarded messages
    lowest = float(guarded[len(guarded) - allowed_refusals - 1] + 1e-4)
    if task.accuracy_mask is None:
        return round(lowest, 4)
    rows = task.accuracy_mask
    candidates = sorted({lowest, *(float(s) + 1e-4 for s in scores[rows] if s + 1e-4 > lowest)})

    def accuracy(threshold: float) -> float:
        refused = patterns[rows] | (scores[rows] >= threshold)
        return float(np.mean(refused == (task.labels[rows] == 1)))

    best = max(candidates, key=lambda t: (accuracy(t), -t))
    return round(best, 4)


def cross_validate(vectors: np.ndarray, task: Task) -> CrossValidation:
    """Out-of-fold scores, the threshold they call for, and recall and refusals there."""
    scores = np.zeros(len(task.labels))
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    for train, test in folds.split(vectors, task.labels):
        fitted = fit(vectors[train], [task.texts[i] for i in train], task.labels[train], task)
        scores[test] = fitted.probability(vectors[test], [task.texts[i] for i in test])
    patterns = (
        np.array([match(t) is not None for t in task.texts])
        if task.accuracy_mask is not None
        else np.zeros(len(task.texts), dtype=bool)
    )
    threshold = choose_threshold(scores, task, patterns)
    refused = patterns | (scores >= threshold)
    accuracy = None
    if task.accuracy_mask is not None:
        rows = task.accuracy_mask
        accuracy = float(np.mean(refused[rows] == (task.labels[rows] == 1)))
    return CrossValidation(
        threshold=threshold,
        recall=float(np.mean(refused[task.labels == 1])),
        guarded_refusals=float(np.mean(refused[task.budget_mask & (task.labels == 0)])),
        accuracy=accuracy,
    )


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
            cv = cross_validate(vectors, task)
            accuracy = "" if cv.accuracy is None else f", deepset accuracy {cv.accuracy:.3f}"
            print(
                f"{task.name}: {len(task.texts)} texts ({int(task.labels.sum())} to refuse); "
                f"{FOLDS}-fold CV threshold {cv.threshold} (budget {task.budget:.1%}): "
                f"recall {cv.recall:.3f}, guarded refusals {cv.guarded_refusals:.3%}{accuracy}"
            )
        fitted = fit(vectors, task.texts, task.labels, task)
        arrays: dict[str, np.ndarray] = {
            **fitted.block_coefficients(),
            "intercept": fitted.model.intercept_.astype(np.float32),
            "data_key": np.array(key),
        }
        for kind, vectorizer in fitted.vectorizers.items():
            vocabulary = vectorizer.vocabulary_
            arrays[f"{kind}_grams"] = np.array(sorted(vocabulary, key=vocabulary.__getitem__))
            arrays[f"{kind}_idf"] = vectorizer.idf_.astype(np.float32)
        temporary = out_dir / f"{task.name}.tmp.npz"
        np.savez_compressed(temporary, **arrays)
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
