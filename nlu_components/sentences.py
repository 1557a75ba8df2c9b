"""What a message means, not only which words it uses: a MiniLM sentence embedding as features.

The intent classifier reads word and character counts. Those generalise poorly to wordings the
training data never had ("my parcel never turned up" against "the package did not arrive"):
shoppers' own words share few tokens with the examples. A sentence embedding puts messages of
the same meaning close together whatever their words, so the classifier learns from both.

The model is all-MiniLM-L6-v2 as an int8 ONNX file run by onnxruntime (recommender/embeddings.py:
shipped in a package, nothing downloaded). Training rewrites it to multiply in int8 as well
(``int8_model``, about 1.3 ms a message on one thread against 4.4 ms for the packaged file) and
keeps that file in the Rasa model, so the classifier is trained on exactly the features it is
served, and the running server never needs the ``onnx`` package that builds it. It reads the
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

from recommender.embeddings import MiniLmEmbedder, int8_model, shared_embedder

SCALE = "scale"
INT8 = "int8"
MODEL_FILE = "minilm-int8.onnx"
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


class ModelNotTrained(ValueError):
    """A Rasa model trained before the featurizer kept its embedding model: train again."""


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=True)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds one dense sentence feature (384 floats) per message text (see the module notes)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """``scale`` multiplies the unit-length embedding; ``int8`` picks the int8 model.

        ``int8: false`` keeps the packaged model: about 3 ms more a message, for the held-out
        macro-F1 the packaged model gave (docs/nlu.md).
        """
        return {**DenseFeaturizer.get_default_config(), SCALE: 1.0, INT8: True}

    def __init__(
        self,
        config: dict[str, Any],
        name: str,
        model_storage: ModelStorage | None = None,
        resource: Resource | None = None,
        embedder: MiniLmEmbedder | None = None,
    ) -> None:
        super().__init__(name, config)
        self._scale = float(self._config[SCALE])
        self._model_storage = model_storage
        self._resource = resource
        self._embedder = embedder

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEmbeddingFeaturizer:
        """A featurizer about to be trained: it has no embedding model until :meth:`train`."""
        return cls(config, execution_context.node_name, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Builds the int8 embedding model and keeps it in the Rasa model (module notes)."""
        assert self._model_storage is not None and self._resource is not None
        with self._model_storage.write_to(self._resource) as directory:
            if self._config[INT8]:
                (directory / MODEL_FILE).write_bytes(int8_model())
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SentenceEmbeddingFeaturizer:
        """Loads the model now, while the server starts, not on a shopper's first message."""
        embedder = _kept_embedder(model_storage, resource) if config[INT8] else shared_embedder()
        embedder.embed(["warm up"])
        return cls(config, execution_context.node_name, model_storage, resource, embedder)

    @property
    def embedder(self) -> MiniLmEmbedder:
        """The trained embedder; a featurizer that was never trained has none to use."""
        if self._embedder is None:
            raise ModelNotTrained(f"{self._identifier}: train the featurizer before using it")
        return self._embedder

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
        vectors = self.embedder.embed([readable_text(m) for m in with_text]) * self._scale
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


def _kept_embedder(model_storage: ModelStorage, resource: Resource) -> MiniLmEmbedder:
    """The int8 model that training kept in the Rasa model."""
    try:
        with model_storage.read_from(resource) as directory:
            return MiniLmEmbedder(model=(directory / MODEL_FILE).read_bytes())
    except (ValueError, FileNotFoundError) as missing:
        raise ModelNotTrained(
            "SentenceEmbeddingFeaturizer: this Rasa model has no int8 embedding model; it was "
            "trained by an older Aftercare. Train it again (make train, or rasa train)."
        ) from missing
