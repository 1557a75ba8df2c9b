"""`python -m commerce` serves the API, logs its URL, and fails clearly when misconfigured."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from stack.isolated import free_port

ROOT = Path(__file__).resolve().parents[3]


def _env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMERCE_")}
    return {**env, **overrides}


def test_when_started_as_a_module_then_it_serves_and_logs_its_url(store_url: str) -> None:
    port = free_port()
    env = _env(COMMERCE_DB_URL=store_url, COMMERCE_PORT=str(port), COMMERCE_API_TOKEN="tok")
    process = subprocess.Popen(
        [sys.executable, "-m", "commerce"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        health = None
        while time.monotonic() < deadline and health is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as r:
                    health = json.load(r)
            except OSError:
                time.sleep(0.2)
        assert health == {"status": "ok"}
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)

    assert f"http://127.0.0.1:{port}" in stderr


def test_when_settings_are_invalid_then_it_exits_with_a_clear_error() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "commerce"],
        cwd=ROOT,
        env=_env(COMMERCE_PORT="not-a-port"),
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert done.returncode == 2
    assert "Invalid COMMERCE_* settings" in done.stderr and "port" in done.stderr


def test_when_the_store_was_never_seeded_then_it_exits_and_says_how_to_seed(
    tmp_path: Path,
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "commerce"],
        cwd=ROOT,
        env=_env(
            COMMERCE_DB_URL=f"sqlite:///{tmp_path / 'empty.db'}", COMMERCE_PORT=str(free_port())
        ),
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert done.returncode == 1
    assert "python -m commerce.seed" in done.stderr
