"""Prometheus on the running stack: every server serves /metrics behind its token, and the
Rasa server counts a shopper's turn by tenant and intent."""

from __future__ import annotations

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from stack.processes import Stack
from tests.e2e.conftest import Chat

PORTS = {
    "rasa": "RASA_PORT",
    "actions": "ACTION_PORT",
    "commerce": "COMMERCE_PORT",
    "desk": "DESK_PORT",
    "proactive": "PROACTIVE_PORT",
}


def scrape(stack: Stack, server: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """The server's samples: (name, labels) → value."""
    url = f"http://127.0.0.1:{stack.env[PORTS[server]]}/metrics"
    response = requests.get(
        url, headers={"Authorization": f"Bearer {stack.env['METRICS_TOKEN']}"}, timeout=10
    )
    assert response.status_code == 200, response.text
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


COUNT = "aftercare_http_request_duration_seconds_count"


def test_a_greeting_counts_one_turn_of_its_tenant_and_intent(stack: Stack, chat: Chat) -> None:
    webhook = {"server": "rasa", "route": "/webhooks/rest/webhook", "method": "POST"}
    greet = {"tenant": "demo", "intent": "greet"}
    before = scrape(stack, "rasa")
    assert chat.text("hi there")
    after = scrape(stack, "rasa")
    turns = "aftercare_turns_total"
    assert value(after, turns, **greet) == value(before, turns, **greet) + 1
    ok = {**webhook, "status": "200"}
    assert value(after, COUNT, **ok) == value(before, COUNT, **ok) + 1


def test_the_action_server_times_its_webhook(stack: Stack, chat: Chat) -> None:
    webhook = {"server": "actions", "route": "/webhook", "method": "POST", "status": "200"}
    before = value(scrape(stack, "actions"), COUNT, **webhook)
    chat.text("hello")  # a new conversation: its session start is a custom action
    assert value(scrape(stack, "actions"), COUNT, **webhook) > before


@pytest.mark.parametrize("server", sorted(PORTS))
def test_every_server_refuses_its_metrics_without_the_token(stack: Stack, server: str) -> None:
    url = f"http://127.0.0.1:{stack.env[PORTS[server]]}/metrics"
    assert requests.get(url, timeout=10).status_code == 401
    wrong = {"Authorization": "Bearer not-the-token"}
    assert requests.get(url, headers=wrong, timeout=10).status_code == 401


@pytest.mark.parametrize("server", ["commerce", "desk", "proactive"])
def test_the_aiohttp_servers_time_their_health_checks(stack: Stack, server: str) -> None:
    health = {"server": server, "route": "/health", "method": "GET", "status": "200"}
    before = value(scrape(stack, server), COUNT, **health)
    assert requests.get(f"http://127.0.0.1:{stack.env[PORTS[server]]}/health", timeout=10).ok
    assert value(scrape(stack, server), COUNT, **health) > before
