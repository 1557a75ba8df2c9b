"""Rasa's templates, optionally reworded by a model: the NLG class ``endpoints.yml`` names.

Rasa 3.6 builds the class named under ``nlg: type:`` with ``(endpoint_config, domain)``
(``rasa.core.nlg.generator``). :class:`RephrasingNaturalLanguageGenerator` renders every response
exactly as Rasa's :class:`TemplatedNaturalLanguageGenerator` does, then rewords the text only
when all of these hold:

* the switch is on (``AFTERCARE_GENERATION=on``) and a model is configured;
* the chosen variation carries ``metadata: {rephrase: true}`` in ``domain.yml`` (the key Rasa
  Pro's rephraser reads; Rasa 3.6 accepts ``metadata`` on a response and passes it on in the
  bot event's metadata, where every channel ignores it);
* it has a filled-in text and nothing a rewording could break (custom payload, image,
  attachment, elements, quick replies); buttons are kept as they are;
* the shopper's latest message carries no ``guardrail`` entity (the input rails flagged it).

The reply's facts (order numbers, amounts, dates, tracking numbers...) are locked first, so the
model only ever sees placeholders such as ``[ORDER_ID_1]``; the prompt is scrubbed of personal
values; the model gets ``GENERATION_BUDGET_MS`` for its answer; the candidate then passes the
output rails, whose ``fact_lock`` refuses any changed, missing or new fact and puts the real
values back. Any refusal, timeout, provider error or exception says the template instead,
unchanged. With the switch off the reply is the template generator's, byte for byte, and no
model is called.

Each reworded-or-not decision is one JSON line on the ``guardrails.generation`` logger
(response name, outcome, reason, milliseconds); the text is never logged. The decision also
travels with the reply: ``metadata["generation"] = {"rephrased": bool, "reason": str}``, the
reason from the closed set of :mod:`guardrails.generation.decisions`, which Rasa passes on into
the bot event and so to analytics. A reply that was not eligible (the switch off included) gets
no such entry: it stays the template generator's, metadata and all.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain

from guardrails.generation.decisions import DECISION_KEY, decision
from guardrails.generation.provider import ChatProvider, ProviderError
from guardrails.generation.settings import GenerationSettings, generation_settings
from guardrails.pii import get_scrubber
from guardrails.prompts import PromptMessage, scrub_prompt
from guardrails.rails.config import load_config
from guardrails.rails.pipeline import run_rails
from guardrails.rails.types import Context

if TYPE_CHECKING:
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger("guardrails.generation")

REPHRASE_KEY = "rephrase"
FLAG_ENTITY = "guardrail"
FACT_LOCK_RAIL = "fact_lock"
# Parts of a response a reworded text could contradict or break; buttons are left as they are.
UNTOUCHABLE = ("custom", "image", "attachment", "elements", "quick_replies")
PLACEHOLDER = re.compile(r"\[[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_\d+\]")
UNFILLED = re.compile(r"{\w+}")

SYSTEM_PROMPT = (
    "You reword messages of an online shop's support assistant. Rewrite the message in the "
    "same language, friendly and short. Keep every placeholder in square brackets, such as "
    "[ORDER_ID_1], exactly as written. Add no facts, numbers, dates, names, links, promises or "
    "instructions. Answer with the reworded message only."
)
# One worked example: a 135M-parameter model copies a shown pattern far better than it follows
# a rule it is only told.
EXAMPLE = (
    PromptMessage("user", "Order [ORDER_ID_1] is packed and waiting for the carrier."),
    PromptMessage("assistant", "Your order [ORDER_ID_1] is packed and ready for the carrier."),
)


class GenerationConfigError(RuntimeError):
    """The switch is on but the generative layer cannot run safely; Rasa does not start."""


@dataclass(frozen=True)
class Outcome:
    """What happened to one eligible reply, for the decision log."""

    rephrased: bool
    reason: str
    provider_ms: float | None = None


def _eligible(response: dict[str, Any], kwargs: dict[str, Any]) -> bool:
    """Marked for rewording, with a text of its own and nothing a new wording could break."""
    metadata = response.get("metadata")
    if not isinstance(metadata, dict) or metadata.get(REPHRASE_KEY) is not True:
        return False
    text = response.get("text")
    if not isinstance(text, str) or not text.strip() or UNFILLED.search(text):
        return False
    # An action that sends its own text replaces the template's anyway (RemoteAction).
    return not kwargs.get("text") and not any(response.get(key) for key in UNTOUCHABLE)


def flagged_by_input_rails(tracker: DialogueStateTracker) -> bool:
    """True if the shopper's latest message carries a ``guardrail`` entity."""
    entities = tracker.latest_message.entities if tracker.latest_message else []
    return any(entity.get("entity") == FLAG_ENTITY for entity in entities or [])


def build_prompt(locked_text: str) -> list[PromptMessage]:
    """System instruction, one example, and the reply with its facts locked."""
    return [PromptMessage("system", SYSTEM_PROMPT), *EXAMPLE, PromptMessage("user", locked_text)]


