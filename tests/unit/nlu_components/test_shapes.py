"""Order numbers and e-mails get one lemma each, whatever characters they hold."""

from __future__ import annotations

import pytest
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu_components.shapes import ShapeLemmas, shape_of


@pytest.mark.parametrize(
    ("token", "lemma"),
    [
        ("#W2058756", "__order__"),
        ("w2058756", "__order__"),
        ("AC-931239", "__order__"),
        ("ac931239", "__order__"),
        ("#104233", "__order__"),
        ("104233,", "__order__"),
        ("jane.doe+shop@example.co.uk", "__email__"),
        ("hoodie", None),
        ("12345", None),  # a ZIP code: digits, which the featurizers already read as a number
        ("1Z999AA10123456784", None),  # a tracking number is no order number
        ("W20587", None),
    ],
)
def test_a_token_is_read_by_its_shape(token: str, lemma: str | None) -> None:
    assert shape_of(token) == lemma


def test_the_lemma_changes_and_the_text_stays_for_the_entities() -> None:
    message = Message({TEXT: "order #W2058756 please"})
    message.set(
        TOKENS_NAMES[TEXT],
        [Token("order", 0), Token("#W2058756", 6), Token("please", 16)],
    )
    ShapeLemmas().process([message])
    tokens = message.get(TOKENS_NAMES[TEXT])
    assert [t.lemma for t in tokens] == ["order", "__order__", "please"]
    assert [t.text for t in tokens] == ["order", "#W2058756", "please"]
