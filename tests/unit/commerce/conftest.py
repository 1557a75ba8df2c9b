"""Fixtures for the commerce backend's unit tests: fresh SQLite stores per test.

The full demo store is generated once per session into a template file; each test that
reads it gets its own copy, so no test can see another's writes.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from commerce.db import Database
from commerce.seed import seed_store, seed_tau_bench

AS_OF = dt.date(2026, 11, 20)  # fixed so that no test depends on the calendar
SEED = 42
TAU_BENCH_DIR = Path(__file__).resolve().parents[3].parent / "shared/data/tau_bench_retail"


@pytest.fixture(scope="session")
def demo_store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("commerce-template") / "demo.db"
    seed_store(f"sqlite:///{path}", as_of=AS_OF, seed=SEED)
    return path


@pytest.fixture
def demo_store_url(demo_store_template: Path, tmp_path: Path) -> str:
    """A private copy of the full demo store."""
    path = tmp_path / "commerce.db"
    shutil.copyfile(demo_store_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def demo_db(demo_store_url: str) -> Iterator[Database]:
    database = Database(demo_store_url, max_workers=1)
    yield database
    database.close()


@pytest.fixture
def empty_db(tmp_path: Path) -> Iterator[Database]:
    """A store with every table and no rows."""
    database = Database(f"sqlite:///{tmp_path / 'empty.db'}", max_workers=1)
    database.create_schema()
    yield database
    database.close()


@pytest.fixture(scope="session")
def tau_store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """τ-bench's retail store, loaded once from ../shared/data (skipped when it is absent)."""
    if not (TAU_BENCH_DIR / "orders.json").is_file():
        pytest.skip(f"τ-bench data not found at {TAU_BENCH_DIR}")
    path = tmp_path_factory.mktemp("tau-template") / "tau.db"
    seed_tau_bench(f"sqlite:///{path}", data_dir=TAU_BENCH_DIR, as_of=AS_OF, seed=SEED)
    return path


@pytest.fixture
def tau_store_url(tau_store_template: Path, tmp_path: Path) -> str:
    """A private copy of τ-bench's store."""
    path = tmp_path / "tau.db"
    shutil.copyfile(tau_store_template, path)
    return f"sqlite:///{path}"
