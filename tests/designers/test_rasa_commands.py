"""A designer's first commands, typed in the project root with nothing else set up.

Each runs the virtualenv's own ``rasa`` with no ``RASA_*`` variable in its environment: what
the commands need (telemetry off, the training cache outside the project, the stack's local
defaults for ``endpoints.yml``) must come from the virtualenv itself. Only ``--out`` (so the
checkout's ``results/`` is left alone) and, for the servers, free ports are added; every other
path Rasa searches is its default. ``rasa test nlu`` also gets ``--no-plot``: ``rasa test``
draws the same plots (the intent and entity confusion matrices, the confidence histogram),
headless, and drawing them was a quarter of that command's CPU (docs/performance.md,
"Twenty-third step").

The three ``rasa test`` commands are also ``make test``'s quality gates, as ``make nlu-gate``
and ``make stories-test`` state them: intent macro-F1 of at least ``GATE`` on each held-out
set (``rasa test nlu`` scores the first, ``rasa test`` the second, in place of the training
messages it scores by default), and every test story predicted (``rasa test core``). A
separate gate process evaluated the same sets with the same model again (docs/performance.md,
"Thirty-fifth step").
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from rasa.shared.nlu.training_data.loading import load_data

from guardrails.rasa_commands import SIGNAL_EXTRACTORS
from stack.isolated import free_port
from tests.conftest import ROOT
from tests.designers.terminal import Terminal
from tests.script_modules import module_from_file

RASA = str(ROOT / ".venv" / "bin" / "rasa")
MODEL = ROOT / "models" / "aftercare.tar.gz"
# The bot's greeting, whichever variant it picks (domain.yml, utter_greet).
GREETING = r"(Hi! I'm the after-sales assistant|Hello! Need an update on an order)"

pytestmark = pytest.mark.designers

# The NLU gate's own held-out sets, gate and score (``make nlu-gate``).
GATE_SCRIPT = module_from_file(ROOT / "scripts" / "nlu_gate.py")
HELD_OUT, HELD_OUT_2 = GATE_SCRIPT.HELD_OUT


def passes_the_gate(intent_report: Path) -> None:
    """Intent macro-F1 at the gate or above; the per-intent table is printed for a failure.

    The gate and the score are ``scripts/nlu_gate.py``'s own (``GATE``, ``macro_f1``).
    """
    macro = GATE_SCRIPT.macro_f1(json.loads(intent_report.read_text(encoding="utf-8")))
    gate = GATE_SCRIPT.GATE
    assert macro >= gate, f"intent macro-F1 {macro:.3f} below the gate {gate}"


@pytest.fixture(scope="module", autouse=True)
def trained_model() -> None:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` first")


def designer_shell(scratch: Path) -> dict[str, str]:
    """The designer's shell: nothing Rasa-specific set, conversations kept in a scratch file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RASA_")}
    env["TRACKER_STORE_URL"] = f"sqlite:///{scratch / 'tracker.db'}"
    return env


@pytest.fixture
def designer_env(tmp_path: Path) -> dict[str, str]:
    return designer_shell(tmp_path)


