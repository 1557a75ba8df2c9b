"""A whole stack that shares nothing with any other on the machine: for tests and benchmarks.

End-to-end tests, the τ-bench tests and every benchmark start their own stack next to a
``make run`` that may be up on the default ports. They all need the same things: a seeded store
in a temporary folder, a free port for each server and every database in that folder.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

from stack.settings import ROOT


def free_port() -> int:
    """A port nothing listens on right now, chosen by the OS."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def isolated_env(tmp: Path, commerce_db_url: str, **extra: str) -> dict[str, str]:
    """Stack overrides: each server on a free port, each database a file under ``tmp``.

    ``extra`` (e.g. ``MERCHANT_POLICY``) wins over these.
    """
    rasa, actions, commerce, desk = free_port(), free_port(), free_port(), free_port()
    env = {
        "RASA_PORT": str(rasa),
        "ACTION_PORT": str(actions),
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions}/webhook",
        "COMMERCE_PORT": str(commerce),
        "COMMERCE_API_URL": f"http://127.0.0.1:{commerce}",
        "COMMERCE_DB_URL": commerce_db_url,
        "DESK_PORT": str(desk),
        "DESK_DB_URL": f"sqlite:///{tmp / 'desk.db'}",
        "TRACKER_STORE_URL": f"sqlite:///{tmp / 'tracker.db'}",
        "CHANNEL_STATE_DB_URL": f"sqlite:///{tmp / 'channels.db'}",
    }
    env.update(extra)
    return env


def seed_store(db_url: str, *options: str) -> None:
    """Build a store in ``db_url`` (``commerce.seed`` options, e.g. ``--store tau-bench``)."""
    subprocess.run(
        [sys.executable, "-m", "commerce.seed", "--db", db_url, *options],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )


def demo_orders(db_url: str) -> list[dict[str, str]]:
    """The store's sample orders, one per order state (``make demo-orders``)."""
    out = subprocess.run(
        [sys.executable, "-m", "commerce.demo_orders", "--db", db_url],
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]
