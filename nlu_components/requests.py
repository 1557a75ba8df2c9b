"""Several requests in one message, kept so that none is dropped.

"Cancel order #W123 and where is #W456?" holds two requests, but a message gets one intent:
the classifier picks one, the flow for it starts, and the other request was lost. This
extractor cuts such a message into its requests (clauses joined by a sentence end, a
semicolon, or a word like "also", "and then", "plus", or "and" before a new request) and adds
one ``request`` entity per clause, so the ``more_requests`` slot keeps their text. When the
first flow ends, ``action_next_request`` (``actions/requests.py``) has each clause understood
on its own and starts the flows the message asked for and did not get.

Nothing is added for a message with one clause, and a clause too short to be a request
("hi", "thanks") is not one. Whether a clause is a request is decided later, by the intent
classifier on the clause alone, not here.

The message is read whole as one intent, with every clause's entities: "cancel AC-104233 and
where is #W2058756?" would fill ``order_id`` from either clause, and a flow could act on the
other request's order. :class:`RequestsPolicy` therefore has ``action_next_request`` answer
such a message first: it takes back what the whole message's entities set and starts each
request from its own clause, one after the other; a message none of whose clauses asks for a
flow is answered whole, as before.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.core.policies.policy import PolicyPrediction
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu_components.overrides import RuleOverridePolicy

REQUEST_ENTITY = "request"
NEXT_REQUEST = "action_next_request"
HANDOFF_SIGNAL = "handoff_signal"  # nlu_components.handoff: a person takes over at once
MIN_WORDS = 3  # "where is it", "cancel it please": shorter is a greeting or a thank-you

# Words that start a new request after "and" ("... and can you cancel ...", "... and where").
_STARTS = (
    r"i|i'd|i'm|i\s+want|i\s+need|can|could|would|will|please|cancel|return|exchange|change|"
    r"update|modify|swap|send|refund|track|where|when|what|how|is|does|do|why|tell|check|"
    r"what's|where's|when's|my\s+other|the\s+other|another|also"
)
_BOUNDARY = re.compile(
    r"(?<=[.!?])\s+(?=\S)"  # a sentence ends
    r"|\s*;\s*"
    r"|,?\s+(?:and\s+)?(?:also|then|plus|additionally|as\s+well\s+as|oh\s+and|one\s+more\s+thing)"
    r"(?:,|\s*:)?\s+"
    rf"|,?\s+and\s+(?=(?:{_STARTS})\b)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[\w'#@.-]+")


def split_requests(text: str) -> list[tuple[int, int]]:
    """The spans of ``text``'s clauses that may each be a request; empty for a single one."""
    spans: list[tuple[int, int]] = []
    start = 0
    for boundary in _BOUNDARY.finditer(text):
        spans.append((start, boundary.start()))
        start = boundary.end()
    spans.append((start, len(text)))
    clauses = [
        (begin, end)
        for begin, end in (_trim(text, s, e) for s, e in spans)
        if len(_WORD.findall(text[begin:end])) >= MIN_WORDS
    ]
    return clauses if len(clauses) > 1 else []


_LEADING = re.compile(
    r"(?:and\s+)?(?:also|then|plus|additionally|oh\s+and|and)\b[\s,:]*", re.IGNORECASE
)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without the spaces, punctuation and joining word ("also, ...") around it."""
    while start < end and not text[start].isalnum() and text[start] not in "#¿¡":
        start += 1
    leading = _LEADING.match(text, start, end)
    if leading:
        start = leading.end()
    while end > start and text[end - 1] in " ,;:-\t\n":
        end -= 1
    return start, end


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class RequestSplitter(GraphComponent, EntityExtractorMixin):
    """Adds a ``request`` entity per clause of a message holding several requests."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RequestSplitter:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            found = [
                {"entity": REQUEST_ENTITY, "value": text[s:e], "start": s, "end": e}
                for s, e in split_requests(text)
            ]
            if found:
                entities = [*(message.get(ENTITIES) or []), *self.add_extractor_name(found)]
                message.set(ENTITIES, entities, add_to_output=True)
        return messages


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False
)
class RequestsPolicy(RuleOverridePolicy):
    """Answers a message of several requests with its requests, one by one."""

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        result = self._default_predictions(domain)
        message = tracker.latest_message
        if (
            message is not None
            and tracker.latest_action_name == ACTION_LISTEN_NAME
            and not tracker.active_loop_name
            and not tracker.is_paused()
            and sum(e.get("entity") == REQUEST_ENTITY for e in message.entities or []) > 1
            and not any(e.get("entity") == HANDOFF_SIGNAL for e in message.entities or [])
            and NEXT_REQUEST in domain.action_names_or_texts
        ):
            result[domain.index_for_action(NEXT_REQUEST)] = 1.0
        return self._prediction(result)
