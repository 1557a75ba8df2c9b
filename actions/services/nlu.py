"""The Rasa server's own understanding of a text, for a request the shopper made in passing.

``action_next_request`` needs the intent and entities of one clause of an earlier message.
The trained model already knows how to read it: the Rasa server's HTTP API parses a text
(``POST /model/parse``) with the same pipeline as a message, without touching any
conversation. This imports nothing from rasa_sdk, like the other clients.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp

logger = logging.getLogger(__name__)

DEFAULT_RASA_URL = "http://127.0.0.1:5005"
DEFAULT_RASA_TOKEN = "dev-rasa-token"  # local development only; set RASA_AUTH_TOKEN


class NluUnavailable(Exception):
    """The Rasa server could not be asked, or gave no usable answer."""


@dataclass(frozen=True)
class Parse:
    """A text as the model reads it: the intent, its confidence and Rasa's whole answer."""

    intent: str
    confidence: float
    data: dict[str, Any]


class Nlu(Protocol):
    async def parse(self, text: str) -> Parse: ...


class HttpNlu:
    """:class:`Nlu` over the Rasa server's ``/model/parse`` (token auth, short timeout)."""

    def __init__(self, base_url: str, token: str, timeout_s: float = 5.0) -> None:
        self._url = f"{base_url.rstrip('/')}/model/parse"
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def parse(self, text: str) -> Parse:
        try:
            async with (
                aiohttp.ClientSession(timeout=self._timeout) as session,
                session.post(
                    self._url, params={"token": self._token}, json={"text": text}
                ) as response,
            ):
                if response.status != 200:
                    raise NluUnavailable(f"the Rasa server answered {response.status}")
                data: dict[str, Any] = await response.json()
        except (aiohttp.ClientError, TimeoutError, ValueError) as failed:
            raise NluUnavailable(str(failed) or type(failed).__name__) from failed
        intent = data.get("intent") or {}
        return Parse(str(intent.get("name") or ""), float(intent.get("confidence") or 0.0), data)


def nlu_from_env() -> Nlu:
    """The Rasa server named by ``AFTERCARE_RASA_URL`` (the stack sets it to its own)."""
    return HttpNlu(
        os.environ.get("AFTERCARE_RASA_URL", DEFAULT_RASA_URL),
        os.environ.get("RASA_AUTH_TOKEN", DEFAULT_RASA_TOKEN),
    )
