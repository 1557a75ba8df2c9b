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
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

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
        _, sentence = message.get_sparse_features(TEXT, [self.config[VOCABULARY_FEATURIZER]])
        return sentence is None or sentence.features.nnz == 0

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
