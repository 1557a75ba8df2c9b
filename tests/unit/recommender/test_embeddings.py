"""MiniLM product embeddings: similar products are close, and a catalogue is embedded once."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from recommender.embeddings import MiniLmEmbedder, cached_embeddings, shared_embedder

TEXTS = [
    "Alpine 2-Person Tent. tents. A light backpacking tent for two.",
    "Summit 3-Person Tent. tents. A roomy backpacking tent for three.",
    "Enamel Mug. kitchen. A classic enamel camp mug.",
]


class CountingEmbedder(MiniLmEmbedder):
    """The real embedder, counting how many texts it was asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.texts_embedded = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.texts_embedded += len(texts)
        return shared_embedder().embed(texts)


@pytest.fixture(scope="module")
def vectors() -> np.ndarray:
    return shared_embedder().embed(TEXTS)


def test_two_tents_are_closer_to_each_other_than_to_a_mug(vectors: np.ndarray) -> None:
    tents = float(vectors[0] @ vectors[1])
    tent_and_mug = float(vectors[0] @ vectors[2])
    assert tents > tent_and_mug + 0.2


def test_vectors_are_unit_length_with_minilm_dimensions(vectors: np.ndarray) -> None:
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_a_catalogue_is_embedded_once_and_then_read_from_the_cache(tmp_path: Path) -> None:
    embedder = CountingEmbedder()

    first = cached_embeddings(TEXTS, tmp_path, embedder)
    second = cached_embeddings(TEXTS, tmp_path, embedder)

    assert embedder.texts_embedded == len(TEXTS)
    assert np.array_equal(first, second)


def test_a_changed_catalogue_is_embedded_again(tmp_path: Path) -> None:
    embedder = CountingEmbedder()
    cached_embeddings(TEXTS, tmp_path, embedder)

    cached_embeddings([*TEXTS, "Camp Lantern. lighting. A bright lantern."], tmp_path, embedder)

    assert embedder.texts_embedded == 2 * len(TEXTS) + 1
