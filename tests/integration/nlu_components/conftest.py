"""The trained model as Rasa loads it, once per pytest worker for every module that reads it."""

from __future__ import annotations

import pytest
from rasa.core.agent import Agent

from tests.integration.nlu_components.story_steps import MODEL


@pytest.fixture(scope="session")
def rasa_agent() -> Agent:
    """``models/aftercare.tar.gz`` loaded with Rasa's graph runner and Rasa's own methods.

    Loading it is 2-3 s of CPU; the modules here only parse and predict with it. A module that
    patches how a model loads (TED on demand, Rasa's TED, the sequential runner) loads its own.
    """
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` first")
    return Agent.load(str(MODEL))
