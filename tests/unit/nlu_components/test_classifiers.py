"""The intent classifier's stored form: read back, it ranks every intent as it did when trained."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import (
    FEATURE_TYPE_SENTENCE,
    FEATURE_TYPE_SEQUENCE,
    INTENT,
    INTENT_RANKING_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.classifiers import RobustLogisticRegressionClassifier

INTENTS = ("order_status", "start_return", "greet")
CONFIG = {**RobustLogisticRegressionClassifier.get_default_config(), "random_state": 42}


def message(counts: list[int], intent: str | None = None) -> Message:
    """A message whose only features are word counts, as the count featurizer gives them."""
    text = " ".join(f"w{i}" for i, n in enumerate(counts) for _ in range(n))
    found = Message(data={TEXT: text or "?", **({INTENT: intent} if intent else {})})
    sparse = scipy.sparse.coo_matrix(np.array([counts], dtype=float))
    found.add_features(Features(sparse, FEATURE_TYPE_SENTENCE, TEXT, "word_counts"))
    return found


def training_data() -> TrainingData:
    rng = np.random.default_rng(7)
    examples = []
    for k, intent in enumerate(INTENTS):
        for _ in range(12):
            counts = rng.integers(0, 2, size=9)
            counts[3 * k : 3 * k + 3] += 2  # each intent has words of its own
            examples.append(message(counts.tolist(), intent))
    return TrainingData(training_examples=examples)


def questions() -> list[Message]:
    return [message([3, 0, 1, 0, 0, 0, 1, 0, 0]), message([0, 1, 0, 2, 2, 0, 0, 1, 1])]


def rankings(classifier: LogisticRegressionClassifier) -> list[list[tuple[str, float]]]:
    parsed = classifier.process(questions())
    return [[(r["name"], r["confidence"]) for r in m.get(INTENT_RANKING_KEY)] for m in parsed]


def trained(
    storage: LocalModelStorage, resource: Resource, context: ExecutionContext
) -> RobustLogisticRegressionClassifier:
    classifier = RobustLogisticRegressionClassifier.create(CONFIG, storage, resource, context)
    classifier.train(training_data())
    return classifier


@pytest.fixture
def place(tmp_path: Path) -> tuple[LocalModelStorage, Resource, ExecutionContext]:
    context = ExecutionContext(GraphSchema({}), node_name="intent_classifier")
    return LocalModelStorage(tmp_path), Resource("intent_classifier"), context


def test_read_back_it_ranks_every_intent_as_when_trained(
    place: tuple[LocalModelStorage, Resource, ExecutionContext],
) -> None:
    classifier = trained(*place)
    loaded = RobustLogisticRegressionClassifier.load(CONFIG, *place)
    assert rankings(loaded) == rankings(classifier)
    assert [m.get(INTENT)["name"] for m in loaded.process(questions())] == [
        "order_status",
        "start_return",
    ]


def test_it_is_stored_as_arrays_that_load_without_pickle(
    place: tuple[LocalModelStorage, Resource, ExecutionContext],
) -> None:
    classifier = trained(*place)
    storage, resource, _ = place
    with storage.read_from(resource) as folder:
        assert [p.name for p in folder.iterdir()] == ["intent_classifier.npz"]
        with np.load(folder / "intent_classifier.npz", allow_pickle=False) as arrays:
            assert list(arrays["classes"]) == list(classifier.clf.classes_)


def test_a_classifier_stored_the_skops_way_still_loads(
    place: tuple[LocalModelStorage, Resource, ExecutionContext],
) -> None:
    storage, resource, context = place
    classifier = RobustLogisticRegressionClassifier.create(CONFIG, storage, resource, context)
    classifier.clf.fit(*classifier._create_training_matrix(training_data()))
    LogisticRegressionClassifier.persist(classifier)  # Rasa's own format
    loaded = RobustLogisticRegressionClassifier.load(CONFIG, *place)
    assert isinstance(loaded, RobustLogisticRegressionClassifier)
    assert rankings(loaded) == rankings(classifier)


def test_a_classifier_never_trained_loads_untrained(
    place: tuple[LocalModelStorage, Resource, ExecutionContext],
) -> None:
    loaded = RobustLogisticRegressionClassifier.load(CONFIG, *place)
    assert not hasattr(loaded.clf, "coef_")


def featurized(text: str, seed: int) -> Message:
    """A message featurized as the pipeline does: two count featurizers and an embedding, each
    with sequence features (one row per token) and a sentence feature."""
    rng = np.random.default_rng(seed)
    found = Message(data={TEXT: text})
    tokens = len(text.split())
    for origin, width in (("word_counts", 9), ("char_counts", 14)):
        counts = rng.integers(0, 2, size=(tokens + 1, width)).astype(float)
        found.add_features(
            Features(scipy.sparse.coo_matrix(counts[:-1]), FEATURE_TYPE_SEQUENCE, TEXT, origin)
        )
        found.add_features(
            Features(scipy.sparse.coo_matrix(counts[-1:]), FEATURE_TYPE_SENTENCE, TEXT, origin)
        )
    found.add_features(Features(rng.normal(size=(tokens, 5)), FEATURE_TYPE_SEQUENCE, TEXT, "emb"))
    found.add_features(Features(rng.normal(size=(1, 5)), FEATURE_TYPE_SENTENCE, TEXT, "emb"))
    return found


def test_the_rows_it_classifies_are_exactly_rasas(
    place: tuple[LocalModelStorage, Resource, ExecutionContext],
) -> None:
    classifier = RobustLogisticRegressionClassifier.create(CONFIG, *place)
    with_zeros = featurized("a dense feature with zeros", 3)
    with_zeros.features[-1].features[0, 1:4] = 0.0
    messages = [featurized("where is my parcel", 1), featurized("hi", 2), with_zeros]
    counted = Message(data={TEXT: "w1 w1 w2"})  # integer counts only, as the featurizer's
    counts = scipy.sparse.coo_matrix(np.array([[0, 2, 1]], dtype=np.int64))
    counted.add_features(Features(counts, FEATURE_TYPE_SENTENCE, TEXT, "word_counts"))
    for batch in (messages, [counted], [Message({TEXT: "?"})]):
        ours = classifier._create_X(batch)
        rasas = LogisticRegressionClassifier._create_X(classifier, batch)
        assert ours.shape == rasas.shape
        assert ours.dtype == rasas.dtype
        assert (ours != rasas).nnz == 0
        assert ours.nnz == rasas.tocsr().nnz  # no stored zero Rasa leaves out


def test_messages_of_different_widths_are_refused_as_by_rasa(
    place: tuple[LocalModelStorage, Resource, ExecutionContext],
) -> None:
    classifier = RobustLogisticRegressionClassifier.create(CONFIG, *place)
    batch = [featurized("where is my parcel", 1), message([1, 0, 2])]
    with pytest.raises(ValueError):
        LogisticRegressionClassifier._create_X(classifier, batch)
    with pytest.raises(ValueError):
        classifier._create_X(batch)
