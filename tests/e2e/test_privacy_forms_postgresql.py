"""The privacy walk on a stack of its own: PostgreSQL tracker store, SQL event broker, DEBUG.

The walk and its checks: tests/e2e/privacy_walk.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

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

pytestmark = pytest.mark.stack


def postgres_database(name: str) -> str:
    admin = sa.create_engine(
        "postgresql://root@127.0.0.1:5432/postgres",
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 3},
    )
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"postgresql://root@127.0.0.1:5432/{name}"


def drop_postgres_database(name: str) -> None:
    admin = sa.create_engine(
        "postgresql://root@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def walked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Walk]:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` first")
    tmp = tmp_path_factory.mktemp("pii-postgresql")
    store_url = f"sqlite:///{tmp / 'commerce.db'}"
    seed_store(store_url)
    run = f"aftercare_walk_{uuid.uuid4().hex[:8]}"
    try:
        tracker_url = postgres_database(run)
        broker_url = postgres_database(f"{run}_events")
    except sa.exc.SQLAlchemyError as exc:
        pytest.fail(f"PostgreSQL at 127.0.0.1:5432 is needed: {exc}", pytrace=False)
    overrides = isolated_env(
        tmp,
        store_url,
        LOG_LEVEL="DEBUG",
        TRACKER_STORE_URL=tracker_url,
        EVENT_BROKER="sql",
        EVENT_BROKER_URL=broker_url,
    )
    try:
        with Stack(overrides=overrides, log_dir=tmp / "log", model=str(MODEL)) as stack:
            yield walk_everything(stack, store_url)
    finally:
        for name in (run, f"{run}_events"):
            drop_postgres_database(name)


def test_every_question_of_every_form_was_asked_and_answered(walked: Walk) -> None:
    every_question_was_asked_and_answered(walked)


def test_nothing_typed_at_any_question_rests_in_any_sink(walked: Walk, tmp_path: Path) -> None:
    nothing_typed_rests_in_any_sink(walked, tmp_path)