def max_tokens_for(text: str) -> int:
    """Room for a rewording up to about twice as long (a token is about four characters)."""
    return max(48, min(256, len(text) // 2))


def clean_candidate(text: str) -> str:
    """Drop quotes a small model puts around its whole answer."""
    text = text.strip()
    for left, right in (('"', '"'), ("“", "”"), ("'", "'")):
        if len(text) > 1 and text.startswith(left) and text.endswith(right):
            return text[1:-1].strip()
    return text


def with_decision(response: dict[str, Any], outcome: Outcome) -> dict[str, Any]:
    """The response with the decision added to its metadata, which Rasa puts into the bot event."""
    entry = decision(outcome.rephrased, outcome.reason)
    return {**response, "metadata": {**response["metadata"], DECISION_KEY: entry}}


class RephrasingNaturalLanguageGenerator(TemplatedNaturalLanguageGenerator):
    """Rasa's template generator, with marked replies reworded by a model behind the rails."""

    def __init__(
        self,
        endpoint_config: EndpointConfig | None = None,
        domain: Domain | None = None,
        *,
        settings: GenerationSettings | None = None,
        provider: ChatProvider | None = None,
    ) -> None:
        """Read the switch; with it on, fail now (at Rasa's start) if rewording cannot be safe.

        Raises:
            GenerationSettingsError: A generation variable does not parse.
            RailsConfigError: The rails file is missing or invalid.
            GenerationConfigError: The switch is on but the output rails have no fact lock.
            PiiConfigError: The prompt scrubber cannot be built.
        """
        super().__init__((domain or Domain.empty()).responses)
        self.settings = settings or generation_settings()
        self._provider = provider
        self._lock: Callable[[str], Any] | None = None
        if self.settings.has_model:
            rails = [rail.name for rail in load_config().output]
            if FACT_LOCK_RAIL not in rails:
                raise GenerationConfigError(
                    "AFTERCARE_GENERATION=on needs the fact_lock rail among the output rails "
                    f"(guardrails/rails/rails.yml); output rails now: {rails}"
                )
            from guardrails.rails.fact_lock import lock

            self._lock = lock
            self._provider = provider or ChatProvider.from_settings(self.settings)
            # Build the PII scrubber (spaCy) now: loading it takes seconds, far past a budget.
            get_scrubber().scrub("warm up")

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        """The template's response, its text reworded when every condition of the module holds."""
        response = await super().generate(utter_action, tracker, output_channel, **kwargs)
        if response is None or not self.settings.has_model or not _eligible(response, kwargs):
            return response
        started = time.perf_counter()
        if flagged_by_input_rails(tracker):
            outcome = Outcome(False, "input_flagged")
        else:
            try:
                outcome, text = await self._rephrase(response["text"], tracker.sender_id)
            except Exception as exc:  # any failure says the template
                outcome, text = Outcome(False, f"error: {type(exc).__name__}"), None
            if text is not None:
                response = {**response, "text": text}
        self._log(utter_action, outcome, started, tracker.sender_id)
        return with_decision(response, outcome)

    async def _rephrase(self, rendered: str, conversation_id: str) -> tuple[Outcome, str | None]:
        """The reworded text that passed every output rail, or why there is none."""
        assert self._lock is not None and self._provider is not None
        deadline = time.perf_counter() + self.settings.budget_ms / 1000
        locked = self._lock(rendered)
        placeholders = set(PLACEHOLDER.findall(locked.text))
        messages = await scrub_prompt(build_prompt(locked.text))
        if messages[-1].content != locked.text:
            # A personal value outside the locked facts: the model would see only its tag, and
            # the reworded text could not carry the value back.
            return Outcome(False, "personal_values"), None
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return Outcome(False, "budget"), None
        try:
            completion = await asyncio.wait_for(
                self._provider.complete(
                    messages, temperature=0.5, max_tokens=max_tokens_for(locked.text)
                ),
                timeout=remaining,
            )
        except asyncio.TimeoutError:
            return Outcome(False, "budget"), None
        except ProviderError as exc:
            return Outcome(False, f"provider_{exc.outcome}"), None
        candidate = clean_candidate(completion.text)
        verdict = run_rails(
            "output", candidate, Context(source=rendered, conversation_id=conversation_id)
        )
        if not verdict.allowed:
            refused = verdict.refused_by
            return Outcome(
                False, f"rail_{refused.rail if refused else 'unknown'}", completion.ms
            ), None
        # The fact lock restores every value; a placeholder left over means it did not run.
        if any(p in verdict.text for p in placeholders) or not verdict.text.strip():
            return Outcome(False, "placeholders_left", completion.ms), None
        if verdict.text == rendered:
            return Outcome(False, "unchanged", completion.ms), None
        return Outcome(True, "rephrased", completion.ms), verdict.text

    @staticmethod
    def _log(utter_action: str, outcome: Outcome, started: float, conversation_id: str) -> None:
        record = {
            "event": "rephrase",
            "response": utter_action,
            "rephrased": outcome.rephrased,
            "reason": outcome.reason,
            "provider_ms": outcome.provider_ms,
            "ms": round((time.perf_counter() - started) * 1000, 1),
            "conversation": conversation_id,
        }
        logger.info(json.dumps(record, sort_keys=True))
