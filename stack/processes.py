"""The three servers of the stack as child processes, with health checks and clean shutdown."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from guardrails.rasa_defaults import TELEMETRY_ENV
from stack.settings import ROOT, stack_env

VENV_BIN = Path(sys.executable).parent
# Every server runs with its log records scrubbed of personal values (guardrails/logs.py).
LAUNCH = (str(VENV_BIN / "python"), "-m", "guardrails.launch")


@dataclass
class Service:
    """One server: how to start it and how to tell it is ready."""

    name: str
    command: list[str]
    health_url: str
    log_path: Path
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def start(self, env: dict[str, str]) -> None:
        """Start the process in its own process group, logging to a file."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def is_healthy(self) -> bool:
        """True once the health URL answers 200."""
        try:
            with urllib.request.urlopen(self.health_url, timeout=2) as resp:
                return bool(resp.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        """Stop the whole process group: SIGTERM, then SIGKILL after 10 s."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        except ProcessLookupError:
            pass


class StackError(RuntimeError):
    """A server did not come up."""


@dataclass
class Stack:
    """Backend, agent desk, action server and Rasa server, configured from :func:`stack_env`."""

    overrides: dict[str, str] = field(default_factory=dict)
    log_dir: Path = ROOT / "var" / "log"
    model: str = "models"
    services: list[Service] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self.env = stack_env(self.overrides)
        e = self.env
        e[TELEMETRY_ENV] = "false"  # nothing goes to Rasa's analytics or Sentry, whatever is set
        desk_url = f"http://127.0.0.1:{e['DESK_PORT']}"
        e.setdefault("DESK_URL", desk_url)
        e.setdefault("DESK_PUBLIC_URL", desk_url)
        e.setdefault("DESK_RASA_URL", f"http://127.0.0.1:{e['RASA_PORT']}")
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
                "action server",
                [
                    *LAUNCH,
                    "rasa",
                    "run",
                    "actions",
                    "--actions",
                    "actions",
                    "--port",
                    e["ACTION_PORT"],
                ],
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
                    "--auth-token",
                    e["RASA_AUTH_TOKEN"],
                    "--port",
                    e["RASA_PORT"],
                    "--model",
                    self.model,
                    "--endpoints",
                    "endpoints.yml",
                    "--credentials",
                    "credentials.yml",
                    "--cors",
                    e.get("RASA_CORS", "http://localhost"),
                    "--log-file",
                    str(self.log_dir / "rasa-debug.log"),
                ],
                f"http://127.0.0.1:{e['RASA_PORT']}/",
                self.log_dir / "rasa.log",
            ),
        ]

    @property
    def rest_url(self) -> str:
        """The REST channel's webhook."""
        return f"http://127.0.0.1:{self.env['RASA_PORT']}/webhooks/rest/webhook"

    def start(self, timeout_s: float = 180.0) -> None:
        """Start every server and wait until all answer their health check."""
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

    def stop(self) -> None:
        """Stop every server, Rasa first so no turn is cut off mid-action."""
        for service in reversed(self.services):
            service.stop()

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
