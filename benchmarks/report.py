"""One writer for docs/benchmarks.md: each benchmark owns a marked section of it.

Benchmarks run separately (``make bench`` runs them in turn), so each replaces only its own
section between ``<!-- name:start -->`` and ``<!-- name:end -->`` and keeps every other one.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from stack.settings import ROOT, stack_env

OUT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
HEADER = "# Benchmarks\n\nEach section below is rewritten by the benchmark that owns it.\n"


def write_section(name: str, lines: list[str], out: Path = OUT) -> None:
    """Replace benchmark ``name``'s section of ``out`` with ``lines``, or append it."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    section = "\n".join([start, *lines, end])
    text = out.read_text(encoding="utf-8") if out.exists() else HEADER
    if start in text and end in text:
        before, rest = text.split(start, 1)
        text = before + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    out.write_text(text, encoding="utf-8")


def child_result(module: str, *args: str) -> dict[str, Any]:
    """Run ``python -m module ARGS`` with the stack's settings; the JSON of its last line.

    A benchmark that measures in a fresh process (each variant installs its own speed-ups, or a
    load is timed from a cold start) prints its result there.
    """
    env = {**stack_env(), "LOG_LEVEL": "ERROR", "TF_CPP_MIN_LOG_LEVEL": "2"}
    out = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result
