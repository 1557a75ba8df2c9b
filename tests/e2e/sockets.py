"""Leaving a web chat session over socket.io's long-polling transport, as a closed tab does.

python-engineio's client, on disconnect, sends the close packet and then waits for its pending
long-poll to come back. Rasa's socket.io server (python-engineio 4) closes the session on that
packet but holds the pending poll open until its ping interval runs out, so a polite
disconnect takes about 30 s and tells the test nothing. ``abort=True`` sends the same close
packet and does not wait for that poll.
"""

from __future__ import annotations

import socketio


def leave(client: socketio.SimpleClient) -> None:
    """Close the session at once (the shopper closed the tab)."""
    if client.client is not None:
        client.client.eio.disconnect(abort=True)


async def leave_async(client: socketio.AsyncClient) -> None:
    """Close the session at once (the shopper closed the tab)."""
    await client.eio.disconnect(abort=True)
