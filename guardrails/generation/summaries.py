"""A model's short answer to a policy or FAQ question, from the merchant's passages only.

The question first passes the input rails (an injection, an off-topic or oversized message
never reaches the model) and goes in normalised and scrubbed; the passages are the merchant's
own text. What comes back is only a candidate: ``guardrails.knowledge.answer`` shows it only if
the output rails accept it as a summary of those passages, and quotes the passage otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence

from guardrails.generation.provider import ChatProvider, ProviderError
from guardrails.knowledge.answer import Summarise
from guardrails.prompts import PromptMessage, scrub_prompt
from guardrails.rails.pipeline import run_rails

SYSTEM_PROMPT = (
    "You answer a shop customer's question using ONLY the shop's rules given to you. "
    "Answer in one or two short sentences, in the customer's language. Do not add any number, "
    "date, amount, promise or rule that the given rules do not state. If the rules do not "
    "answer the question, repeat the most relevant rule."
)


def summary_prompt(question: str, passages: Sequence[str]) -> list[PromptMessage]:
    """The system rule, the passages as the shop's rules, and the shopper's question."""
    rules = "\n".join(f"- {p}" for p in passages)
    return [
        PromptMessage("system", SYSTEM_PROMPT),
        PromptMessage("user", f"Shop rules:\n{rules}\n\nCustomer question: {question}"),
    ]


def model_summariser(provider: ChatProvider) -> Summarise:
    """``summarise(question, passages)`` backed by ``provider``; None when it must not be asked."""

    async def summarise(question: str, passages: Sequence[str]) -> str | None:
        verdict = run_rails("input", question)
        if not verdict.allowed:
            return None
        messages = await scrub_prompt(summary_prompt(verdict.text, passages))
        try:
            completion = await provider.complete(messages, temperature=0.2, max_tokens=120)
        except ProviderError:
            return None
        return completion.text

    return summarise
