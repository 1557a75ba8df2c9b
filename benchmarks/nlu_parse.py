"""``make bench-parse``: a message's trip through the NLU pipeline, the classifier Rasa's way
against ours, and the sentence embedding's packaged model against the int8 one.

One process loads the trained model and parses a sample of the training messages (every
third, as Rasa's ``processor.parse_message`` does for each message a shopper sends, and
``rasa test nlu`` for each test example) in rounds, alternating two ways of running the
intent classifier, so that the machine's speed moves them alike:

- ``rasa``: Rasa's ``LogisticRegressionClassifier._create_X`` builds each row (through
  ``Message.get_sparse_features``), and the weights are row-major, as scikit-learn trains them;
- ``ours``: ``nlu_components.classifiers`` builds the same rows from the sentence features
  alone, and the weights are column-major.

Both must rank the intents of every message identically (checked). Reported: the median
milliseconds per message of the whole parse and of the classifier alone.

Then the same rounds alternate the sentence featurizer's embedding model (our classifier in
both): ``packaged``, the packaged MiniLM file, which multiplies in float32, as the pipeline ran
it before; ``int8``, the model training now keeps (``recommender.embeddings.int8_model``).
Reported: the parse and the featurizer's milliseconds per message, the two embeddings' cosine
for each message, and how many messages keep their top intent when the model trained on int8
features is handed the packaged model's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.report import write_section
from benchmarks.run import MODEL

VARIANTS = ("rasa", "ours")
MODELS = ("packaged", "int8")


def training_texts(every: int) -> list[str]:
    """Every ``every``-th training message's text, entity annotations removed."""
    from rasa.shared.importers.importer import TrainingDataImporter

    importer = TrainingDataImporter.load_from_config("config.yml", "domain.yml", ["data"])
    examples = importer.get_nlu_data().intent_examples
    return [str(e.get("text")) for e in examples[::every]]


