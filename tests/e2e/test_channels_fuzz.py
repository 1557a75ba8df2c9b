"""Property: whatever arrives at a channel endpoint, the running server answers it, never with
a 5xx. Unsigned junk is refused with a 4xx; correctly signed junk is refused or answered; the
REST channel answers a well-formed message and refuses anything else at once, streaming or not.

Hypothesis generates the requests; they go over real HTTP to the Rasa server of the stack.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from stack.processes import Stack
from tests.e2e.timing import twice_if_slow

pytestmark = pytest.mark.stack

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
REFUSED = {400, 403, 404, 405, 413, 429}

paths = st.sampled_from(["demo", "outdoor-7f3c", "nobody", "demo%2F..", "DEMO", "a" * 70])
text = st.text(max_size=300)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
messenger_bodies = (
    st.fixed_dictionaries(
        {
            "object": st.sampled_from(["page", "user", ""]) | st.text(max_size=5),
            "entry": st.lists(
                st.fixed_dictionaries(
                    {
                        "messaging": st.lists(
                            st.fixed_dictionaries(
                                {
                                    "sender": st.fixed_dictionaries({"id": st.text(max_size=20)})
                                    | json_values,
                                    "message": st.fixed_dictionaries({"text": text}) | json_values,
                                }
                            )
                            | json_values,
                            max_size=3,
                        )
                    }
                )
                | json_values,
                max_size=2,
            )
            | json_values,
        }
    )
    | json_values
)


rest_strings = text | json_values
rest_bodies = (
    st.fixed_dictionaries(
        {},
        optional={
            "sender": st.text(min_size=1, max_size=30) | json_values,
            "message": text | json_values,
            "metadata": st.dictionaries(st.text(max_size=10), json_values, max_size=3)
            | json_values,
            "input_channel": rest_strings,
        },
    )
    | json_values
)
AT_ONCE_S = 2.0  # an answer or a refusal, never a held connection


def _base(stack: Stack) -> str:
    return f"http://127.0.0.1:{stack.env['RASA_PORT']}/webhooks"


@FUZZ
@given(
    path=paths,
    body=st.binary(max_size=2000) | text.map(str.encode),
    content_type=st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "application/json",
            "text/plain",
            "multipart/form-data",
        ]
    ),
    # Header values an HTTP client can send at all: printable ASCII.
    signature=st.none() | st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=60),
    channel=st.sampled_from(["sms", "messenger"]),
)
def test_unsigned_requests_to_the_webhooks_are_refused_with_a_4xx(
    stack: Stack, path: str, body: bytes, content_type: str, signature: str | None, channel: str
) -> None:
    headers = {"Content-Type": content_type}
    if signature is not None:
        headers["X-Twilio-Signature" if channel == "sms" else "X-Hub-Signature-256"] = signature
    resp = requests.post(f"{_base(stack)}/{channel}/{path}", data=body, headers=headers, timeout=30)
    assert resp.status_code in REFUSED, resp.text


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(["From", "Body", "To", "MessageSid", "NumMedia", "x"]), text, max_size=5
    )
)
def test_signed_sms_with_any_fields_is_answered_or_refused_never_crashes(
    stack: Stack, params: dict[str, str]
) -> None:
    url = f"{_base(stack)}/sms/demo"
    clean = {k: v.replace("\x00", "") for k, v in params.items()}
    signature = RequestValidator(stack.env["TWILIO_AUTH_TOKEN_DEMO"]).compute_signature(url, clean)
    resp = requests.post(url, data=clean, headers={"X-Twilio-Signature": signature}, timeout=60)
    assert resp.status_code in {200, *REFUSED}, resp.text
    if resp.status_code == 200:
        assert resp.text.startswith("<?xml")


@FUZZ
@given(body=messenger_bodies)
def test_signed_messenger_bodies_of_any_shape_are_answered_or_refused_never_crash(
    stack: Stack, body: Any
) -> None:
    raw = json.dumps(body).encode()
    secret = stack.env["MESSENGER_APP_SECRET_DEMO"].encode()
    digest = hmac.new(secret, raw, hashlib.sha256).hexdigest()
    resp = requests.post(
        f"{_base(stack)}/messenger/demo",
        data=raw,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={digest}"},
        timeout=60,
    )
    assert resp.status_code in {200, *REFUSED}, resp.text


@FUZZ
@given(path=paths, query=st.dictionaries(st.text(max_size=15), st.text(max_size=60), max_size=4))
def test_messenger_handshakes_and_chat_pages_with_any_query_never_crash(
    stack: Stack, path: str, query: dict[str, str]
) -> None:
    for channel in ("messenger", "webchat"):
        resp = requests.get(f"{_base(stack)}/{channel}/{path}", params=query, timeout=30)
        assert resp.status_code in {200, *REFUSED}, resp.text


def _post_rest(stack: Stack, raw: bytes, stream: bool) -> tuple[requests.Response, float]:
    """The answer and its seconds (a slow one is asked twice: tests/e2e/timing.py)."""
    return twice_if_slow(
        lambda: requests.post(
            stack.rest_url,
            params={"stream": "true"} if stream else None,
            data=raw,
            headers={"Content-Type": "application/json"},
            timeout=(2, 10),
        ),
        AT_ONCE_S,
    )


@pytest.mark.parametrize(
    "body",
    [
        b"[1, 2, 3]",
        b"null",
        b"not json",
        b'{"message": "hi"}',
        b'{"sender": "fuzz-a"}',
        b'{"sender": 7, "message": "hi"}',
        b'{"sender": "fuzz-b", "message": ["hi"]}',
        b'{"sender": "fuzz-c", "message": "hi", "metadata": [1]}',
        b'{"sender": "fuzz-d", "message": "\\ud800"}',
    ],
)
@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_when_a_rest_body_is_malformed_then_it_is_refused_at_once_with_the_reason(
    stack: Stack, body: bytes, stream: bool
) -> None:
    resp, elapsed = _post_rest(stack, body, stream)
    assert resp.status_code == 400, resp.text
    assert set(resp.json()["error"]) == {"code", "message"}
    assert elapsed < AT_ONCE_S


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_when_a_rest_body_is_too_large_then_it_is_refused_with_413(
    stack: Stack, stream: bool
) -> None:
    raw = json.dumps({"sender": "fuzz-big", "message": "x" * 70_000}).encode()
    resp, _ = _post_rest(stack, raw, stream)
    assert resp.status_code == 413, resp.text
    assert resp.json()["error"]["code"] == "body_too_large"


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_a_well_formed_rest_message_is_answered_as_before(stack: Stack, stream: bool) -> None:
    raw = json.dumps({"sender": f"fuzz-ok-{stream}", "message": "hi", "metadata": {}}).encode()
    resp, _ = _post_rest(stack, raw, stream)
    assert resp.status_code == 200, resp.text
    if stream:
        messages = [json.loads(line) for line in resp.text.splitlines() if line.strip()]
    else:
        messages = resp.json()
    assert messages and all(m["recipient_id"] == f"fuzz-ok-{stream}" for m in messages)


@FUZZ
@given(body=rest_bodies, stream=st.booleans())
def test_rest_bodies_of_any_shape_are_answered_or_refused_at_once(
    stack: Stack, body: Any, stream: bool
) -> None:
    resp, elapsed = _post_rest(stack, json.dumps(body).encode(), stream)
    assert resp.status_code in {200, *REFUSED}, resp.text
    assert elapsed < AT_ONCE_S, f"{elapsed:.1f} s"
