"""The supervisor: a crashed server comes back with backoff; one stopped on purpose does not."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from stack.isolated import free_port
from stack.processes import Backoff, Service, Stack, describe_exit
from tests.rasa_cli import parse_rasa_run

# A server that answers 200 on / until the file named in argv[2] exists; then, started again,
# it exits with code 3 at once (a server that cannot come back).
FLAKY_SERVER = """
import http.server, os, sys
if os.path.exists(sys.argv[2]):
    sys.exit(3)
http.server.test(HandlerClass=http.server.SimpleHTTPRequestHandler, port=int(sys.argv[1]),
                 bind="127.0.0.1")
"""


def wait_until(check: Callable[[], bool], timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def supervised(tmp_path: Path) -> Iterator[tuple[Stack, Service, list[str]]]:
    """A stack of one small HTTP server, restarted quickly."""
    port = free_port()
    service = Service(
        "tiny server",
        [sys.executable, "-c", FLAKY_SERVER, str(port), str(tmp_path / "broken")],
        f"http://127.0.0.1:{port}/",
        tmp_path / "tiny.log",
    )
    lines: list[str] = []
    stack = Stack(
        log_dir=tmp_path,
        backoff=Backoff(first_s=0.1, max_s=0.4, stable_s=60, max_crashes=3),
        report=lines.append,
    )
    stack.services = [service]
    stack.start(timeout_s=30)
    yield stack, service, lines
    stack.stop()


@pytest.mark.parametrize(
    ("crashes", "delay"), [(1, 1.0), (2, 2.0), (3, 4.0), (5, 16.0), (6, 30.0), (12, 30.0)]
)
def test_restart_pause_doubles_up_to_its_cap(crashes: int, delay: float) -> None:
    assert Backoff().delay(crashes) == delay


@pytest.mark.parametrize(
    ("returncode", "said"),
    [(-9, "killed by SIGKILL"), (-15, "killed by SIGTERM"), (3, "exit code 3"), (0, "exit code 0")],
)
def test_exit_is_described_by_code_or_signal(returncode: int, said: str) -> None:
    assert describe_exit(returncode) == said


def test_when_a_server_is_killed_then_it_is_restarted_and_the_restart_is_logged(
    supervised: tuple[Stack, Service, list[str]],
) -> None:
    _, service, lines = supervised
    assert service.process is not None
    old_pid = service.process.pid
    os.kill(old_pid, signal.SIGKILL)
    wait_until(lambda: service.restarts == 1 and service.is_healthy())
    assert service.process.pid != old_pid
    assert any("tiny server stopped (killed by SIGKILL); restarting in 0.1 s" in x for x in lines)
    log = service.log_path.read_text(encoding="utf-8")
    assert "[supervisor] tiny server stopped (killed by SIGKILL)" in log
    assert f"[supervisor] tiny server restarted (pid {service.process.pid})" in log


def test_when_a_server_is_stopped_on_purpose_then_it_stays_stopped(
    supervised: tuple[Stack, Service, list[str]],
) -> None:
    _, service, lines = supervised
    service.stop()
    time.sleep(0.6)
    assert service.restarts == 0 and not service.is_healthy()
    assert lines == []
    service.start({**os.environ})
    wait_until(service.is_healthy)


def test_when_a_server_keeps_crashing_then_the_supervisor_gives_up_and_says_so(
    supervised: tuple[Stack, Service, list[str]], tmp_path: Path
) -> None:
    _, service, lines = supervised
    (tmp_path / "broken").touch()
    assert service.process is not None
    os.kill(service.process.pid, signal.SIGKILL)
    wait_until(lambda: service.gave_up)
    assert service.restarts == 3
    assert [x.split(";")[0] for x in lines if "restarting in" in x] == [
        "tiny server stopped (killed by SIGKILL)",
        "tiny server stopped (exit code 3)",
        "tiny server stopped (exit code 3)",
    ]
    assert "giving up on it" in lines[-1] and "the other servers keep running" in lines[-1]
    time.sleep(0.5)
    assert service.restarts == 3  # no restart after giving up


def test_a_server_with_its_own_environment_gets_it_and_the_others_keep_the_stacks(
    tmp_path: Path,
) -> None:
    printed = "import os; print(os.environ.get('SERVER_OWN', 'unset'), flush=True)"
    own = Service(
        "own", [sys.executable, "-c", printed], "http://127.0.0.1:1/", tmp_path / "own.log",
        environment=lambda env: {**env, "SERVER_OWN": "yes"},
    )  # fmt: skip
    plain = Service(
        "plain", [sys.executable, "-c", printed], "http://127.0.0.1:1/", tmp_path / "plain.log"
    )
    for service in (own, plain):
        service.start(dict(os.environ))
        assert service.process is not None and service.process.wait(timeout=30) == 0
    assert (tmp_path / "own.log").read_text().strip() == "yes"
    assert (tmp_path / "plain.log").read_text().strip() == "unset"


def test_make_runs_rasa_server_takes_an_auth_token_that_begins_with_a_dash(tmp_path: Path) -> None:
    """A random token begins with "-" one time in 64: Rasa's parser must not read an option."""
    stack = Stack(overrides={"RASA_AUTH_TOKEN": "-Xy_1"}, log_dir=tmp_path)
    parsed = parse_rasa_run(stack.service("rasa server").command)
    assert parsed.auth_token == "-Xy_1"
