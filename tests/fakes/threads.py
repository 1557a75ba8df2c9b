"""Serving a stand-in's ``http.server`` from a thread of the test process."""

from __future__ import annotations

import socketserver
import threading

# How often the serving thread looks for a stop. ``shutdown()`` waits up to this long, and
# http.server's default (0.5 s) made every test that stops a stand-in wait for it.
POLL_S = 0.02


def serve_in_thread(server: socketserver.BaseServer) -> None:
    """Serve until ``server.shutdown()``, which then returns within :data:`POLL_S`."""
    threading.Thread(target=server.serve_forever, args=(POLL_S,), daemon=True).start()
