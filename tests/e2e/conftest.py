"""The whole stack, started once for the end-to-end tests, exactly as ``make run`` starts it."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pytest
import requests
import yaml
from playwright.sync_api import Browser, sync_playwright

from stack.isolated import free_port, isolated_env
from stack.processes import Stack
from tests.browser import CHROMIUM_FLAGS, chromium
from tests.conftest import ROOT
from tests.e2e.network import Tripwire
from tests.e2e.standins import ProviderStandIn
from tests.merchants import best_seller, write_demo_policy_quiet_later, write_outdoor_policy

MODEL = ROOT / "models" / "aftercare.tar.gz"
TAU_POLICY = ROOT / "data" / "policy" / "tau-bench.yml"


class Backed(Protocol):
    """Anything whose ``env`` names a commerce backend: a stack, or one merchant's own."""

    env: dict[str, str]


@dataclass(frozen=True)
class TauTenant:
    """The `tau` merchant of the session's stack: τ-bench's policy and a backend of its own.

    Its conversations reach the shared Rasa and action servers like any merchant's; its orders
    live in a second commerce backend holding τ-bench's store (tests/e2e/test_tau_bench.py
    starts it), which the action server calls through the tenant's own variables.
    """

    tenants_file: Path
    port: int
    token: str = "tau-commerce-token"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stack_overrides(self) -> dict[str, str]:
        """What the stack needs to know of it: the tenants file and its backend's address."""
        return {
            "AFTERCARE_TENANTS": str(self.tenants_file),
            "COMMERCE_API_URL_TAU": self.url,
            "COMMERCE_API_TOKEN_TAU": self.token,
        }


def wait_until(
    check: Callable[[], bool], timeout_s: float, what: str, log: Path | None = None
) -> None:
    """Poll ``check``; on timeout, fail with the end of the server's ``log`` if given."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() >= deadline:
            tail = log.read_text(encoding="utf-8", errors="replace")[-3000:] if log else ""
            pytest.fail(f"timed out after {timeout_s:.0f}s: {what}\n{tail}")
        time.sleep(0.2)


@pytest.fixture(scope="session")
def provider_standin() -> Iterator[ProviderStandIn]:
    """Twilio's and Meta's APIs, stood in locally, recording what the channels send."""
    standin = ProviderStandIn()
    standin.start()
    yield standin
    standin.stop()


@pytest.fixture(scope="session")
def tripwire() -> Iterator[Tripwire]:
    """Where the shared stack's proxy variables point: any call out over HTTP(S) lands here."""
    wire = Tripwire()
    yield wire
    wire.close()


@pytest.fixture(scope="session")
def outdoor_excludes(seeded_store: tuple[str, list[dict[str, str]]]) -> str:
    """The category the `outdoor` merchant never suggests: that of the demo's best-seller."""
    return best_seller(seeded_store[0]).category


@pytest.fixture(scope="session")
def tau_tenant(tmp_path_factory: pytest.TempPathFactory) -> TauTenant:
    """channels/tenants.yml with a third merchant, `tau`, whose backend is its own."""
    registry = yaml.safe_load((ROOT / "channels" / "tenants.yml").read_text(encoding="utf-8"))
    registry["tenants"]["tau"] = {
        "name": "τ-bench retail (a backend of its own)",
        "policy": str(TAU_POLICY.relative_to(ROOT)),
        "faq": "data/faq/tau-bench.yml",
        "commerce_api_url_env": "COMMERCE_API_URL_TAU",
        "commerce_api_token_env": "COMMERCE_API_TOKEN_TAU",
    }
    path = tmp_path_factory.mktemp("tenants") / "tenants.yml"
    path.write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")
    return TauTenant(tenants_file=path, port=free_port())


