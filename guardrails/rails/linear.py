"""What the embedding rails share: one MiniLM vector per message and a logistic model on it.

The injection and topic rails read the same (normalised, scrubbed) text, so its embedding is
computed once and kept in a small cache. Weights are plain numpy arrays written by
``python -m guardrails.rails.injection.train``; a missing file is logged once and the rail
refuses (fail closed): no model, no generative reply.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from recommender.embeddings import shared_embedder

logger = logging.getLogger("guardrails.rails")
ROOT = Path(__file__).resolve().parents[2]
_reported: set[Path] = set()


@dataclass(frozen=True)
class LinearModel:
    """A fitted binary logistic regression: P(positive class | embedding)."""

    coef: np.ndarray
    intercept: float

    def probability(self, vector: np.ndarray) -> float:
        logit = float(vector @ self.coef + self.intercept)
        return float(1.0 / (1.0 + np.exp(-logit)))


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


@lru_cache(maxsize=8)
def _load(path: Path, mtime_ns: int) -> LinearModel:
    with np.load(path) as data:
        return LinearModel(
            coef=np.asarray(data["coef"], dtype=np.float32).reshape(-1),
            intercept=float(np.asarray(data["intercept"]).reshape(-1)[0]),
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
