"""``make run``'s own command on PostgreSQL: one stack per lock, and nothing typed comes to rest.

``python -m stack run`` is started as ``make run`` starts it, with the PostgreSQL tracker
store, the SQL event broker and DEBUG logs. On that one stack: a second start refuses and
leaves it alone, the privacy walk plants personal data at every question of every form and
searches every sink for it (tests/e2e/privacy_walk.py; the SQLite and file broker walk runs on
the session's shared stack: tests/e2e/test_privacy_forms.py), and Ctrl+C stops it cleanly.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from stack.isolated import isolated_env
from stack.processes import healthy as healthy_at
from stack.settings import stack_env
from tests.conftest import ROOT, seed_store
from tests.e2e.conftest import MODEL, Chat, wait_until
from tests.e2e.privacy_walk import (
    Walk,
    every_question_was_asked_and_answered,
    nothing_typed_rests_in_any_sink,
    walk_everything,
)
from tests.postgres import fresh_database

pytestmark = pytest.mark.stack


@dataclass(frozen=True)
class MadeRun:
    """The stack ``python -m stack run`` started, seen from outside."""

    env: dict[str, str]
    log_dir: Path
    process: subprocess.Popen[bytes]
    out: Path
    store_url: str

    @property
    def rest_url(self) -> str:
        """The REST channel's webhook."""
        return f"http://127.0.0.1:{self.env['RASA_PORT']}/webhooks/rest/webhook"

    def output(self) -> str:
        """What the command printed so far (its terminal)."""
        return self.out.read_text(encoding="utf-8", errors="replace")


def healthy(env: dict[str, str]) -> bool:
    """Whether every server of the stack answers its health check."""
    urls = [
        f"http://127.0.0.1:{env['RASA_PORT']}/",
        f"http://127.0.0.1:{env['ACTION_PORT']}/health",
        f"http://127.0.0.1:{env['COMMERCE_PORT']}/health",
        f"http://127.0.0.1:{env['DESK_PORT']}/health",
    ]
    return all(healthy_at(url) for url in urls)


def start_again(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``python -m stack run`` once more, beside the running stack; what it said and returned."""
    return subprocess.run(
        [sys.executable, "-m", "stack", "run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def made_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MadeRun]:
    """``python -m stack run`` on PostgreSQL, up (every server healthy, the banner printed)."""
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` first")
    tmp = tmp_path_factory.mktemp("stack-run")
    store_url = f"sqlite:///{tmp / 'commerce.db'}"
    seed_store(store_url)
    run = f"aftercare_run_{uuid.uuid4().hex[:8]}"
    with (
        fresh_database(run) as tracker_url,
        fresh_database(f"{run}_events") as broker_url,
    ):
        # what the command reads: the defaults file, this environment, then the run's settings
        env = stack_env(
            isolated_env(
                tmp,
                store_url,
                STACK_LOCK_FILE=str(tmp / "stack.lock"),
                STACK_LOG_DIR=str(tmp / "log"),
                STACK_START_TIMEOUT_S="600",  # a busy machine: Rasa's model load can take minutes
                # debug logs quote every message: the walk checks they are scrubbed
                LOG_LEVEL="DEBUG",
                TRACKER_STORE_URL=tracker_url,
                EVENT_BROKER="sql",
                EVENT_BROKER_URL=broker_url,
            )
        )
        out = tmp / "run.out"
        with out.open("wb") as sink:
            process = subprocess.Popen(
                [sys.executable, "-m", "stack", "run"],
                cwd=ROOT,
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        made = MadeRun(env, tmp / "log", process, out, store_url)
        try:
            # up means what the operator sees: every server healthy and the banner printed
            # (until then a Ctrl+C aborts the start, exit 130, by design)
            wait_until(
                lambda: (healthy(env) and "Aftercare is running" in made.output())
                or process.poll() is not None,
                600,
                "the stack up",
            )
            assert process.poll() is None, made.output()
            yield made
        finally:
            if process.poll() is None:  # stop it the way Ctrl+C does, servers too
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=60)


@pytest.fixture(scope="module")
def walked(made_run: MadeRun) -> Walk:
    return walk_everything(made_run, made_run.store_url)


def test_every_question_of_every_form_was_asked_and_answered(walked: Walk) -> None:
    every_question_was_asked_and_answered(walked)


def test_nothing_typed_at_any_question_rests_in_any_sink(walked: Walk, tmp_path: Path) -> None:
    nothing_typed_rests_in_any_sink(walked, tmp_path)


def test_a_second_start_refuses_and_leaves_the_running_stack_alone_until_ctrl_c(
    made_run: MadeRun, walked: Walk
) -> None:
    """Last on this stack (it needs the walk done): after it, Ctrl+C stops every server."""
    env = made_run.env
    # the same stack again: the lock names the running one
    second = start_again(env)
    assert second.returncode != 0
    assert "Aftercare is already running" in second.stderr, second.stderr
    assert f"pid {made_run.process.pid}" in second.stderr
    assert f"http://127.0.0.1:{env['RASA_PORT']}/" in second.stderr
    # another lock file (e.g. another checkout), same ports: the ports give it away
    third = start_again({**env, "STACK_LOCK_FILE": str(made_run.log_dir.parent / "other.lock")})
    assert third.returncode != 0
    assert "Aftercare is already running" in third.stderr, third.stderr
    assert f"port {env['RASA_PORT']} (Rasa server) is in use" in third.stderr
    # the first one never noticed
    assert made_run.process.poll() is None and healthy(env)
    assert Chat(made_run.rest_url).say("hi")
    made_run.process.send_signal(signal.SIGINT)
    assert made_run.process.wait(timeout=60) == 0
    assert "stopped" not in made_run.output()
