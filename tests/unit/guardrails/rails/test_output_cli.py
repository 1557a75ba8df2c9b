"""``python -m guardrails.rails check-output`` runs the configured output rails end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
SOURCE = "Order AC-123456 was delivered on Friday, March 6 by UPS (tracking 1Z999AA10123456784)."


def _check_output(candidate: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-m", "guardrails.rails", "check-output", "--source", SOURCE, candidate],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_when_the_cli_checks_a_faithful_and_a_mutated_rephrase_then_only_one_passes() -> None:
    faithful = _check_output(
        "UPS delivered order AC-123456 on Friday, March 6 (tracking 1Z999AA10123456784)."
    )
    mutated = _check_output(
        "UPS delivered order AC-123456 on Friday, March 7 (tracking 1Z999AA10123456784)."
    )
    assert faithful["allowed"] is True
    assert faithful["rail"] is None
    assert mutated["allowed"] is False
    assert mutated["rail"] == "fact_lock"
