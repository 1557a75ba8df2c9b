"""The privacy walk on a stack of its own: PostgreSQL tracker store, SQL event broker, DEBUG.

The walk and its checks: tests/e2e/privacy_walk.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from stack.isolated import isolated_env
from stack.processes import Stack
from tests.conftest import seed_store
from tests.e2e.conftest import MODEL
from tests.e2e.privacy_walk import (
    Walk,
    every_question_was_asked_and_answered,
    nothing_typed_rests_in_any_sink,
    walk_everything,
)
from tests.postgres import fresh_database

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def walked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Walk]:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` first")
    tmp = tmp_path_factory.mktemp("pii-postgresql")
    store_url = f"sqlite:///{tmp / 'commerce.db'}"
    seed_store(store_url)
    run = f"aftercare_walk_{uuid.uuid4().hex[:8]}"
    with (
        fresh_database(run) as tracker_url,
        fresh_database(f"{run}_events") as broker_url,
    ):
        overrides = isolated_env(
            tmp,
            store_url,
            LOG_LEVEL="DEBUG",
            TRACKER_STORE_URL=tracker_url,
            EVENT_BROKER="sql",
            EVENT_BROKER_URL=broker_url,
        )
        with Stack(overrides=overrides, log_dir=tmp / "log", model=str(MODEL)) as stack:
            yield walk_everything(stack, store_url)


def test_every_question_of_every_form_was_asked_and_answered(walked: Walk) -> None:
    every_question_was_asked_and_answered(walked)


def test_nothing_typed_at_any_question_rests_in_any_sink(walked: Walk, tmp_path: Path) -> None:
    nothing_typed_rests_in_any_sink(walked, tmp_path)
