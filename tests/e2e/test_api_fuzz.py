"""Property: every public HTTP endpoint of the stack answers junk at once, never with a 5xx.

Hypothesis sends malformed paths, queries, bodies and tokens over real HTTP to the running
servers: Rasa's HTTP API (with and without its token) and its socket.io endpoint, the commerce
backend, the agent desk and the privacy admin API. A refusal is a 4xx; an answer is fine too;
a 5xx or a request that takes over two seconds fails the test.
"""

from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import quote

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.fuzz_requests import COMMERCE_ROUTES
from stack.processes import Stack
from tests.e2e.desk import Agent, desk_url
from tests.e2e.timing import twice_if_slow

pytestmark = pytest.mark.stack

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
AT_ONCE_S = 2.0

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
# Bodies as sent: any JSON, JSON objects with the keys the endpoints read, or raw bytes.
body_keys = st.sampled_from(
    [
        "text", "sender", "parse_data", "name", "entities", "message_id", "policy", "confidence",
        "event", "events", "email", "postcode", "reason", "items", "address", "payment_method_id",
        "changes", "lines", "kind", "remedy", "resolution", "older_than_days", "merchant",
        "sender_id", "summary", "priority", "ticket_id", "score", "agent", "message", "canned",
        "conversations",
    ]
)  # fmt: skip
bodies = (
    json_values.map(lambda v: json.dumps(v).encode())
    | st.dictionaries(body_keys, json_values, max_size=5).map(lambda v: json.dumps(v).encode())
    | st.binary(max_size=300)
)
path_parts = st.text(max_size=30).map(lambda t: quote(t, safe=""))
queries = st.dictionaries(
    st.sampled_from(["token", "include_events", "until", "after", "output_channel",
                     "emulation_mode", "execute_side_effects", "limit", "email", "q", "days", "x"]),
    st.text(max_size=20),
    max_size=3,
)  # fmt: skip
tokens = st.sampled_from(["right", "wrong", "none"])


def _send(
    method: str, url: str, body: bytes, *, params: Any = None, headers: Any = None
) -> requests.Response:
    """One request, which must answer below 500 and at once (a slow one is asked twice)."""

    def send() -> requests.Response:
        resp = requests.request(
            method,
            url,
            data=body if method in ("POST", "PUT", "DELETE") else None,
            params=params,
            headers={"Content-Type": "application/json", **(headers or {})},
            timeout=(2, 10),
            allow_redirects=False,
        )
        assert resp.status_code < 500, f"{method} {url}: {resp.status_code} {resp.text[:300]}"
        return resp

    resp, elapsed = twice_if_slow(send, AT_ONCE_S)
    assert elapsed < AT_ONCE_S, f"{method} {url}: {elapsed:.1f} s, twice"
    return resp


def _bearer(token: str, right: str) -> dict[str, str]:
    if token == "none":
        return {}
    return {"Authorization": f"Bearer {right if token == 'right' else 'not-' + right}"}


# ---- Rasa: its HTTP API (--enable-api --auth-token) and socket.io ---------------------------

RASA_API = [
    ("POST", "/model/parse"),
    ("GET", "/conversations/{id}/tracker"),
    ("GET", "/conversations/{id}/shopper_messages"),
    ("POST", "/shopper_messages"),
    ("POST", "/conversations/{id}/messages"),
    ("POST", "/conversations/{id}/trigger_intent"),
    ("POST", "/conversations/{id}/execute"),
    ("POST", "/conversations/{id}/tracker/events"),
]


