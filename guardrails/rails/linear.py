"""What the embedding rails share: one MiniLM vector per message and a logistic model on it.

The injection and topic rails read the same (normalised, scrubbed) text, so its embedding is
computed once and kept in a small cache. Weights are plain numpy arrays written by
``python -m guardrails.rails.injection.train``; a missing file is logged once and the rail
refuses (fail closed): no model, no generative reply.

A weights file may also hold a second logistic model on character n-grams (TF-IDF): MiniLM is
an English model and blurs German words and an instruction tucked behind a question, which
n-grams such as "vergiss" or "say that" keep. The vocabulary and IDF are stored as arrays, not
pickled, so loading a file runs no code.
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


def _sigmoid(logit: float) -> float:
    return float(1.0 / (1.0 + np.exp(-logit)))


@dataclass(frozen=True)
class NgramModel:
    """A fitted binary logistic regression on a text's character n-gram TF-IDF vector.

    :meth:`probability` computes the vector as ``ngram_vectorizer().transform`` would
    (sublinear counts times IDF, unit length) with one dictionary lookup per n-gram: a fraction
    of a millisecond for a short message, where sklearn's sparse machinery takes several.
    """

    vocabulary: dict[str, int]
    idf: np.ndarray
    coef: np.ndarray
    intercept: float
    analyzer: Callable[[str], list[str]] = field(
        default_factory=lambda: ngram_vectorizer().build_analyzer()
    )

    def probability(self, text: str) -> float:
        counts = Counter(
            index
            for gram in self.analyzer(text)
            if (index := self.vocabulary.get(gram)) is not None
        )
        if not counts:
            return _sigmoid(self.intercept)
        columns = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
        weights = tf * self.idf[columns]
        logit = float(weights @ self.coef[columns]) / float(np.linalg.norm(weights))
        return _sigmoid(logit + self.intercept)


@dataclass(frozen=True)
class LinearModel:
    """A fitted binary logistic regression: P(positive class | embedding).

    ``ngrams``, when the file has one, is a second model on the text itself; :meth:`blend`
    averages the two probabilities.
    """

    coef: np.ndarray
    intercept: float
    ngrams: NgramModel | None = None

    def probability(self, vector: np.ndarray) -> float:
        return _sigmoid(float(vector @ self.coef + self.intercept))

    def blend(self, text: str) -> float:
        """Mean of the embedding model's and the n-gram model's probabilities for ``text``."""
        if self.ngrams is None:
            raise ValueError("these weights have no n-gram model")
        return (self.probability(embed(text)) + self.ngrams.probability(text)) / 2


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


def _ngram_model(data: np.lib.npyio.NpzFile) -> NgramModel | None:
    if "ngrams" not in data.files:
        return None
    return NgramModel(
        vocabulary={str(gram): i for i, gram in enumerate(data["ngrams"])},
        idf=np.asarray(data["ngram_idf"], dtype=np.float64),
        coef=np.asarray(data["ngram_coef"], dtype=np.float32).reshape(-1),
        intercept=float(np.asarray(data["ngram_intercept"]).reshape(-1)[0]),
    )


@lru_cache(maxsize=8)
def _load(path: Path, mtime_ns: int) -> LinearModel:
    with np.load(path) as data:
        return LinearModel(
            coef=np.asarray(data["coef"], dtype=np.float32).reshape(-1),
            intercept=float(np.asarray(data["intercept"]).reshape(-1)[0]),
            ngrams=_ngram_model(data),
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
