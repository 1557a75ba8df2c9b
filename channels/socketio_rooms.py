"""Rasa's socket.io web chat channel, with its session rooms working again.

With ``session_persistence: true`` Rasa 3.6 sends every bot message to the room named after
the shopper's session id, and its ``session_request`` handler puts the socket in that room
with ``sio.enter_room(...)``. In python-socketio 5.10 and later (the resolved set has 5.18)
``AsyncServer.enter_room`` is a coroutine, and Rasa does not await it: the socket never joins
the room and the shopper receives nothing, neither the bot's answers nor an agent's message
pushed during a handoff. This channel keeps Rasa's channel, name (``socketio``), path and
settings, and replaces only that handler with one that awaits.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint


class SessionRoomSocketIOInput(SocketIOInput):
    """``SocketIOInput`` whose session request really joins the session's room."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None  # set by the parent's blueprint

        async def session_request(sid: str, data: dict[str, Any] | None) -> None:
            data = dict(data or {})
            if not data.get("session_id"):
                data["session_id"] = uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, data["session_id"], namespace=self.namespace)
            await sio.emit("session_confirm", data["session_id"], room=sid)

        sio.on("session_request", session_request, namespace=self.namespace)
        return webhook
