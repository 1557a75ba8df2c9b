"""Answers to policy and FAQ questions that rest on the merchant's own text.

Without a model the answer is extractive: the best passage verbatim, its rule named. With a
model, ``summarise`` may phrase it, and the candidate goes out only if the output rails
(grounding, fact lock) accept it against the passages; anything else (a refusal, an error, a
slow or empty model) falls back to the extract. When nothing scores above the threshold the
answer is None and the caller says what it said before.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from guardrails.knowledge.faq import Faq, faq_passages
from guardrails.knowledge.passages import Passage, policy_passages
from guardrails.knowledge.retrieval import Hit, build_index
from guardrails.knowledge.settings import KnowledgeSettings, load_settings
from guardrails.rails.config import RailsConfig
from guardrails.rails.pipeline import run_rails
from guardrails.rails.types import Context

if TYPE_CHECKING:
    from merchants.policy import MerchantPolicy

logger = logging.getLogger(__name__)

Summarise = Callable[[str, Sequence[str]], Awaitable[str | None]]
"""``summarise(question, passages)``: a model's short answer from the passages, or None."""


@dataclass(frozen=True)
class Answer:
    """What the bot says, and what it rests on.

    Attributes:
        text: The reply, its rule named.
        rule: The name of the rule answered (the best passage's).
        passages: The passages the reply rests on, best first.
        score: The best passage's retrieval score.
        generated: True when a model phrased it and the rails accepted it.
        refused_by: The rail that refused the model's candidate, if one did.
    """

    text: str
    rule: str
    passages: tuple[Passage, ...]
    score: float
    generated: bool = False
    refused_by: str | None = None

    @property
    def passage_id(self) -> str:
        """The best passage's id: a policy rule key or an FAQ entry id."""
        return self.passages[0].id


def all_passages(policy: MerchantPolicy, faq: Faq | None) -> tuple[Passage, ...]:
    """The policy's rules, then the FAQ's entries."""
    passages = policy_passages(policy)
    if faq is not None:
        passages += faq_passages(faq, policy)
    return tuple(passages)


def supporting(hits: Sequence[Hit], settings: KnowledgeSettings) -> list[Hit]:
    """The hits an answer may show: the best above the threshold, and close seconds."""
    if not hits or hits[0].score < settings.threshold:
        return []
    best = hits[0].score
    close = [
        h
        for h in hits
        if h.score >= settings.threshold and best - h.score <= settings.combine_margin
    ]
    return close[: settings.max_passages]


def retrieve(
    question: str,
    policy: MerchantPolicy,
    faq: Faq | None,
    settings: KnowledgeSettings | None = None,
    cache: Path | None = None,
) -> list[Hit]:
    """The passages that support an answer to ``question``; empty when none does."""
    settings = settings or load_settings()
    index = build_index(all_passages(policy, faq), cache)
    return supporting(index.search(question, settings), settings)


async def _summary(
    question: str,
    passages: tuple[Passage, ...],
    summarise: Summarise,
    timeout_s: float | None,
    conversation_id: str | None,
    rails: RailsConfig | None,
) -> tuple[str | None, str | None]:
    """The model's candidate if the output rails accept it, else (None, refusing rail)."""
    texts = [p.text for p in passages]
    try:
        candidate = await asyncio.wait_for(summarise(question, texts), timeout_s)
    except Exception as exc:  # a failing model falls back to the extract
        logger.warning("summary failed (%s): using the extract", type(exc).__name__)
        return None, None
    if not candidate or not candidate.strip():
        return None, None
    context = Context(
        source="\n".join(texts),
        passages=tuple(texts),
        conversation_id=conversation_id,
        task="summary",  # a summary may leave facts out; it may not add one
    )
    verdict = run_rails("output", candidate.strip(), context, rails)
    if not verdict.allowed:
        refused = verdict.refused_by
        return None, refused.rail if refused else "rails"
    return verdict.text, None


async def answer(
    question: str,
    policy: MerchantPolicy,
    faq: Faq | None,
    summarise: Summarise | None = None,
    *,
    settings: KnowledgeSettings | None = None,
    timeout_s: float | None = None,
    conversation_id: str | None = None,
    cache: Path | None = None,
    rails: RailsConfig | None = None,
) -> Answer | None:
    """The answer to ``question`` from the policy and FAQ, or None when nothing supports it.

    Args:
        question: The shopper's message.
        policy: The conversation's merchant policy.
        faq: The merchant's FAQ, if it has one.
        summarise: The model call; None (no model, or a flagged message) keeps it extractive.
        settings: Retrieval tunables; defaults to ``knowledge.yml``.
        timeout_s: Limit for the model call; past it the extract is used.
        conversation_id: For the rails' decision log only.
        cache: The vector cache directory; defaults to ``KNOWLEDGE_CACHE_DIR``.
        rails: The output rails; defaults to the configured ones (``rails.yml``).
    """
    hits = retrieve(question, policy, faq, settings, cache)
    if not hits:
        return None
    passages = tuple(h.passage for h in hits)
    best = passages[0]
    extract = " ".join(p.cited for p in passages)
    if summarise is None:
        return Answer(extract, best.rule, passages, hits[0].score)
    summary, refused_by = await _summary(
        question, passages, summarise, timeout_s, conversation_id, rails
    )
    if summary is None:
        return Answer(extract, best.rule, passages, hits[0].score, refused_by=refused_by)
    return Answer(f"{best.rule}: {summary}", best.rule, passages, hits[0].score, generated=True)
