"""Answers from the merchant's policy and FAQ files, when generative replies are switched on.

With ``AFTERCARE_GENERATION=off`` (the default) nothing here changes what the bot says:
:class:`ActionAnswerQuestion` utters ``utter_out_of_scope`` exactly as the rules did, and the
policy and fallback actions keep their own answers. With it on, a question the merchant's
text supports is answered with the asked rule (``guardrails.knowledge``); anything else falls
back to today's reply.
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.support import RunContext, tenant_of
from guardrails.generation.provider import ChatProvider
from guardrails.generation.settings import GenerationSettings, generation_settings
from guardrails.generation.summaries import model_summariser
from guardrails.knowledge.answer import Answer, Summarise, answer
from guardrails.knowledge.faq import Faq, load_faq
from merchants.faq import faq_path

# Set by the input rails on a message that looks like an injection: no model sees it.
GUARDRAIL_ENTITY = "guardrail"


def merchant_faq(tracker: Tracker) -> Faq:
    """The FAQ of the conversation's merchant."""
    return load_faq(faq_path(tenant_of(tracker)))


def summariser(settings: GenerationSettings) -> Summarise | None:
    """The model call that phrases an answer, or None to answer with the extract.

    None whenever no model is configured (``LLM_BASE_URL=none``): answers are then extracts
    of the merchant's own text.
    """
    if not settings.has_model:
        return None
    return model_summariser(ChatProvider.from_settings(settings))


def flagged(tracker: Tracker) -> bool:
    """The input rails marked the latest message (a ``guardrail`` entity): no model for it."""
    entities = tracker.latest_message.get("entities") or []
    return any(e.get("entity") == GUARDRAIL_ENTITY for e in entities)


async def knowledge_answer(tracker: Tracker) -> Answer | None:
    """The grounded answer to the latest message, or None (switch off, or nothing supports it)."""
    settings = generation_settings()
    if not settings.enabled:
        return None
    question = tracker.latest_message.get("text") or ""
    if not question.strip():
        return None
    summarise = None if flagged(tracker) or not settings.has_model else summariser(settings)
    return await answer(
        question,
        RunContext.of(tracker).policy,
        merchant_faq(tracker),
        summarise,
        timeout_s=settings.timeout_s,
        conversation_id=tracker.sender_id,
    )


async def answered_from_knowledge(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """Say the merchant's grounded answer to the latest message, if there is one.

    Through its domain response, so designers can frame it. False (nothing said) with the
    switch off or when nothing supports the question: the caller then says what it always did.
    """
    found = await knowledge_answer(tracker)
    if found is None:
        return False
    dispatcher.utter_message(response="utter_knowledge_answer", answer=found.text)
    return True


class ActionAnswerQuestion(Action):
    """A question no flow handles: the merchant's answer if it has one, else out of scope."""

    def name(self) -> str:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if not await answered_from_knowledge(dispatcher, tracker):
            dispatcher.utter_message(response="utter_out_of_scope")
        return []
