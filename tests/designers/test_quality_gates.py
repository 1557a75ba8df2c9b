"""The model's quality gates, as ``make gates`` runs them: a build below either gate fails.

Each held-out set of shopper messages must reach intent macro-F1 0.95, and every test story
must be predicted without an error (``scripts/nlu_gate.py``). ``make test`` runs the gates here,
inside pytest, so they share the two cores with the other tests instead of running before them
alone; one process loads the model once for all of them, as ``make gates`` does.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

MODEL = ROOT / "models" / "aftercare.tar.gz"
GATE = ROOT / "scripts" / "nlu_gate.py"
HELD_OUT = ("held_out.yml", "held_out_2.yml")

pytestmark = pytest.mark.designers


def test_each_held_out_set_reaches_the_gate_and_every_test_story_is_predicted(
    tmp_path: Path,
) -> None:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` first")
    done = subprocess.run(
        [sys.executable, str(GATE), "--model", str(MODEL), "--stories", "tests/stories",
         "--out", str(tmp_path / "nlu"), "--stories-out", str(tmp_path / "stories")],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    # a verdict for every set and for the stories: a gate that evaluated nothing cannot pass
    for name in HELD_OUT:
        verdict = rf"{re.escape(name)}: intent macro-F1 [\d.]+ \(accuracy [\d.]+\) gate 0\.95: PASS"
        assert re.search(verdict, output), output[-6000:]
        assert (tmp_path / "nlu" / Path(name).stem / "intent_report.json").is_file()
    assert "tests/stories: every story predicted: PASS" in output, output[-6000:]
