"""The model client against a scripted server speaking the real protocol: typed errors, one call.

No retry anywhere: every failing script is asked exactly once, and a slow model costs at most
the client's time limit.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from guardrails.generation.provider import (
    BadResponse,
    ChatProvider,
    ProviderError,
    ProviderRefused,
    ProviderTimeout,
    ProviderUnavailable,
)
from guardrails.generation.settings import generation_settings
from guardrails.prompts import PromptMessage
from stack.isolated import free_port
from tests.fakes.llm import MODEL, FakeLLM, serve

MESSAGES = [
    PromptMessage("system", "Reword the message."),
    PromptMessage(
        "user", "Order [ORDER_ID_1] is packed and waiting for the carrier to pick it up."
    ),
]


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeLLM]:
    async with serve(FakeLLM()) as server:
        yield server


async def test_when_the_model_answers_then_its_reply_and_usage_come_back(fake: FakeLLM) -> None:
    provider = ChatProvider(fake.base_url, MODEL, timeout_s=2)
    completion = await provider.complete(MESSAGES, temperature=0.2, max_tokens=64)
    assert completion.text == ("Your order [ORDER_ID_1] has been packed and awaits pickup.")
    assert completion.model == MODEL
    assert completion.finish_reason == "stop"
    assert completion.completion_tokens == len(completion.text) // 4
    assert fake.calls == 1
    sent = fake.requests[0]
    assert sent["model"] == MODEL
    assert sent["temperature"] == 0.2
    assert sent["max_tokens"] == 64
    assert sent["messages"] == [{"role": m.role, "content": m.content} for m in MESSAGES]


@pytest.mark.parametrize(("key", "authorization"), [("", None), ("sk-test", "Bearer sk-test")])
async def test_when_a_key_is_set_then_it_goes_as_a_bearer_token(
    fake: FakeLLM, key: str, authorization: str | None
) -> None:
    await ChatProvider(fake.base_url, MODEL, api_key=key).complete(MESSAGES)
    assert fake.headers[0].get("Authorization") == authorization


async def test_when_the_model_is_slow_then_it_times_out_once_within_the_limit(
    fake: FakeLLM,
) -> None:
    fake.script, fake.delay_s = "slow", 3.0
    started = time.monotonic()
    with pytest.raises(ProviderTimeout):
        await ChatProvider(fake.base_url, MODEL, timeout_s=0.3).complete(MESSAGES)
    assert time.monotonic() - started < fake.delay_s  # it did not wait for the answer
    assert fake.calls == 1


@pytest.mark.parametrize(
    ("breakage", "error"),
    [
        ("http_500", ProviderUnavailable),
        ("http_401", ProviderRefused),
        ("not_json", BadResponse),
        ("no_choices", BadResponse),
        ("empty_content", BadResponse),
    ],
)
async def test_when_the_server_is_broken_then_the_error_is_typed_and_not_retried(
    fake: FakeLLM, breakage: str, error: type[ProviderError]
) -> None:
    fake.script, fake.breakage = "broken", breakage
    with pytest.raises(error):
        await ChatProvider(fake.base_url, MODEL, timeout_s=2).complete(MESSAGES)
    assert fake.calls == 1


async def test_when_nothing_listens_then_the_model_is_unavailable() -> None:
    provider = ChatProvider(f"http://127.0.0.1:{free_port()}/v1", MODEL, timeout_s=2)
    with pytest.raises(ProviderUnavailable):
        await provider.complete(MESSAGES)


def test_when_no_model_is_configured_then_no_client_is_built() -> None:
    settings = generation_settings({"AFTERCARE_GENERATION": "on", "LLM_BASE_URL": "none"})
    with pytest.raises(ProviderUnavailable):
        ChatProvider.from_settings(settings)


async def test_when_calls_succeed_or_fail_then_the_log_has_outcome_and_ms_but_no_text(
    fake: FakeLLM, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="guardrails.generation")
    provider = ChatProvider(fake.base_url, MODEL, timeout_s=2)
    await provider.complete(MESSAGES)
    fake.script = "broken"
    with pytest.raises(ProviderUnavailable):
        await provider.complete(MESSAGES)
    lines = [r.getMessage() for r in caplog.records if r.name == "guardrails.generation"]
    assert len(lines) == 2
    assert '"outcome": "ok"' in lines[0] and '"outcome": "unavailable"' in lines[1]
    assert all('"ms": ' in line for line in lines)
    assert not any("ORDER_ID" in line or "packed" in line for line in lines)
