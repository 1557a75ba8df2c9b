"""A message's meaning as a dense feature: paraphrases close, order numbers irrelevant."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.sentences import ModelNotTrained, SentenceEmbeddingFeaturizer, readable_text
from nlu_components.shapes import ShapeLemmas
from recommender.embeddings import MiniLmEmbedder, int8_model, shared_embedder

SHOPPERS = [
    "where is my order",
    "my parcel never turned up",
    "i want to send the jacket back, it is too small",
    "can you cancel what i bought yesterday",
    "the mug arrived broken",
    "has my refund gone through yet?",
]


@pytest.fixture(scope="module")
def tokenizer() -> WhitespaceTokenizer:
    return WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())


@pytest.fixture(scope="module")
def int8() -> bytes:
    return int8_model()


Make = Callable[..., SentenceEmbeddingFeaturizer]


@pytest.fixture
def featurizer(int8: bytes) -> Make:
    """A trained featurizer with the given scale."""

    def make(scale: float = 1.0) -> SentenceEmbeddingFeaturizer:
        config = {**SentenceEmbeddingFeaturizer.get_default_config(), "scale": scale}
        return SentenceEmbeddingFeaturizer(config, "sentences", embedder=MiniLmEmbedder(model=int8))

    return make


def prepared(tokenizer: WhitespaceTokenizer, *texts: str) -> list[Message]:
    messages = [Message({TEXT: text}) for text in texts]
    tokenizer.process(messages)
    ShapeLemmas().process(messages)
    return messages


def vector(message: Message) -> np.ndarray:
    _, sentence = message.get_dense_features(TEXT)
    assert sentence is not None
    return np.asarray(sentence.features).ravel()


def test_order_numbers_and_emails_are_read_as_words(tokenizer: WhitespaceTokenizer) -> None:
    (message,) = prepared(tokenizer, "Where is #W2058756? Mail: jo@example.com!")
    assert readable_text(message) == "Where is order number? Mail: email!"


def test_which_order_is_named_cannot_change_the_feature(
    tokenizer: WhitespaceTokenizer, featurizer: Make
) -> None:
    first, second = featurizer().process(
        prepared(tokenizer, "cancel AC-104233 please", "cancel #W9988776 please")
    )
    assert np.array_equal(vector(first), vector(second))


def test_a_paraphrase_lies_closer_than_another_request(
    tokenizer: WhitespaceTokenizer, featurizer: Make
) -> None:
    parcel, package, cancel = featurizer().process(
        prepared(
            tokenizer,
            "my parcel never turned up",
            "the package did not arrive",
            "please cancel what i bought",
        )
    )
    assert vector(parcel) @ vector(package) > vector(parcel) @ vector(cancel) + 0.1


def test_scale_multiplies_a_unit_vector(tokenizer: WhitespaceTokenizer, featurizer: Make) -> None:
    (message,) = featurizer(scale=3.0).process(prepared(tokenizer, "where is my refund"))
    features = vector(message)
    assert features.shape == (384,)
    assert np.linalg.norm(features) == pytest.approx(3.0, rel=1e-4)


def test_a_message_without_text_gets_no_feature(featurizer: Make) -> None:
    (message,) = featurizer().process([Message({"intent": "greet"})])
    assert message.get_dense_features(TEXT) == (None, None)


def test_a_scale_of_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="scale"):
        SentenceEmbeddingFeaturizer.validate_config({"scale": 0})


def test_the_int8_model_reads_shoppers_as_the_packaged_one_does(int8: bytes) -> None:
    packaged = shared_embedder().embed(SHOPPERS)
    quantised = MiniLmEmbedder(model=int8).embed(SHOPPERS)
    cosines = (packaged * quantised).sum(axis=1)
    assert cosines.min() > 0.97
    assert not np.allclose(packaged, quantised, atol=1e-3)  # it is another model, not a copy


def _context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), node_name="sentences")


def test_training_keeps_the_int8_model_in_the_rasa_model(
    tmp_path: Path, tokenizer: WhitespaceTokenizer, int8: bytes
) -> None:
    config = SentenceEmbeddingFeaturizer.get_default_config()
    storage, resource = LocalModelStorage(tmp_path), Resource("sentences")
    SentenceEmbeddingFeaturizer.create(config, storage, resource, _context()).train(TrainingData())

    loaded = SentenceEmbeddingFeaturizer.load(config, storage, resource, _context())
    (message,) = loaded.process(prepared(tokenizer, SHOPPERS[0]))
    (expected,) = SentenceEmbeddingFeaturizer(
        config, "sentences", embedder=MiniLmEmbedder(model=int8)
    ).process(prepared(tokenizer, SHOPPERS[0]))
    assert np.array_equal(vector(message), vector(expected))


def test_a_rasa_model_trained_before_it_kept_one_asks_to_be_trained_again(tmp_path: Path) -> None:
    config = SentenceEmbeddingFeaturizer.get_default_config()
    with pytest.raises(ModelNotTrained, match="Train it again"):
        SentenceEmbeddingFeaturizer.load(
            config, LocalModelStorage(tmp_path), Resource("sentences"), _context()
        )


def test_a_designer_can_keep_the_packaged_model(
    tmp_path: Path, tokenizer: WhitespaceTokenizer
) -> None:
    config = {**SentenceEmbeddingFeaturizer.get_default_config(), "int8": False}
    storage, resource = LocalModelStorage(tmp_path), Resource("sentences")
    SentenceEmbeddingFeaturizer.create(config, storage, resource, _context()).train(TrainingData())

    loaded = SentenceEmbeddingFeaturizer.load(config, storage, resource, _context())
    (message,) = loaded.process(prepared(tokenizer, SHOPPERS[1]))
    assert np.allclose(vector(message), shared_embedder().embed([SHOPPERS[1]])[0], atol=1e-6)
    assert not list(tmp_path.rglob("*.onnx"))  # nothing of its own kept in the Rasa model
