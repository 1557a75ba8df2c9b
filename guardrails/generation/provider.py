"""One client for an OpenAI-compatible chat model: the embedded llama.cpp server or a hosted one.

``POST {base_url}/chat/completions`` with the model, the messages, the temperature and the
token limit; a bearer key when one is set. Every way a call can fail is one typed error, so the
caller (rephrasing, grounded answers) falls back to its template without guessing:

* :class:`ProviderUnavailable`: nothing answers, or the server failed on its side (5xx).
* :class:`ProviderTimeout`: no complete answer within ``LLM_TIMEOUT_S``.
* :class:`ProviderRefused`: the server said no (4xx: bad key, unknown model, too long) or its
  content filter stopped the reply.
* :class:`BadResponse`: an answer that is not the protocol's JSON shape, or an empty reply.

There is no retry: a reply that comes late is no reply, and a second call would only double the
wait before the template is said anyway. Message contents are never logged, here or by the
caller; only the outcome, the status and the milliseconds.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp

from guardrails.generation.settings import GenerationSettings
from guardrails.prompts import PromptMessage

logger = logging.getLogger("guardrails.generation")


class ProviderError(Exception):
    """Base class of every error a model call raises; ``outcome`` names it in the logs."""

    outcome = "error"


class ProviderUnavailable(ProviderError):
    """Nothing answers at the model's address, or it failed on its side (5xx)."""

    outcome = "unavailable"


class ProviderTimeout(ProviderError):
    """The model did not answer completely within the request's time limit."""

    outcome = "timeout"


class ProviderRefused(ProviderError):
    """The model server refused the request (4xx) or its content filter stopped the reply."""

    outcome = "refused"


class BadResponse(ProviderError):
    """The answer is not an OpenAI chat completion with a non-empty message."""

    outcome = "bad_response"


@dataclass(frozen=True)
class Completion:
    """The model's reply and what it cost.

    Attributes:
        text: The assistant message's content, stripped.
        model: The model that answered, as the server names it.
        finish_reason: ``stop`` or ``length`` (a reply cut at ``max_tokens``).
        prompt_tokens: As reported by the server; None when it reports no usage.
        completion_tokens: Likewise, for the reply.
        ms: Wall time of the HTTP call.
    """

    text: str
    model: str
    finish_reason: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    ms: float


def _usage(body: dict[str, Any], key: str) -> int | None:
    usage = body.get("usage")
    value = usage.get(key) if isinstance(usage, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_completion(body: object, ms: float) -> Completion:
    """The reply in a ``/chat/completions`` answer; :class:`BadResponse` if the shape is wrong.

    Raises:
        BadResponse: No ``choices[0].message.content`` string, or an empty one.
        ProviderRefused: ``finish_reason`` is ``content_filter``.
    """
    if not isinstance(body, dict):
        raise BadResponse("the answer is not a JSON object")
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise BadResponse("no choices in the answer")
    choice = choices[0]
    finish_reason = choice.get("finish_reason")
    if finish_reason == "content_filter":
        raise ProviderRefused("the model's content filter stopped the reply")
    message = choice.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, str):
        raise BadResponse("choices[0].message.content is not a string")
    if not content.strip():
        raise BadResponse("the reply is empty")
    model = body.get("model")
    return Completion(
        text=content.strip(),
        model=model if isinstance(model, str) else "",
        finish_reason=finish_reason if isinstance(finish_reason, str) else None,
        prompt_tokens=_usage(body, "prompt_tokens"),
        completion_tokens=_usage(body, "completion_tokens"),
        ms=ms,
    )


class ChatProvider:
    """An OpenAI-compatible ``/chat/completions`` endpoint, called once per reply.

    A session per call: the Rasa server calls from its own event loop and no shutdown hook
    closes a long-lived session; on localhost a new connection costs about a millisecond.
    """

    def __init__(self, base_url: str, model: str, api_key: str = "", timeout_s: float = 4.0):
        self.url = f"{base_url.rstrip('/')}/chat/completions"
        self.model = model
        self.timeout_s = timeout_s
        self._headers = {"Content-Type": "application/json"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"

    @classmethod
    def from_settings(cls, settings: GenerationSettings) -> ChatProvider:
        """The configured model; :class:`ProviderUnavailable` when ``LLM_BASE_URL=none``."""
        if settings.base_url is None:
            raise ProviderUnavailable("no model is configured (LLM_BASE_URL=none)")
        return cls(settings.base_url, settings.model, settings.api_key, settings.timeout_s)

    async def complete(
        self,
        messages: Sequence[PromptMessage],
        *,
        temperature: float = 0.3,
        max_tokens: int = 160,
    ) -> Completion:
        """The model's reply to ``messages``: one request, no retry.

        Raises:
            ProviderUnavailable, ProviderTimeout, ProviderRefused, BadResponse: see the module.
        """
        payload = {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "temperature": temperature,
            "max_tokens": max_tokens,
            "stream": False,
        }
        started = time.perf_counter()
        try:
            completion = await self._post(payload, started)
        except ProviderError as exc:
            ms = round((time.perf_counter() - started) * 1000, 1)
            logger.info(
                json.dumps({"event": "provider", "outcome": exc.outcome, "ms": ms}, sort_keys=True)
            )
            raise
        logger.info(
            json.dumps(
                {
                    "event": "provider",
                    "outcome": "ok",
                    "ms": completion.ms,
                    "finish_reason": completion.finish_reason,
                    "completion_tokens": completion.completion_tokens,
                },
                sort_keys=True,
            )
        )
        return completion

    async def _post(self, payload: dict[str, Any], started: float) -> Completion:
        timeout = aiohttp.ClientTimeout(total=self.timeout_s)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout, headers=self._headers) as session,
                session.post(self.url, json=payload) as response,
            ):
                raw = await response.read()
                status = response.status
        except asyncio.TimeoutError as exc:
            raise ProviderTimeout(f"no answer within {self.timeout_s:g} s") from exc
        except aiohttp.ClientError as exc:
            raise ProviderUnavailable(f"{type(exc).__name__}") from exc
        ms = round((time.perf_counter() - started) * 1000, 1)
        if status >= 500:
            raise ProviderUnavailable(f"HTTP {status}")
        if status >= 400:
            raise ProviderRefused(f"HTTP {status}")
        if status != 200:
            raise BadResponse(f"HTTP {status}")
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadResponse("the answer is not JSON") from exc
        return parse_completion(body, ms)
