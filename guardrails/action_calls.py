"""The JSON of the Rasa server's calls to the action server, written by ujson.

Every custom action is an HTTP call whose body holds the whole conversation's session
(``RemoteAction._action_call_format``), and Rasa hands it to aiohttp as ``json=``, which writes
it with the standard library's ``json.dumps``. At 200 turns of small talk that body is 460 KB
and took 4.9 ms to write, a cost that grows with every turn of the conversation and is paid at
each custom action (docs/performance.md, twelfth step). ujson, which Rasa and Sanic already
depend on, writes the same JSON values in 1.9 ms.

:func:`install_ujson_request_bodies` makes ``EndpointConfig.request`` (every call Rasa makes to
a configured endpoint: the action server, an NLG server) send a ``json=`` body written by
:func:`encode`, with the same ``Content-Type: application/json``. Only the spacing differs: the
action server reads the same values. A value ujson refuses goes to ``json.dumps``, so a body
the standard library cannot write fails with the same error as before.
"""

from __future__ import annotations

import json
from typing import Any

import ujson

JSON = "application/json"
_INSTALLED = "aftercare_ujson_bodies"


def encode(value: Any) -> bytes:
    """``value`` as JSON, UTF-8: the values ``json.dumps`` writes, written by ujson."""
    try:
        text = ujson.dumps(value, escape_forward_slashes=False)
    except (TypeError, OverflowError, ValueError):
        text = json.dumps(value)  # the standard library's own result, or its own error
    return text.encode("utf-8")


def install_ujson_request_bodies() -> None:
    """Make Rasa's endpoint requests write their JSON bodies with ujson (idempotent)."""
    from rasa.utils.endpoints import EndpointConfig

    if getattr(EndpointConfig.request, _INSTALLED, False):
        return
    rasa_request = EndpointConfig.request

    async def request(
        self: EndpointConfig,
        method: str = "post",
        subpath: str | None = None,
        content_type: str | None = JSON,
        compress: bool = False,
        **kwargs: Any,
    ) -> Any:
        # Rasa sets the Content-Type header from content_type; aiohttp keeps it for bytes.
        if content_type == JSON and kwargs.get("json") is not None and "data" not in kwargs:
            kwargs["data"] = encode(kwargs.pop("json"))
        return await rasa_request(self, method, subpath, content_type, compress, **kwargs)

    setattr(request, _INSTALLED, True)
    EndpointConfig.request = request
