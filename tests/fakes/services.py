"""Running a service script in its own process, as supervisord runs one, and stopping it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def exit_code_after_sigterm(script: str, *args: str, settle_s: float, within_s: float) -> int:
    """Run ``script`` until it prints ``up``, wait ``settle_s``, send SIGTERM: its exit code.

    Raises:
        subprocess.TimeoutExpired: it was still running ``within_s`` after the signal (it is
            killed then).
    """
    service = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert service.stdout is not None and service.stdout.readline().strip() == "up"
        time.sleep(settle_s)
        service.send_signal(signal.SIGTERM)
        return service.wait(timeout=within_s)
    finally:
        if service.poll() is None:
            service.kill()
            service.wait()
