"""The code base stays a size a newcomer can read: no module over 500 lines."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import ROOT

MAX_LINES = 500
SKIPPED = {".venv", ".venv-llm", "node_modules", "var", "models", "results", ".git"}


def _modules() -> list[Path]:
    return [
        path
        for path in ROOT.rglob("*.py")
        if not SKIPPED.intersection(path.relative_to(ROOT).parts)
    ]


def test_no_module_is_over_500_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for path in _modules()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"split these along their seams: {long}"


def test_the_walk_sees_the_packages_and_the_tests() -> None:
    seen = {path.relative_to(ROOT).parts[0] for path in _modules()}
    assert {"actions", "commerce", "channels", "desk", "tests"} <= seen
