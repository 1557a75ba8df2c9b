"""The servers of the stack as child processes: health checks, restarts and clean shutdown.

Once every server is up, a supervisor thread watches them: a server that exits without being
asked to is started again after a pause that doubles with each crash in a row (1 s, 2 s, 4 s …
30 s at most). A server that then stays healthy for a minute starts again from 1 s; after ten
crashes in a row without such a minute the supervisor gives up on it and says so. The other
servers are never touched: one crash must not stop the stack.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from guardrails.generation.settings import GenerationSettingsError, generation_settings
from guardrails.rasa_defaults import TELEMETRY_ENV
from stack.llm import ModelServerMissing, local_port, server_command, server_env
from stack.settings import ROOT, point_at_each_other, stack_env

VENV_BIN = Path(sys.executable).parent
# Every server runs with its log records scrubbed of personal values (guardrails/logs.py).
LAUNCH = (str(VENV_BIN / "python"), "-m", "guardrails.launch")
# The action server: rasa_sdk itself, which `rasa run actions` only hands its arguments to
# (guardrails/launch.py); production mode's programs and the actions image start the same.
ACTION_SERVER = ("rasa_sdk", "--actions", "actions")


def say(line: str) -> None:
    """The supervisor's voice on the terminal of ``make run``."""
    print(f"{time.strftime('%H:%M:%S')} {line}", flush=True)


def describe_exit(returncode: int) -> str:
    """``exit code 3`` or ``killed by SIGKILL`` from a ``Popen.returncode``."""
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


@dataclass(frozen=True)
class Backoff:
    """How the supervisor restarts a crashed server (docs/operations.md)."""

    first_s: float = 1.0
    factor: float = 2.0
    max_s: float = 30.0
    # healthy this long after a restart: the next crash waits ``first_s`` again
    stable_s: float = 60.0
    # this many crashes in a row, none followed by ``stable_s`` of health: give up on the server
    max_crashes: int = 10

    def delay(self, crashes: int) -> float:
        """The pause before the restart that follows the ``crashes``-th crash in a row."""
        return float(min(self.max_s, self.first_s * self.factor ** max(0, crashes - 1)))


