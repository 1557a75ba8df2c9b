"""Cosine top-k over passages with MiniLM embeddings, optionally boosted by shared words.

Each passage is matched through several keys: its cited text and the phrasings of the
question it answers; its score is the best key's. Key vectors are computed once per set of
passages and cached on disk keyed by a hash of the texts (``KNOWLEDGE_CACHE_DIR``, default
``~/.cache/aftercare/knowledge``), so a restart reads them; a question costs one embedding.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from guardrails.knowledge.passages import Passage
from guardrails.knowledge.settings import KnowledgeSettings
from recommender.embeddings import DIMENSIONS, cached_embeddings, shared_embedder

CACHE_ENV = "KNOWLEDGE_CACHE_DIR"
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    "a an the i im i'm my me we you your our it its is are was be been do does did can could "
    "would will should to of in on at for from with and or but if so this that what when how "
    "which who why there here have has had get got any some not no yes please hi hello thanks "
    "am about after before by as into out up".split()
)


def cache_dir() -> Path:
    """Where key vectors are cached."""
    configured = os.environ.get(CACHE_ENV)
    return Path(configured) if configured else Path.home() / ".cache" / "aftercare" / "knowledge"


def content_words(text: str) -> frozenset[str]:
    """Lower-case words that carry meaning, crudely singularised ("returns" -> "return")."""
    words = set()
    for word in _WORD.findall(text.lower()):
        if word in _STOP or len(word) < 3:
            continue
        words.add(word[:-1] if word.endswith("s") and len(word) > 3 else word)
    return frozenset(words)


@dataclass(frozen=True)
class Hit:
    """A passage and how well it matches the question."""

    passage: Passage
    score: float


class Index:
    """The embedded keys of a set of passages."""

    def __init__(self, passages: Sequence[Passage], vectors: np.ndarray, owners: np.ndarray):
        self.passages = tuple(passages)
        self._vectors = vectors
        self._owners = owners
        self._words = [content_words(" ".join((p.rule, p.text, *p.asks))) for p in passages]

    def search(self, question: str, settings: KnowledgeSettings) -> list[Hit]:
        """The ``top_k`` passages for ``question``, best first (no threshold applied)."""
        if not self.passages or not question.strip():
            return []
        query = shared_embedder().embed([question])[0]
        key_scores = self._vectors @ query
        scores = np.full(len(self.passages), -1.0, dtype=np.float32)
        np.maximum.at(scores, self._owners, key_scores)
        if settings.lexical_weight > 0:
            asked = content_words(question)
            if asked:
                for i, words in enumerate(self._words):
                    scores[i] += settings.lexical_weight * len(asked & words) / len(asked)
        order = np.argsort(-scores, kind="stable")[: settings.top_k]
        return [Hit(self.passages[i], float(scores[i])) for i in order]


def _keys(passages: Sequence[Passage]) -> tuple[list[str], np.ndarray]:
    texts: list[str] = []
    owners: list[int] = []
    for i, passage in enumerate(passages):
        for key in (passage.cited, *passage.asks):
            texts.append(key)
            owners.append(i)
    return texts, np.array(owners, dtype=np.int64)


@cache
def build_index(passages: tuple[Passage, ...], directory: Path | None = None) -> Index:
    """The index of ``passages``, its vectors read from the disk cache when present.

    Args:
        passages: Policy and FAQ passages; the same tuple returns the same index.
        directory: The vector cache; defaults to :func:`cache_dir`.
    """
    texts, owners = _keys(passages)
    vectors = (
        cached_embeddings(texts, directory or cache_dir()) if texts else np.zeros((0, DIMENSIONS))
    )
    return Index(passages, vectors.astype(np.float32), owners)
