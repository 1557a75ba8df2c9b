"""Trained weights for the embedding rails, built once per change of the training data.

The weights are trained by the train module itself into ``~/.cache/aftercare/rails``, in a
folder named by the hash of everything training reads, so the tests never use a stale
``models/rails`` and a second run reuses them (and the cached embeddings) in seconds.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from guardrails.rails.config import DEFAULT_CONFIG, RailsConfig, parse_config
from guardrails.rails.injection.train import CACHE_DIR, data_key, train


@pytest.fixture(scope="session")
def weights() -> Path:
    out = CACHE_DIR / f"weights-{data_key()}"
    if not ((out / "injection.npz").exists() and (out / "topic.npz").exists()):
        train(out, CACHE_DIR, report=False)
    return out


@pytest.fixture(scope="session")
def shipped() -> RailsConfig:
    return parse_config(DEFAULT_CONFIG)


@pytest.fixture
def rails_file(tmp_path: Path, weights: Path) -> Path:
    """The shipped rails with the shipped thresholds, reading the freshly trained weights."""
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    text = text.replace("models/rails/", f"{weights}/")
    path = tmp_path / "rails.yml"
    path.write_text(text, encoding="utf-8")
    return path
