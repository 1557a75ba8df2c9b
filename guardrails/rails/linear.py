"""What the embedding rails share: one MiniLM vector per message and a logistic model on it.

The injection and topic rails read the same (normalised, scrubbed) text, so its embedding is
computed once and kept in a small cache. Weights are plain numpy arrays written by
``python -m guardrails.rails.injection.train``; a missing file is logged once and the rail
refuses (fail closed): no model, no generative reply.

A weights file may also hold n-gram blocks (TF-IDF of character 2- to 5-grams and of words and
word pairs): MiniLM is an English model and blurs German words and an instruction tucked behind
a question, which n-grams such as "vergiss" or "say that" keep. Then the file is one logistic
regression over the embedding and the blocks side by side, each block a unit vector as sklearn
builds it. The vocabularies and IDFs are stored as arrays, not pickled, so loading a file runs
no code.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from recommender.embeddings import shared_embedder

logger = logging.getLogger("guardrails.rails")
ROOT = Path(__file__).resolve().parents[2]
_reported: set[Path] = set()
NGRAM_RANGE = (2, 5)
WORD_RANGE = (1, 2)


def ngram_vectorizer(vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    """Character 2- to 5-grams inside word boundaries, lower-cased, sublinear TF-IDF.

    Training fits it; the rail takes its analyzer, so both sides share one definition of a
    feature.
    """
    return TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=NGRAM_RANGE,
        lowercase=True,
        sublinear_tf=True,
        min_df=2,
        vocabulary=vocabulary,
        dtype=np.float32,
    )


def word_vectorizer(vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    """Words and word pairs, lower-cased, sublinear TF-IDF; one-letter words count too.

    Pairs keep the order of a command ("say that", "print the") that character n-grams
    inside word boundaries lose; "a" and "I" are kept because "say a" and "I want you" are
    attack wording.
    """
    return TfidfVectorizer(
        analyzer="word",
        ngram_range=WORD_RANGE,
        lowercase=True,
        sublinear_tf=True,
        token_pattern=r"(?u)\b\w+\b",
        vocabulary=vocabulary,
        dtype=np.float32,
    )


VECTORIZERS: dict[str, Callable[..., TfidfVectorizer]] = {
    "char": ngram_vectorizer,
    "word": word_vectorizer,
}
"""The n-gram blocks a weights file may hold, by the prefix of their arrays."""


def _sigmoid(logit: float) -> float:
    return float(1.0 / (1.0 + np.exp(-logit)))


@dataclass(frozen=True)
class NgramBlock:
    """One TF-IDF block of a fitted logistic regression: its vocabulary, IDF and weights.

    :meth:`logit` computes the vector as ``VECTORIZERS[kind]().transform`` would (sublinear
    counts times IDF, unit length) with one dictionary lookup per n-gram: a fraction of a
    millisecond for a short message, where sklearn's sparse machinery takes several.
    """

    kind: str
    vocabulary: dict[str, int]
    idf: np.ndarray
    coef: np.ndarray
    analyzer: Callable[[str], list[str]]

    @classmethod
    def build(
        cls, kind: str, vocabulary: dict[str, int], idf: np.ndarray, coef: np.ndarray
    ) -> NgramBlock:
        return cls(kind, vocabulary, idf, coef, VECTORIZERS[kind]().build_analyzer())

    def logit(self, text: str) -> float:
        """This block's share of the logit: its unit TF-IDF vector times its weights."""
        counts = Counter(
            index
            for gram in self.analyzer(text)
            if (index := self.vocabulary.get(gram)) is not None
        )
        if not counts:
            return 0.0
        columns = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
        weights = tf * self.idf[columns]
        return float(weights @ self.coef[columns]) / float(np.linalg.norm(weights))


@dataclass(frozen=True)
class LinearModel:
    """A fitted binary logistic regression: P(positive class | embedding[, n-gram blocks]).

    ``blocks``, when the file has them, are the n-gram parts of the same regression:
    :meth:`score` adds their shares to the embedding's.
    """

    coef: np.ndarray
    intercept: float
    blocks: tuple[NgramBlock, ...] = field(default=())

    def probability(self, vector: np.ndarray) -> float:
        """From the embedding alone (a model without blocks, such as the topic rail's)."""
        return _sigmoid(float(vector @ self.coef + self.intercept))

    def score(self, text: str) -> float:
        """P(positive) from the text's embedding and every n-gram block, as fitted together."""
        logit = float(embed(text) @ self.coef) + self.intercept
        return _sigmoid(logit + sum(block.logit(text) for block in self.blocks))


@lru_cache(maxsize=512)
def embed(text: str) -> np.ndarray:
    """The text's unit MiniLM vector; the last few are cached for the next rail."""
    vector: np.ndarray = shared_embedder().embed([text])[0]
    vector.setflags(write=False)
    return vector


def resolve(path: str) -> Path:
    """A weights path from the settings: relative paths start at the repository root."""
    candidate = Path(path)
    return candidate if candidate.is_absolute() else ROOT / candidate


def _blocks(data: np.lib.npyio.NpzFile) -> tuple[NgramBlock, ...]:
    return tuple(
        NgramBlock.build(
            kind,
            vocabulary={str(gram): i for i, gram in enumerate(data[f"{kind}_grams"])},
            idf=np.asarray(data[f"{kind}_idf"], dtype=np.float64),
            coef=np.asarray(data[f"{kind}_coef"], dtype=np.float32).reshape(-1),
        )
        for kind in VECTORIZERS
        if f"{kind}_grams" in data.files
    )


@lru_cache(maxsize=8)
def _load(path: Path, mtime_ns: int) -> LinearModel:
    with np.load(path) as data:
        return LinearModel(
            coef=np.asarray(data["coef"], dtype=np.float32).reshape(-1),
            intercept=float(np.asarray(data["intercept"]).reshape(-1)[0]),
            blocks=_blocks(data),
        )


def load_model(path: Path) -> LinearModel | None:
    """The weights at ``path`` (re-read when the file changes), or None when there are none."""
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        if path not in _reported:
            _reported.add(path)
            logger.error("rail weights %s are missing: run `make train`; refusing", path)
        return None
    return _load(path, mtime)
