"""What counts as a chat completion: the protocol's shape, checked before any text is used."""

from __future__ import annotations

from typing import Any

import pytest

from guardrails.generation.provider import (
    BadResponse,
    ProviderError,
    ProviderRefused,
    parse_completion,
)


def answer(content: Any = "Hello", finish_reason: Any = "stop", **extra: Any) -> dict[str, Any]:
    message = {"role": "assistant", "content": content}
    return {"choices": [{"message": message, "finish_reason": finish_reason}], **extra}


def test_when_the_shape_is_right_then_the_text_is_stripped_and_usage_read() -> None:
    body = answer("  Hi there \n", usage={"prompt_tokens": 30, "completion_tokens": 4})
    completion = parse_completion({**body, "model": "m"}, ms=12.5)
    assert (completion.text, completion.model, completion.ms) == ("Hi there", "m", 12.5)
    assert (completion.prompt_tokens, completion.completion_tokens) == (30, 4)


def test_when_usage_is_missing_or_odd_then_it_is_none() -> None:
    completion = parse_completion(answer(usage={"completion_tokens": True}), ms=1)
    assert (completion.prompt_tokens, completion.completion_tokens) == (None, None)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ([], BadResponse),
        ("text", BadResponse),
        ({}, BadResponse),
        ({"choices": []}, BadResponse),
        ({"choices": ["x"]}, BadResponse),
        ({"choices": [{"message": "x"}]}, BadResponse),
        (answer(content=None), BadResponse),
        (answer(content=["a"]), BadResponse),
        (answer(content=" \n"), BadResponse),
        (answer(finish_reason="content_filter"), ProviderRefused),
    ],
)
def test_when_the_shape_is_wrong_then_the_error_is_typed(
    body: object, error: type[ProviderError]
) -> None:
    with pytest.raises(error):
        parse_completion(body, ms=1)
