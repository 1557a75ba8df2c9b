"""Shared fixtures: the repository root, a freshly seeded commerce database, an embeddings cache."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from commerce.config import CommerceConfig
from stack import isolated

# Helper modules that assert for the tests (the privacy walk, the desk's, the manifests'): a
# failure there shows the compared values, as in a test module.
pytest.register_assert_rewrite("tests.e2e", "tests.unit", "tests.integration", "tests.fakes")

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-20"  # fixed so the seeded store, and every test on it, is the same each run


def read_yaml(path: Path) -> Any:
    """A YAML file as data, parsed by libyaml (PyYAML's C parser).

    For the modules that read the domain at import: every pytest worker imports every test
    module to collect it, and the pure-Python parser takes ten times as long on domain.yml.
    """
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # PyYAML built without libyaml
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)


os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
# The PII scrubber's keys, as the stack sets them from stack/defaults.env (local-only values).
for _key in ("AFTERCARE_PII_PSEUDONYM_KEY", "AFTERCARE_TRACKER_KEY", "AFTERCARE_PRIVACY_TOKEN"):
    for _line in (ROOT / "stack" / "defaults.env").read_text(encoding="utf-8").splitlines():
        if _line.startswith(f"{_key}="):
            os.environ.setdefault(_key, _line.partition("=")[2].strip())


def seed_store(db_url: str) -> list[dict[str, str]]:
    """Build the demo store in ``db_url`` and return its sample orders (one per line)."""
    isolated.seed_store(db_url, "--as-of", AS_OF)
    return isolated.demo_orders(db_url)


@pytest.fixture(scope="session")
def seeded_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[dict[str, str]]]:
    """A demo store built once per test session (read-only tests share it)."""
    db_url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'commerce.db'}"
    return db_url, seed_store(db_url)


@pytest.fixture(scope="session")
def embeddings_cache() -> Path:
    """The cache of catalogue embeddings the stacks' backends use too (``var/cache``).

    Embedding the demo catalogue takes about 2.5 s of CPU and every seeded store holds the same
    catalogue, so it is embedded once per checkout rather than once per pytest worker. The
    backend keys its cache by the product texts: a test that changed them would compute its
    own embeddings, never read another catalogue's.
    """
    return ROOT / CommerceConfig().cache_dir


SHARED_STACK_GROUP = "shared-stack"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Which test files run on one pytest worker (``make pytest`` runs ``--dist loadgroup``).

    Every file with a test that talks to the session's end-to-end stack (the ``stack``
    fixture, asked for directly or through another fixture) runs on one worker, so that stack
    starts once per run, not once per worker: a start is about 17 s of CPU
    (docs/performance.md, "Twentieth step"). Every other file runs on one worker of its own
    choosing, as ``--dist loadfile`` had it. A file is never split, so its own module-scoped
    stack or browser starts once. A file that reaches the stack only through
    ``request.getfixturevalue`` is not seen here: it would start a second stack. The files are
    then put in the order the workers take them (:func:`_queue_places`). (Runs before xdist's
    hook, which reads the groups, and adds ``@group`` to each node id.)
    """
    with_stack = {_file(item) for item in items if "stack" in getattr(item, "fixturenames", ())}
    for item in items:
        file = _file(item)
        item.add_marker(pytest.mark.xdist_group(SHARED_STACK_GROUP if file in with_stack else file))
    place = _queue_places(list(dict.fromkeys(_file(item) for item in items)), with_stack)
    items.sort(key=lambda item: place[_file(item)])


def _queue_places(files: list[str], with_stack: set[str]) -> dict[str, tuple[int, float]]:
    """Each file's place in the workers' queue: its rank, then where it falls among its kind.

    The integration files start servers (the backend, Redis, RabbitMQ) and wait for them; the
    unit files keep a core busy. Inside a rank each folder's files are spread evenly over the
    rank, in their collection order, so that the two kinds alternate and a worker waiting on a
    server sits beside one that computes, rather than both waiting through the integration
    files together.
    """
    kinds: dict[tuple[int, str], list[str]] = {}
    for file in files:
        kinds.setdefault((_start_rank(file, with_stack), file.split("/")[1]), []).append(file)
    return {
        file: (rank, n / len(kind))
        for (rank, _), kind in kinds.items()
        for n, file in enumerate(kind)
    }


def _start_rank(file: str, with_stack: set[str]) -> int:
    """Where a file's group stands in the workers' queue: the long ones first.

    ``make pytest`` hands the groups out in collection order (``--no-loadscope-reorder``;
    xdist's own order is by number of tests, which put the designers' commands and production
    mode's stack, six and three tests but over a minute per file, near the end, where they ran
    at the same time, one on each worker). First the shared stack, then the designers' commands,
    then the end-to-end files that start stacks of their own, then the rest: the short groups
    fill the end, and the waiting of the end-to-end files meets the CPU-bound commands and unit
    tests beside them (docs/performance.md, "Thirty-seventh step").
    """
    if file in with_stack:
        return 0
    for rank, folder in enumerate(("tests/designers/", "tests/e2e/"), start=1):
        if file.startswith(folder):
            return rank
    return 3


def _file(item: pytest.Item) -> str:
    """The test's file, as its node id names it."""
    return item.nodeid.split("::", 1)[0]