class ProcessClock:
    """Times a pipeline component's ``process`` and keeps the loaded component.

    Installed before the model loads: each graph node binds its component's method then.
    """

    def __init__(self, component: Any) -> None:
        self.seconds = 0.0
        self.instance: Any = None
        process = component.process

        def timed(loaded: Any, *args: Any, **kwargs: Any) -> Any:
            self.instance = loaded
            started = time.perf_counter()
            try:
                return process(loaded, *args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started

        component.process = timed

    def use(self, variant: str) -> None:
        """Switch the component to ``variant``."""
        raise NotImplementedError


class ClassifierClock(ProcessClock):
    """Times the intent classifier's ``process`` and switches how it builds its rows."""

    def __init__(self) -> None:
        from nlu_components.classifiers import RobustLogisticRegressionClassifier

        self.cls = RobustLogisticRegressionClassifier
        self.ours = RobustLogisticRegressionClassifier._create_X
        super().__init__(RobustLogisticRegressionClassifier)

    def use(self, variant: str) -> None:
        """Rasa's rows and row-major weights, or ours."""
        from rasa.nlu.classifiers.logistic_regression_classifier import (
            LogisticRegressionClassifier,
        )

        rows: Callable[..., Any] = (
            LogisticRegressionClassifier._create_X if variant == "rasa" else self.ours
        )
        self.cls._create_X = rows  # type: ignore[method-assign]
        if self.instance is not None:
            coef = self.instance.clf.coef_
            layout = np.ascontiguousarray if variant == "rasa" else np.asfortranarray
            self.instance.clf.coef_ = layout(coef)


class EmbeddingClock(ProcessClock):
    """Times the sentence featurizer's ``process`` and switches its embedding model."""

    def __init__(self) -> None:
        from nlu_components.sentences import SentenceEmbeddingFeaturizer

        self.trained: Any = None
        super().__init__(SentenceEmbeddingFeaturizer)

    def use(self, model: str) -> None:
        """The packaged file, or the int8 model the Rasa model was trained with."""
        from recommender.embeddings import shared_embedder

        if self.trained is None:
            self.trained = self.instance._embedder
        self.instance._embedder = shared_embedder() if model == "packaged" else self.trained


async def parse_all(agent: Any, texts: list[str]) -> tuple[float, list[list[str]]]:
    """Seconds to parse every text one by one, and each one's intent ranking."""
    from rasa.core.channels import UserMessage

    started = time.perf_counter()
    parsed = [await agent.processor.parse_message(UserMessage(text)) for text in texts]
    took = time.perf_counter() - started
    return took, [[r["name"] for r in p.get("intent_ranking") or []] for p in parsed]


def per_message(seconds: dict[str, list[float]], n: int) -> dict[str, float]:
    """Each variant's median milliseconds per message over its rounds."""
    return {v: statistics.median(t) * 1000 / n for v, t in seconds.items()}


def report(parse: dict[str, list[float]], classify: dict[str, list[float]], n: int) -> list[str]:
    """Markdown: each variant's median milliseconds per message, and against ``rasa``."""
    median, alone = per_message(parse, n), per_message(classify, n)
    lines = [
        "## A message through the NLU pipeline (`make bench-parse`)",
        f"Run of {time.strftime('%Y-%m-%d')} on this machine: {n} training messages parsed one by",
        f"one with the trained model, {len(parse['rasa'])} rounds of each variant in alternation,",
        "one process (`benchmarks/nlu_parse.py`). Both variants ranked every intent identically.",
        "",
        "| variant | parse, ms a message | classifier alone | classifier against `rasa` |",
        "|---|---|---|---|",
    ]
    for variant in VARIANTS:
        lines.append(
            f"| `{variant}` | {median[variant]:.2f} | {alone[variant]:.2f} | "
            f"{alone[variant] / alone['rasa']:.2f}× |"
        )
    return lines


def embedding_report(
    parse: dict[str, list[float]],
    featurize: dict[str, list[float]],
    n: int,
    cosines: np.ndarray,
    same_top: int,
) -> list[str]:
    """Markdown: each embedding model's milliseconds per message, and how alike they read."""
    median, alone = per_message(parse, n), per_message(featurize, n)
    lines = [
        "",
        "The same messages, alternating the sentence featurizer's embedding model (the same",
        "rounds, our classifier in both):",
        "",
        "| embedding model | parse, ms a message | featurizer alone | against `packaged` |",
        "|---|---|---|---|",
    ]
    for model in MODELS:
        lines.append(
            f"| `{model}` | {median[model]:.2f} | {alone[model]:.2f} | "
            f"{alone[model] / alone['packaged']:.2f}× |"
        )
    lines += [
        "",
        f"Cosine of the two models' embeddings of each message: {cosines.mean():.4f} on average,",
        f"{cosines.min():.4f} at worst. Handed the packaged model's features, the model trained on",
        f"int8 ones kept the top intent of {same_top} of {n} messages.",
    ]
    return lines


def alternate(
    agent: Any, clock: ProcessClock, variants: tuple[str, ...], texts: list[str], rounds: int
) -> tuple[dict[str, list[float]], dict[str, list[float]], dict[str, list[list[str]]]]:
    """Rounds of every variant in turn: the parse's and the component's seconds, the rankings."""
    parse: dict[str, list[float]] = {v: [] for v in variants}
    alone: dict[str, list[float]] = {v: [] for v in variants}
    rankings: dict[str, list[list[str]]] = {}
    for _ in range(rounds):
        for variant in variants:
            clock.use(variant)
            clock.seconds = 0.0
            took, rankings[variant] = asyncio.run(parse_all(agent, texts))
            parse[variant].append(took)
            alone[variant].append(clock.seconds)
            print(f"{variant}: {took * 1000 / len(texts):.2f} ms a message", flush=True)
    return parse, alone, rankings


def compare_classifiers(
    agent: Any, clock: ClassifierClock, texts: list[str], rounds: int
) -> list[str]:
    """Rounds of Rasa's rows against ours; they must rank every intent identically."""
    parse, classify, rankings = alternate(agent, clock, VARIANTS, texts, rounds)
    assert rankings["rasa"] == rankings["ours"], "the variants ranked intents differently"
    return report(parse, classify, len(texts))


def compare_embeddings(
    agent: Any, clock: EmbeddingClock, texts: list[str], rounds: int
) -> list[str]:
    """Rounds of the packaged embedding model against the int8 one."""
    from recommender.embeddings import shared_embedder

    parse, featurize, rankings = alternate(agent, clock, MODELS, texts, rounds)
    packaged = np.concatenate([shared_embedder().embed([t]) for t in texts])
    int8 = np.concatenate([clock.trained.embed([t]) for t in texts])
    same_top = sum(
        a[:1] == b[:1] for a, b in zip(rankings["packaged"], rankings["int8"], strict=True)
    )
    cosines = (packaged * int8).sum(axis=1)
    return embedding_report(parse, featurize, len(texts), cosines, same_top)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.nlu_parse")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--every", type=int, default=3, help="every n-th training message")
    parser.add_argument("--no-write", action="store_true", help="print, leave docs/ alone")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from rasa.core.agent import Agent

    classifier, embedding = ClassifierClock(), EmbeddingClock()
    agent = Agent.load(str(MODEL))
    texts = training_texts(args.every)
    asyncio.run(parse_all(agent, texts[:50]))  # warm up every component
    lines = compare_classifiers(agent, classifier, texts, args.rounds)
    lines += compare_embeddings(agent, embedding, texts, args.rounds)
    print("\n".join(lines))
    if not args.no_write:
        write_section("nlu-parse", lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