def rasa(*args: str, env: dict[str, str], timeout_s: float = 900) -> str:
    """Run ``rasa ARGS`` from the project root; fail with its output if it fails."""
    done = subprocess.run(
        [RASA, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    assert "Traceback" not in output, output[-4000:]
    return output


def test_rasa_test_reads_the_test_stories_and_the_second_held_out_set_passes_the_gate(
    tmp_path: Path, designer_env: dict[str, str]
) -> None:
    rasa("test", "--nlu", str(HELD_OUT_2), "--out", str(tmp_path), env=designer_env)
    expected = sum(
        len(yaml.safe_load(p.read_text(encoding="utf-8"))["stories"])
        for p in (ROOT / "tests" / "stories").glob("test_*.yml")
    )
    report = json.loads((tmp_path / "story_report.json").read_text(encoding="utf-8"))
    # exactly the project's test stories: none from the virtualenv, the cache or node_modules
    assert report["conversation_accuracy"]["total"] == expected
    passes_the_gate(tmp_path / "intent_report.json")
    # the plots, drawn with no screen (the held-out test below skips them)
    plots = {
        "intent_confusion_matrix.png", "intent_histogram.png", "story_confusion_matrix.png",
        "QuickLoadCRFEntityExtractor_confusion_matrix.png",
    }  # fmt: skip
    written = {path.name for path in tmp_path.iterdir()}
    assert plots <= written
    # the entities scored are the annotated ones' extractors, not the dialogue's signals
    assert "RegexEntityExtractor_report.json" in written
    assert not [name for name in written if name.startswith(tuple(SIGNAL_EXTRACTORS))]


def test_rasa_test_nlu_on_the_first_held_out_set_passes_the_gate(
    tmp_path: Path, designer_env: dict[str, str]
) -> None:
    """As the README shows it."""
    rasa(
        "test", "nlu", "--nlu", str(HELD_OUT), "--out", str(tmp_path), "--no-plot",
        env=designer_env,
    )  # fmt: skip
    report = json.loads((tmp_path / "intent_report.json").read_text(encoding="utf-8"))
    assert report["weighted avg"]["support"] == len(load_data(str(HELD_OUT)).intent_examples)
    passes_the_gate(tmp_path / "intent_report.json")


def test_rasa_test_core_predicts_every_test_story(
    tmp_path: Path, designer_env: dict[str, str]
) -> None:
    """``make stories-test``: a story with one wrong prediction fails the command."""
    stories = ROOT / "tests" / "stories"
    rasa(
        "test", "core", "--stories", str(stories), "--fail-on-prediction-errors",
        "--out", str(tmp_path),
        env=designer_env,
    )  # fmt: skip
    report = json.loads((tmp_path / "story_report.json").read_text(encoding="utf-8"))
    assert report["conversation_accuracy"]["correct"] == report["conversation_accuracy"]["total"]


def test_rasa_data_validate_passes_without_a_warning(designer_env: dict[str, str]) -> None:
    rasa("data", "validate", "--fail-on-warnings", env=designer_env)


@pytest.fixture(scope="module")
def action_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``rasa run actions`` as a designer starts it (free port), once for shell and interactive.

    The action server keeps no conversation of its own: each command's conversations stay in
    its own scratch tracker store.
    """
    port = free_port()
    env = designer_shell(tmp_path_factory.mktemp("actions"))
    server = Terminal([RASA, "run", "actions", "--port", str(port)], ROOT, env)
    try:
        server.expect(r"Action endpoint is up and running", timeout_s=300)
        yield f"http://127.0.0.1:{port}/webhook"
    finally:
        server.close()


@pytest.fixture
def action_server(designer_env: dict[str, str], action_endpoint: str) -> dict[str, str]:
    """The designer's shell with the action server running next to it."""
    return designer_env | {"ACTION_ENDPOINT_URL": action_endpoint}


def test_rasa_shell_answers_and_stops(action_server: dict[str, str]) -> None:
    shell = Terminal([RASA, "shell", "--port", str(free_port())], ROOT, action_server)
    try:
        shell.expect(r"Your input ->", timeout_s=600)
        mark = len(shell.screen)
        shell.send("hello\r")
        shell.expect(GREETING, timeout_s=120, start=mark)
        shell.expect(r"Your input ->", timeout_s=60, start=mark)
        shell.send("/stop\r")
        assert shell.wait(timeout_s=120) == 0, shell.tail()
    finally:
        shell.close()


def test_rasa_interactive_learns_one_turn_and_exports_it(
    tmp_path: Path, action_server: dict[str, str]
) -> None:
    # With the trained model: a bare `rasa interactive` would first train one (minutes).
    # --skip-visualization: the story graph server would need the fixed port 5006.
    command = [RASA, "interactive", "--model", str(MODEL), "--skip-visualization"]
    command += ["--port", str(free_port())]
    learn = Terminal(command, ROOT, action_server)
    down, clear = "\x1b[B", "\x15"
    try:
        learn.expect(r"Your input ->", timeout_s=600)
        mark = len(learn.screen)
        learn.send("hello\r")
        learn.expect(r"classified 'hello' with intent 'greet'", timeout_s=120, start=mark)
        learn.send("y")
        learn.expect(r"The bot wants to run 'utter_greet', correct\?", timeout_s=120, start=mark)
        learn.send("y")
        learn.expect(r"The bot wants to run 'action_listen', correct\?", timeout_s=120, start=mark)
        learn.send("y")
        mark = len(learn.screen)
        learn.expect(r"Your input ->", timeout_s=120, start=mark)
        learn.send("\x03")  # Ctrl-C: the menu to stop
        learn.expect(r"Do you want to stop\?", timeout_s=60, start=mark)
        learn.send(down * 4 + "\r")  # Export & Quit
        for name in ("stories", "nlu", "domain"):
            learn.expect(rf"Export {'NLU data' if name == 'nlu' else name}", 60, start=mark)
            learn.send(f"{clear}{tmp_path / name}.yml\r")
        assert learn.wait(timeout_s=120) == 0, learn.tail()
    finally:
        learn.close()
    stories = yaml.safe_load((tmp_path / "stories.yml").read_text(encoding="utf-8"))
    steps = stories["stories"][0]["steps"]
    assert {"intent": "greet", "user": "hello"} in steps or {"intent": "greet"} in steps
    assert {"action": "utter_greet"} in steps
