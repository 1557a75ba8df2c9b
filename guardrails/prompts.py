"""Text for a generative model leaves with no personal value in it.

No model is wired in yet; whatever calls one (a llama.cpp or OpenAI-compatible server) builds
its messages and passes them through :func:`scrub_prompt` first. The model then works with
tags and pseudonyms (``<PERSON>``, ``<EMAIL_ADDRESS_3f9a1c2b7d>``), which is enough for
wording a reply; the real values never leave the process.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from guardrails.pii import get_scrubber


@dataclass(frozen=True)
class PromptMessage:
    """One chat message for a model (the OpenAI chat format's role and content)."""

    role: str
    content: str


async def scrub_prompt(messages: Sequence[PromptMessage]) -> list[PromptMessage]:
    """The same messages with every personal value replaced, system prompt included.

    Async so it sits in a guardrail pipeline like the other rails; the work is CPU-bound and
    takes a few milliseconds per message.
    """
    scrubber = get_scrubber()
    return [PromptMessage(m.role, scrubber.scrub(m.content)) for m in messages]