def stop_process_group(process: subprocess.Popen[Any], grace_s: float) -> None:
    """SIGTERM to the process's whole group, SIGKILL after ``grace_s``; gone already is fine."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
    except ProcessLookupError:
        pass


def healthy(url: str) -> bool:
    """True when ``url`` answers 200 within two seconds.

    Anything else is "not yet", including a reply that is no HTTP at all: a port in the
    ephemeral range that nothing listens on yet can connect to itself and echo the request
    back (``BadStatusLine``), which once stopped production mode's start half-way.
    """
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, http.client.HTTPException):
        return False


@dataclass
class Service:
    """One server: how to start it, how to tell it is ready, and its crash record."""

    name: str
    command: list[str]
    health_url: str
    log_path: Path
    # builds this server's environment from the stack's (only the model server has one)
    environment: Callable[[dict[str, str]], dict[str, str]] | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)
    # False once stopped on purpose: the supervisor restarts only servers that should run.
    wanted: bool = field(default=False, init=False)
    restarts: int = field(default=0, init=False)
    crashes_in_a_row: int = field(default=0, init=False)
    gave_up: bool = field(default=False, init=False)
    restart_at: float | None = field(default=None, init=False)
    started_at: float = field(default=0.0, init=False)
    healthy_since: float | None = field(default=None, init=False)
    lock: threading.RLock = field(default_factory=threading.RLock, init=False, repr=False)

    def start(self, env: dict[str, str]) -> None:
        """Start the process in its own process group, logging to a file."""
        with self.lock:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            with self.log_path.open("ab") as log:
                self.process = subprocess.Popen(
                    self.command,
                    cwd=ROOT,
                    env=self.environment(env) if self.environment else env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            self.wanted = True
            self.gave_up = False
            self.restart_at = None
            self.started_at = time.monotonic()
            self.healthy_since = None

    def note(self, line: str) -> None:
        """Append a supervisor line to the server's own log."""
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        with self.log_path.open("a", encoding="utf-8") as log:
            log.write(f"{stamp} [supervisor] {line}\n")

    def is_healthy(self) -> bool:
        """True once the health URL answers 200."""
        return healthy(self.health_url)

    def stop(self) -> None:
        """Stop the whole process group: SIGTERM, then SIGKILL after 10 s. No restart follows."""
        with self.lock:
            self.wanted = False
            self.restart_at = None
            if self.process is None or self.process.poll() is not None:
                return
            stop_process_group(self.process, grace_s=10)

    def reap_group(self) -> None:
        """Kill what is left of a crashed server's process group (children holding ports)."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)


class StackError(RuntimeError):
    """A server did not come up."""


@dataclass
class Stack:
    """Backend, agent desk, action server and Rasa server, configured from :func:`stack_env`.

    With generation on and ``LLM_BASE_URL`` on this machine, the embedded model server too
    (:mod:`stack.llm`), started first and stopped last.
    """

    overrides: dict[str, str] = field(default_factory=dict)
    log_dir: Path = ROOT / "var" / "log"
    model: str = "models"
    backoff: Backoff = field(default_factory=Backoff)
    # where supervisor lines go besides each server's log (``make run``: the terminal)
    report: Callable[[str], None] = say
    services: list[Service] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self.env = stack_env(self.overrides)
        e = self.env
        e[TELEMETRY_ENV] = "false"  # nothing goes to Rasa's analytics or Sentry, whatever is set
        point_at_each_other(e, f"http://127.0.0.1:{e['RASA_PORT']}")
        desk_url = f"http://127.0.0.1:{e['DESK_PORT']}"
        proactive_url = f"http://127.0.0.1:{e['PROACTIVE_PORT']}"
        self.services = [
            Service(
                "commerce backend",
                [*LAUNCH, "commerce"],
                f"http://127.0.0.1:{e['COMMERCE_PORT']}/health",
                self.log_dir / "commerce.log",
            ),
            Service(
                "agent desk",
                [*LAUNCH, "desk"],
                f"{desk_url}/health",
                self.log_dir / "desk.log",
            ),
            Service(
                "proactive messages",
                [*LAUNCH, "proactive"],
                f"{proactive_url}/health",
                self.log_dir / "proactive.log",
            ),
            Service(
                "action server",
                [*LAUNCH, *ACTION_SERVER, "--port", e["ACTION_PORT"]],
                f"http://127.0.0.1:{e['ACTION_PORT']}/health",
                self.log_dir / "actions.log",
            ),
            Service(
                "rasa server",
                [
                    *LAUNCH,
                    "rasa",
                    "run",
                    "--enable-api",
                    # one argument: a token may begin with "-", which would read as an option
                    f"--auth-token={e['RASA_AUTH_TOKEN']}",
                    "--port",
                    e["RASA_PORT"],
                    "--model",
                    self.model,
                    "--endpoints",
                    "endpoints.yml",
                    "--credentials",
                    "credentials.yml",
                    f"--cors={e.get('RASA_CORS', 'http://localhost')}",
                    "--log-file",
                    str(self.log_dir / "rasa-debug.log"),
                ],
                # ready: the model is loaded and has parsed a message (channels/rest.py)
                f"http://127.0.0.1:{e['RASA_PORT']}/webhooks/rest/ready",
                self.log_dir / "rasa.log",
            ),
        ]
        self.model_error: str | None = None
        try:
            port = local_port(e)
            if port is not None:
                self.services.insert(0, self._model_server(port))
        except (GenerationSettingsError, ModelServerMissing) as exc:
            self.model_error = str(exc)

    def _model_server(self, port: int) -> Service:
        settings = generation_settings(self.env)
        assert settings.base_url is not None
        return Service(
            "model server",
            server_command(port, settings.model),
            f"{settings.base_url}/models",
            self.log_dir / "llm.log",
            environment=server_env,
        )

    @property
    def rest_url(self) -> str:
        """The REST channel's webhook."""
        return f"http://127.0.0.1:{self.env['RASA_PORT']}/webhooks/rest/webhook"

    def start(self, timeout_s: float = 180.0) -> None:
        """Start every server and wait until all answer their health check.

        Raises:
            StackError: A server did not come up, or generation is misconfigured (nothing is
                started then).
        """
        if self.model_error:
            raise StackError(self.model_error)
        for service in self.services:
            service.start(self.env)
        deadline = time.monotonic() + timeout_s
        pending = list(self.services)
        while pending:
            for service in list(pending):
                if service.process is not None and service.process.poll() is not None:
                    self.stop()
                    raise StackError(f"{service.name} exited; see {service.log_path}")
                if service.is_healthy():
                    pending.remove(service)
            if pending and time.monotonic() > deadline:
                self.stop()
                names = ", ".join(s.name for s in pending)
                raise StackError(f"not ready after {timeout_s:.0f}s: {names}")
            time.sleep(0.5)
        self._start_supervisor()

    def service(self, name: str) -> Service:
        """The server called ``name`` (``"action server"``, ``"commerce backend"`` …)."""
        return next(s for s in self.services if s.name == name)

    def _start_supervisor(self) -> None:
        self._halt = threading.Event()
        self._supervisor = threading.Thread(
            target=self._supervise, name="stack-supervisor", daemon=True
        )
        self._supervisor.start()

    def _supervise(self, poll_s: float = 0.25) -> None:
        """Watch the servers until the stack stops; restart the ones that crashed."""
        while not self._halt.wait(poll_s):
            for service in self.services:
                try:
                    self._watch(service)
                except Exception as exc:  # the supervisor must outlive a failed restart
                    self.report(f"supervisor: {service.name}: {type(exc).__name__}: {exc}")

    def _watch(self, service: Service) -> None:
        """One look at one server: note a crash, restart when its pause is over, note health."""
        with service.lock:
            if self._halt.is_set() or not service.wanted or service.process is None:
                return
            now = time.monotonic()
            returncode = service.process.poll()
            if returncode is None:
                self._note_health(service, now)
                return
            if service.restart_at is None:
                self._crashed(service, returncode, now)
            elif now >= service.restart_at:
                service.reap_group()
                service.restarts += 1
                service.start(self.env)
                assert service.process is not None
                line = f"{service.name} restarted (pid {service.process.pid})"
                self.report(line)
                service.note(line)

    def _crashed(self, service: Service, returncode: int, now: float) -> None:
        service.crashes_in_a_row += 1
        how = describe_exit(returncode)
        if service.crashes_in_a_row > self.backoff.max_crashes:
            service.wanted = False
            service.gave_up = True
            line = (
                f"{service.name} stopped ({how}) after {self.backoff.max_crashes} restarts in a "
                f"row without staying up {self.backoff.stable_s:.0f} s; giving up on it, the "
                f"other servers keep running. See {service.log_path}"
            )
        else:
            delay = self.backoff.delay(service.crashes_in_a_row)
            service.restart_at = now + delay
            line = (
                f"{service.name} stopped ({how}); restarting in {delay:g} s "
                f"(crash {service.crashes_in_a_row} in a row)"
            )
        self.report(line)
        service.note(line)

    def _note_health(self, service: Service, now: float) -> None:
        """After a restart: once healthy for ``stable_s``, the next crash counts as the first."""
        if service.crashes_in_a_row == 0:
            return
        if service.healthy_since is None:
            if service.is_healthy():
                service.healthy_since = now
                line = f"{service.name} is healthy again ({now - service.started_at:.1f} s)"
                self.report(line)
                service.note(line)
        elif now - service.healthy_since >= self.backoff.stable_s and service.is_healthy():
            service.crashes_in_a_row = 0

    def stop(self) -> None:
        """Stop every server, Rasa first so no turn is cut off mid-action."""
        halt = getattr(self, "_halt", None)
        if halt is not None:
            halt.set()
            self._supervisor.join(timeout=15)
        for service in reversed(self.services):
            service.stop()

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
