"""Order numbers and e-mail addresses read as what they are, not as the characters they hold.

The intent classifier learns from word and character counts. An order number such as
``#W2058756`` is one token of random characters, so its character n-grams pulled the intent one
way or the other: "I want a different option for an item in order #W…" was understood for some
order numbers and not for others. This component runs right after the tokenizer and gives every
token shaped like an order number or an e-mail address one lemma (``__order__``, ``__email__``);
the count featurizers read lemmas, so every order number looks alike to them, in training and
at run time. The tokens' text is untouched: entity extraction and slots still see the number.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

SHAPES = (
    # the shapes of data/nlu/entities.yml: AC-104233, ac104233, #104233, #W2378156
    ("__order__", re.compile(r"(?i)#?(?:ac-?)?\d{6}|#?w\d{7}")),
    ("__email__", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")),
)


def shape_of(token: str) -> str | None:
    """The placeholder for a token shaped like an order number or e-mail, else None."""
    stripped = token.strip(".,;:!?()[]\"'")
    for lemma, pattern in SHAPES:
        if pattern.fullmatch(stripped):
            return lemma
    return None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class ShapeLemmas(GraphComponent):
    """Sets one lemma for every order-number and e-mail token (see the module notes)."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ShapeLemmas:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            for token in message.get(TOKENS_NAMES[TEXT]) or []:
                lemma = shape_of(token.text)
                if lemma is not None:
                    token.lemma = lemma
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data