@FUZZ
@given(
    endpoint=st.sampled_from(RASA_API),
    conversation=path_parts,
    query=queries,
    body=bodies,
    token=tokens,
)
def test_rasa_http_api_refuses_junk_with_a_4xx_at_once(
    stack: Stack,
    endpoint: tuple[str, str],
    conversation: str,
    query: dict[str, str],
    body: bytes,
    token: str,
) -> None:
    method, path = endpoint
    params = dict(query)
    if token != "none":
        params["token"] = stack.env["RASA_AUTH_TOKEN"] if token == "right" else "nope"
    url = f"http://127.0.0.1:{stack.env['RASA_PORT']}{path.format(id=conversation or 'x')}"
    resp = _send(method, url, body, params=params)
    if token != "right":
        assert resp.status_code in (400, 401, 403, 404, 413), resp.text


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/conversations/fuzz-1/messages", b"not json"),
        ("/conversations/fuzz-1/messages", b"[1, 2]"),
        ("/conversations/fuzz-1/messages", b'{"text": 5, "sender": "user"}'),
        ("/conversations/fuzz-1/messages", b'{"text": "hi", "sender": "user", "parse_data": 1}'),
        ("/conversations/fuzz-1/trigger_intent", b"[]"),
        ("/conversations/fuzz-1/trigger_intent", b'{"name": "greet", "entities": [1]}'),
        ("/conversations/fuzz-1/execute", b"null"),
        ("/model/parse", b'{"text": 5}'),
        ("/model/parse", b"{}"),
    ],
)
def test_when_rasa_api_body_is_malformed_then_it_says_why_with_a_400(
    stack: Stack, path: str, body: bytes
) -> None:
    url = f"http://127.0.0.1:{stack.env['RASA_PORT']}{path}"
    resp = _send("POST", url, body, params={"token": stack.env["RASA_AUTH_TOKEN"]})
    assert resp.status_code == 400, resp.text
    assert resp.json()["reason"] == "BadRequest" and resp.json()["message"]


@FUZZ
@given(conversations=st.dictionaries(st.text(max_size=30), json_values, max_size=6) | json_values)
def test_the_desks_sync_round_answers_any_conversations_with_a_200_or_a_400(
    stack: Stack, conversations: Any
) -> None:
    """With the right token: odd ids and times are read or refused, never a server error."""
    url = f"http://127.0.0.1:{stack.env['RASA_PORT']}/shopper_messages"
    body = json.dumps({"conversations": conversations}).encode()
    resp = _send("POST", url, body, params={"token": stack.env["RASA_AUTH_TOKEN"]})
    if readable(conversations):
        assert resp.status_code == 200, resp.text
        assert set(resp.json()["conversations"]) == set(conversations)
    else:
        assert resp.status_code == 400, resp.text


def readable(conversations: Any) -> bool:
    """What the route takes: ids (not empty) to finite numbers, at most 1000 of them."""
    if not isinstance(conversations, dict) or len(conversations) > 1000:
        return False
    for conversation_id, after in conversations.items():
        if not conversation_id or isinstance(after, bool) or not isinstance(after, int | float):
            return False
        try:
            if not math.isfinite(after):
                return False
        except OverflowError:
            return False
    return True


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"{}",
        b'{"conversations": ["fuzz-1"]}',
        b'{"conversations": {"fuzz-1": "yesterday"}}',
        b'{"conversations": {"fuzz-1": true}}',
        b'{"conversations": {"fuzz-1": 1e999}}',
        b'{"conversations": {"fuzz-1": ' + b"9" * 400 + b"}}",  # beyond a float
        b'{"conversations": {"": 0}}',
        b'{"conversations": {"fuzz-1": 0, "\\ud800": 0}}',  # a lone surrogate: no UTF-8
    ],
)
def test_a_malformed_sync_round_gets_a_400_that_names_no_conversation(
    stack: Stack, body: bytes
) -> None:
    """The desk's batch read: what is wrong is said, and no sender id (a phone number) echoed."""
    url = f"http://127.0.0.1:{stack.env['RASA_PORT']}/shopper_messages"
    resp = _send("POST", url, body, params={"token": stack.env["RASA_AUTH_TOKEN"]})
    assert resp.status_code == 400, resp.text
    assert "at most 1000 conversations" in resp.json()["message"]
    assert "fuzz-1" not in resp.text


@FUZZ
@given(
    method=st.sampled_from(["GET", "POST"]),
    query=st.dictionaries(
        st.sampled_from(["EIO", "transport", "sid", "t", "j", "b64", "x"]),
        st.sampled_from(["3", "4", "polling", "websocket", ""]) | st.text(max_size=20),
        max_size=4,
    ),
    body=bodies,
)
def test_socketio_handshakes_with_junk_are_refused_or_answered_at_once(
    stack: Stack, method: str, query: dict[str, str], body: bytes
) -> None:
    url = f"http://127.0.0.1:{stack.env['RASA_PORT']}/socket.io/"
    _send(method, url, body, params=query)


# ---- the commerce backend ------------------------------------------------------------------

COMMERCE = COMMERCE_ROUTES
ids = path_parts | st.sampled_from(["AC-106180", "AC-100001", "C-00001", "P-0001", "1"])