@pytest.fixture(scope="session")
def stack(
    seeded_store: tuple[str, list[dict[str, str]]],
    tmp_path_factory: pytest.TempPathFactory,
    provider_standin: ProviderStandIn,
    outdoor_excludes: str,
    tripwire: Tripwire,
    tau_tenant: TauTenant,
) -> Iterator[Stack]:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` first")
    tmp = tmp_path_factory.mktemp("stack")
    # The backend serves both tenants, as stack/defaults.env has it; `outdoor` has edited the
    # recommendations section of its policy file (tests/e2e/test_cross_sell.py).
    outdoor = write_outdoor_policy(tmp / "outdoor.yml", exclude_categories=[outdoor_excludes])
    demo = write_demo_policy_quiet_later(tmp / "demo.yml")
    overrides = isolated_env(
        tmp,
        seeded_store[0],
        COMMERCE_TIMEOUT_S="2",
        TWILIO_API_BASE_URL=provider_standin.base_url,
        MESSENGER_GRAPH_BASE_URL=provider_standin.base_url,
        # a broker whose stream the privacy tests can read back (tests/e2e/test_privacy.py)
        EVENT_BROKER="file",
        EVENT_BROKER_URL=str(tmp / "events.log"),
        # debug logs quote every message: the privacy tests check they are scrubbed
        LOG_LEVEL="DEBUG",
        DESK_SYNC_INTERVAL_S="0.5",
        # the backend looks at its shipments every second, not every 5 s: the proactive tests
        # wait for that look, and one costs it about 4 ms of CPU (docs/proactive.md)
        AFTERCARE_PROACTIVE_POLL_S="1",
        HANDOFF_RULES=str(ROOT / "tests" / "e2e" / "handoff-rules.yml"),
        MERCHANT_POLICIES=f"demo={demo},outdoor={outdoor}",
        # nothing may leave the machine (tests/e2e/test_nothing_leaves.py)
        **tripwire.env(),
        **tau_tenant.stack_overrides(),
    )
    with Stack(overrides=overrides, log_dir=tmp / "log", model=str(MODEL)) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium for one test module's pages."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def privacy_api(stack: Stack) -> Iterator[str]:
    """``python -m guardrails.privacy serve`` with the stack's settings, on a free port."""
    port = free_port()
    env = {**stack.env, "AFTERCARE_LOG_DIRS": str(stack.log_dir)}
    process = subprocess.Popen(
        [sys.executable, "-m", "guardrails.privacy", "serve", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}/privacy/v1"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.post(f"{base}/retention/purge", timeout=1)
                break
            except requests.ConnectionError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass
class Chat:
    """One shopper talking to the REST channel."""

    url: str
    sender: str = field(default_factory=lambda: f"test-{uuid.uuid4().hex[:12]}")
    metadata: dict[str, Any] | None = None

    def say(self, text: str) -> list[dict[str, Any]]:
        """Send a message; return the bot's messages."""
        body: dict[str, Any] = {"sender": self.sender, "message": text}
        if self.metadata is not None:
            body["metadata"] = self.metadata
        resp = requests.post(self.url, json=body, timeout=30)
        assert resp.status_code == 200, resp.text
        messages: list[dict[str, Any]] = resp.json()
        return messages

    def text(self, message: str) -> str:
        """Send a message; return the bot's reply texts joined."""
        return "\n".join(m.get("text", "") for m in self.say(message))


@pytest.fixture
def chat(stack: Stack) -> Chat:
    return Chat(stack.rest_url)


@pytest.fixture
def demo_orders(seeded_store: tuple[str, list[dict[str, str]]]) -> list[dict[str, str]]:
    return seeded_store[1]


def order_in(demo_orders: list[dict[str, str]], status: str, index: int = 0) -> dict[str, str]:
    """A sample order in ``status``."""
    matches = [o for o in demo_orders if o["status"] == status]
    assert len(matches) > index, f"demo store has no order #{index} in {status}"
    return matches[index]


def backend_get(stack: Backed, path: str, **params: str) -> dict[str, Any]:
    """GET from the commerce backend's API, as the tests' independent view of its state."""
    resp = requests.get(
        f"{stack.env['COMMERCE_API_URL']}/api/v1/{path}",
        headers={"Authorization": f"Bearer {stack.env['COMMERCE_API_TOKEN']}"},
        params=params,
        timeout=5,
    )
    resp.raise_for_status()
    body: dict[str, Any] = resp.json()
    return body


def customer_orders(stack: Stack, customer_id: str) -> list[dict[str, Any]]:
    """A customer's 50 newest orders, as the backend lists them."""
    orders: list[dict[str, Any]] = backend_get(
        stack, f"customers/{customer_id}/orders", limit="50"
    )["orders"]
    return orders


def customer_claims(stack: Stack, customer_id: str) -> list[dict[str, Any]]:
    """Delivery problems the customer reported (tests share one store: others may file some)."""
    claims: list[dict[str, Any]] = backend_get(stack, f"customers/{customer_id}/claims")["claims"]
    return claims


def backend_order(stack: Backed, order_id: str) -> dict[str, Any]:
    """The order as the backend has it right now, for comparing with what the bot said."""
    return backend_get(stack, f"orders/{order_id.lstrip('#')}")


def catalogue_search(stack: Stack, words: str) -> list[dict[str, Any]]:
    """The backend's catalogue search for ``words``, best match first."""
    found: list[dict[str, Any]] = backend_get(stack, "products", q=words, limit="20")["products"]
    return found


def product_named_alone(stack: Stack, demo_orders: list[dict[str, str]]) -> dict[str, Any]:
    """A product of a delivered sample order whose whole name only it has."""
    order = backend_order(stack, order_in(demo_orders, "delivered")["order_id"])
    for line in order["lines"]:
        found = catalogue_search(stack, line["product_name"])
        if [p["match"] for p in found].count(1.0) == 1:
            return found[0]
    raise AssertionError("the order's products all share their names")
