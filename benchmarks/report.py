"""One writer for docs/benchmarks.md: each benchmark owns a marked section of it.

Benchmarks run separately (``make bench`` runs them in turn), so each replaces only its own
section between ``<!-- name:start -->`` and ``<!-- name:end -->`` and keeps every other one.
"""

from __future__ import annotations

from pathlib import Path

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
