"""Intent classifier that admits when a message has nothing it knows.

Two failure modes of Rasa 3.6's ``LogisticRegressionClassifier`` matter to shoppers:

- a message that yields no features at all (empty, only spaces) makes it raise, and Rasa then
  answers nothing;
- a message made only of words it never saw ("flibber wocky") still gets the likeliest class
  with high confidence, because the class priors decide.

Here both get no intent with zero confidence, and the ``FallbackClassifier`` after this
component turns that into ``nlu_fallback``: the bot asks to rephrase, then offers a person.
A message with an entity found by pattern (an order number, an e-mail, a ZIP) is never treated
as unknown: those are exactly the out-of-vocabulary words shoppers type on purpose.

The trained classifier is kept as plain arrays (``.npz``, read without pickle): its weights,
intercepts and intent names, all a linear model needs to predict. Rasa's own format, skops,
costs 5-7 s to import in a process that has loaded TensorFlow (it walks every loaded module
for each of some 750 type names), paid at every model load (docs/performance.md, "Ninth
step"). A model trained before keeps loading the skops way.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import (
    ENTITIES,
    FEATURE_TYPE_SENTENCE,
    INTENT,
    INTENT_RANKING_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from scipy import sparse
from sklearn.linear_model import LogisticRegression

logger = logging.getLogger(__name__)

VOCABULARY_FEATURIZER = "vocabulary_featurizer"
# scikit-learn's C: larger trusts the training data more, smaller regularises harder
INVERSE_REGULARISATION = "C"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class RobustLogisticRegressionClassifier(LogisticRegressionClassifier):
    """``LogisticRegressionClassifier`` that says "no intent" instead of raising or guessing."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Adds the alias of the word-level featurizer whose vocabulary defines "known"."""
        return {
            **LogisticRegressionClassifier.get_default_config(),
            VOCABULARY_FEATURIZER: "word_counts",
            INVERSE_REGULARISATION: 1.0,
        }

    def __init__(
        self,
        config: dict[str, Any],
        name: str,
        model_storage: ModelStorage,
        resource: Resource,
    ) -> None:
        """Rasa's classifier with scikit-learn's ``C`` exposed (Rasa leaves it at 1.0)."""
        super().__init__(config, name, model_storage, resource)
        self.clf.set_params(C=float(self.config[INVERSE_REGULARISATION]))

    def _knows_nothing_in(self, message: Message) -> bool:
        if any(e.get("extractor") == "RegexEntityExtractor" for e in message.get(ENTITIES) or []):
            return False
        vocabulary = self.config[VOCABULARY_FEATURIZER]
        return not any(
            f.features.nnz
            for f in _sentence_features(message)
            if f.is_sparse() and f.origin == vocabulary
        )

    def _create_X(self, messages: list[Message]) -> sparse.csr_matrix:  # noqa: N802 (Rasa's name)
        """The rows Rasa's classifier builds, without its cost.

        Each row holds the message's sparse sentence features, then its dense ones, in the
        order the featurizers added them, as Rasa's, in float64 as Rasa's. Rasa gets them from
        ``Message.get_sparse_features``, which deep-copies every feature matrix and combines
        the sequence features it then drops: that was half the classifier's time per message
        (docs/performance.md, "Tenth step"). Joining the blocks with SciPy's ``hstack`` and
        ``vstack`` was most of the rest, so the rows are written as one CSR matrix directly
        ("Twenty-sixth step").
        """
        columns: list[np.ndarray] = []
        values: list[np.ndarray] = []
        ends = [0]
        widths = set()
        for message in messages:
            width = entries = 0
            for block in _in_rasas_order(_sentence_features(message)):
                found, data = _row_entries(block.features)
                columns.append(found + width)
                values.append(data)
                width += block.features.shape[1]
                entries += len(data)
            widths.add(width)
            ends.append(ends[-1] + entries)
        if len(widths) > 1:  # as SciPy's vstack refuses rows of different widths
            raise ValueError(f"messages with different numbers of features: {sorted(widths)}")
        shape = (len(messages), widths.pop() if widths else 0)
        if not values:
            return sparse.csr_matrix(shape)
        rows = sparse.csr_matrix(
            (np.concatenate(values).astype(np.float64, copy=False), np.concatenate(columns), ends),
            shape=shape,
        )
        rows.sum_duplicates()
        return rows

    def process(self, messages: list[Message]) -> list[Message]:
        """Classify each message on its own so one odd message cannot sink a batch."""
        for message in messages:
            if not self._knows_nothing_in(message):
                try:
                    super().process([message])
                    continue
                except ValueError:
                    logger.debug("message has no features")
            message.set(INTENT, {"name": None, "confidence": 0.0}, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [], add_to_output=True)
        return messages

    def persist(self) -> None:
        """Keep the trained classifier as arrays (module notes)."""
        with self._model_storage.write_to(self._resource) as model_dir:
            np.savez(
                _arrays(model_dir, self._resource),
                coef=self.clf.coef_,
                intercept=self.clf.intercept_,
                classes=np.asarray(self.clf.classes_, dtype=str),
            )

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> RobustLogisticRegressionClassifier:
        """The trained classifier from its arrays; from skops for a model trained before."""
        try:
            with model_storage.read_from(resource) as model_dir:
                path = _arrays(model_dir, resource)
                if not path.is_file():
                    loaded = super().load(config, model_storage, resource, execution_context)
                    assert isinstance(loaded, cls)
                    return loaded
                component = cls(config, execution_context.node_name, model_storage, resource)
                with np.load(path, allow_pickle=False) as arrays:
                    restore(component.clf, arrays)
                return component
        except ValueError:  # nothing stored: the classifier was never trained, as in Rasa's
            return cls.create(config, model_storage, resource, execution_context)


def restore(clf: LogisticRegression, arrays: Mapping[str, np.ndarray]) -> LogisticRegression:
    """``clf`` with the stored weights, intercepts and intent names: all predicting reads.

    The weights are kept column-major: scikit-learn multiplies by their transpose, which
    SciPy would otherwise copy whole (classes × features) at every prediction.
    """
    clf.coef_ = np.asfortranarray(arrays["coef"])
    clf.intercept_ = arrays["intercept"]
    clf.classes_ = arrays["classes"]
    clf.n_features_in_ = clf.coef_.shape[1]
    return clf


def _sentence_features(message: Message) -> list[Features]:
    """The message text's sentence-level features, in the order they were added."""
    return [f for f in message.features if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE]


def _in_rasas_order(features: list[Features]) -> list[Features]:
    """The sparse features, then the dense ones, each in the order they were added."""
    return [f for f in features if f.is_sparse()] + [f for f in features if f.is_dense()]


def _row_entries(matrix: Any) -> tuple[np.ndarray, np.ndarray]:
    """The columns and values of a one-row feature's non-zero entries.

    A dense row's zeros are left out, as ``csr_matrix`` leaves them out of Rasa's rows.
    """
    if sparse.issparse(matrix):
        entries = matrix.tocoo()
        return entries.col, entries.data
    row = np.asarray(matrix).ravel()
    found = np.flatnonzero(row)
    return found, row[found]


def _arrays(model_dir: Path, resource: Resource) -> Path:
    return model_dir / f"{resource.name}.npz"
