"""A message's meaning as a dense feature: paraphrases close, order numbers irrelevant."""

from __future__ import annotations

import numpy as np
import pytest
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu_components.sentences import SentenceEmbeddingFeaturizer, readable_text
from nlu_components.shapes import ShapeLemmas


@pytest.fixture(scope="module")
def tokenizer() -> WhitespaceTokenizer:
    return WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())


def featurizer(scale: float = 1.0) -> SentenceEmbeddingFeaturizer:
    config = {**SentenceEmbeddingFeaturizer.get_default_config(), "scale": scale}
    return SentenceEmbeddingFeaturizer(config, "sentences")


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


def test_which_order_is_named_cannot_change_the_feature(tokenizer: WhitespaceTokenizer) -> None:
    first, second = featurizer().process(
        prepared(tokenizer, "cancel AC-104233 please", "cancel #W9988776 please")
    )
    assert np.array_equal(vector(first), vector(second))


def test_a_paraphrase_lies_closer_than_another_request(tokenizer: WhitespaceTokenizer) -> None:
    parcel, package, cancel = featurizer().process(
        prepared(
            tokenizer,
            "my parcel never turned up",
            "the package did not arrive",
            "please cancel what i bought",
        )
    )
    assert vector(parcel) @ vector(package) > vector(parcel) @ vector(cancel) + 0.1


def test_scale_multiplies_a_unit_vector(tokenizer: WhitespaceTokenizer) -> None:
    (message,) = featurizer(scale=3.0).process(prepared(tokenizer, "where is my refund"))
    features = vector(message)
    assert features.shape == (384,)
    assert np.linalg.norm(features) == pytest.approx(3.0, rel=1e-4)


def test_a_message_without_text_gets_no_feature() -> None:
    (message,) = featurizer().process([Message({"intent": "greet"})])
    assert message.get_dense_features(TEXT) == (None, None)


def test_a_scale_of_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="scale"):
        SentenceEmbeddingFeaturizer.validate_config({"scale": 0})