@FUZZ
@given(
    endpoint=st.sampled_from(COMMERCE),
    ref=ids,
    query=queries,
    body=bodies,
    token=tokens,
    # a header value that requests itself refuses (leading blank) never reaches the server
    idempotency=st.none()
    | st.text(st.characters(min_codepoint=32, max_codepoint=126)).filter(
        lambda key: not key[:1].isspace()
    ),
)
def test_commerce_api_refuses_junk_with_a_4xx_at_once(
    stack: Stack,
    endpoint: tuple[str, str],
    ref: str,
    query: dict[str, str],
    body: bytes,
    token: str,
    idempotency: str | None,
) -> None:
    method, path = endpoint
    headers = _bearer(token, stack.env["COMMERCE_API_TOKEN"])
    if idempotency is not None:
        headers["Idempotency-Key"] = idempotency
    url = f"{stack.env['COMMERCE_API_URL']}{path.format(id=ref or 'x')}"
    _send(method, url, body, params=query, headers=headers)


# ---- the agent desk ------------------------------------------------------------------------

DESK = [
    ("POST", "/api/bot/tickets"),
    ("POST", "/api/bot/ratings"),
    ("GET", "/api/shopper/messages"),
    ("GET", "/api/agent/me"),
    ("GET", "/api/agent/tickets"),
    ("GET", "/api/agent/canned"),
    ("GET", "/api/agent/colleagues"),
    ("GET", "/api/agent/audit"),
    ("GET", "/api/agent/tickets/{id}"),
    ("POST", "/api/agent/tickets/{id}/reveal"),
    ("POST", "/api/agent/tickets/{id}/claim"),
    ("POST", "/api/agent/tickets/{id}/assign"),
    ("POST", "/api/agent/tickets/{id}/reply"),
    ("POST", "/api/agent/tickets/{id}/handback"),
    ("POST", "/api/agent/tickets/{id}/resolve"),
    ("POST", "/connectors/chatwoot/webhook"),
    ("POST", "/login"),
    ("GET", "/login"),
]


@pytest.fixture(scope="module")
def agent(stack: Stack) -> Agent:
    return Agent.login(stack, "ana", stack.env["DESK_PASSWORD_ANA"])


@FUZZ
@given(
    endpoint=st.sampled_from(DESK),
    ticket=path_parts | st.integers(-2, 10**12).map(str),
    query=queries,
    body=bodies,
    token=tokens,
    as_agent=st.booleans(),
)
def test_desk_refuses_junk_with_a_4xx_at_once(
    stack: Stack,
    agent: Agent,
    endpoint: tuple[str, str],
    ticket: str,
    query: dict[str, str],
    body: bytes,
    token: str,
    as_agent: bool,
) -> None:
    method, path = endpoint
    headers = _bearer(token, stack.env["DESK_API_TOKEN"])
    if as_agent:
        headers.update({"Cookie": f"desk_session={agent.cookie}", "X-CSRF-Token": agent.csrf})
    url = f"{desk_url(stack)}{path.format(id=ticket or 'x')}"
    _send(method, url, body, params=query, headers=headers)


def test_when_the_login_form_is_not_text_then_the_desk_says_so_with_a_400(stack: Stack) -> None:
    resp = _send(
        "POST",
        f"{desk_url(stack)}/login",
        b"\xf0H\x95y\xfb\xb6K",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert resp.status_code == 400, resp.text


# ---- the privacy admin API -----------------------------------------------------------------

PRIVACY = [
    ("GET", "/conversations/{id}"),
    ("DELETE", "/conversations/{id}"),
    ("GET", "/customers/{id}"),
    ("DELETE", "/customers/{id}"),
    ("POST", "/retention/purge"),
]


@FUZZ
@given(
    endpoint=st.sampled_from(PRIVACY),
    who=path_parts,
    body=bodies,
    token=tokens,
)
def test_privacy_api_refuses_junk_with_a_4xx_at_once(
    stack: Stack,
    privacy_api: str,
    endpoint: tuple[str, str],
    who: str,
    body: bytes,
    token: str,
) -> None:
    method, path = endpoint
    if method == "DELETE" and token == "right":
        token = "wrong"  # deleting real conversations is the privacy tests' business
    if method == "POST" and token == "right" and body.strip()[:1] in (b"", b"{"):
        body = b'{"older_than_days": 36500}'  # and a purge that finds nothing that old
    headers = _bearer(token, stack.env["AFTERCARE_PRIVACY_TOKEN"])
    _send(method, f"{privacy_api}{path.format(id=who or 'x')}", body, headers=headers)
