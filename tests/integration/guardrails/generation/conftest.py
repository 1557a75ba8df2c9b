"""Fixtures: the output rails with a fact lock, and a scripted model server per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from guardrails.rails.config import CONFIG_ENV, load_config
from tests.fakes.llm import FakeLLM, serve


@pytest.fixture
def fact_lock_rails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Output rails of one rail, ``fact_lock``.

    The NLG's own duties (lock, prompt, budget, fallbacks) are tested here; the other output
    rails are tested with their own code.
    """
    rails = tmp_path / "rails.yml"
    rails.write_text("input: []\noutput: [fact_lock]\nsettings: {}\n", encoding="utf-8")
    monkeypatch.setenv(CONFIG_ENV, str(rails))
    load_config.cache_clear()
    yield rails
    load_config.cache_clear()


@pytest_asyncio.fixture
async def fake_llm() -> AsyncIterator[FakeLLM]:
    async with serve(FakeLLM()) as server:
        yield server
