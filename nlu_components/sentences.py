"""What a message means, not only which words it uses: a MiniLM sentence embedding as features.

The intent classifier reads word and character counts. Those generalise poorly to wordings the
training data never had ("my parcel never turned up" against "the package did not arrive"):
shoppers' own words share few tokens with the examples. A sentence embedding puts messages of
the same meaning close together whatever their words, so the classifier learns from both.

The model is all-MiniLM-L6-v2 as an int8 ONNX file run by onnxruntime (recommender/embeddings.py:
shipped in a package, nothing downloaded, about 2 ms per message on one thread). It reads the
message with order numbers and e-mail addresses replaced by the words "order number" and
"email" (their lemmas from ``ShapeLemmas``), so which order a shopper names cannot change what
they are understood to ask, as for the count features. ``scale`` weighs the embedding against
the counts under the classifier's regularisation (chosen on data in docs/nlu.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from recommender.embeddings import shared_embedder

SCALE = "scale"
# What the model reads in place of a shaped token (nlu_components/shapes.py's lemmas).
READ_AS = {"__order__": "order number", "__email__": "email"}


def readable_text(message: Message) -> str:
    """The message as the model should read it: its own text, order numbers and e-mails as words."""
    text = str(message.get(TEXT) or "")
    parts, at = [], 0
    for token in message.get(TOKENS_NAMES[TEXT]) or []:
        word = READ_AS.get(str(token.lemma))
        if word is not None and text[token.start : token.end] == token.text:
            parts += [text[at : token.start], word]
            at = token.end
    return "".join([*parts, text[at:]])


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds one dense sentence feature (384 floats) per message text (see the module notes)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """``scale`` multiplies the unit-length embedding."""
        return {**DenseFeaturizer.get_default_config(), SCALE: 1.0}

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        self._scale = float(self._config[SCALE])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEmbeddingFeaturizer:
        """Loads the model now, while the server starts, not on a shopper's first message."""
        shared_embedder().embed(["warm up"])
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """A scale of zero or less would silence or invert the feature."""
        if float(config.get(SCALE, 1.0)) <= 0:
            raise ValueError(f"{cls.__name__}: '{SCALE}' must be positive")

    def process(self, messages: list[Message]) -> list[Message]:
        """Embeds every message with text in one batch."""
        with_text = [m for m in messages if m.get(TEXT)]
        if not with_text:
            return messages
        vectors = shared_embedder().embed([readable_text(m) for m in with_text]) * self._scale
        for message, vector in zip(with_text, vectors, strict=True):
            message.add_features(
                Features(
                    np.asarray(vector, dtype=np.float32).reshape(1, -1),
                    FEATURE_TYPE_SENTENCE,
                    TEXT,
                    self._identifier,
                )
            )
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """The same features for the training examples (intent examples carry the text)."""
        self.process(training_data.training_examples)
        return training_data
