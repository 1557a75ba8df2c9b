"""HttpCommerceClient over real HTTP: against the real backend, and against local stand-ins
for a backend that is down, too slow, or failing on its side."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer

from actions.services.commerce import (
    BackendUnavailable,
    ClientSettings,
    HttpCommerceClient,
    Order,
    OrderNotFound,
    VerificationFailed,
)
from tests.integration.actions.conftest import Backend, Store, closed_port_url, stand_in

UNKNOWN_ORDER = "AC-999999"

MakeClient = Callable[..., HttpCommerceClient]


@pytest_asyncio.fixture
async def make_client() -> AsyncIterator[MakeClient]:
    """Builds clients with the given settings and closes them all after the test."""
    clients: list[HttpCommerceClient] = []

    def make(base_url: str, **settings: object) -> HttpCommerceClient:
        client = HttpCommerceClient(ClientSettings(base_url=base_url, **settings))  # type: ignore[arg-type]
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
def client(backend: Backend, make_client: MakeClient) -> HttpCommerceClient:
    return make_client(backend.url, token=backend.token)


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def test_when_order_is_in_transit_then_it_comes_back_typed_with_events_oldest_first(
    client: HttpCommerceClient, backend: Backend, store: Store
) -> None:
    sample = store.sample("in_transit")
    raw = await backend.get_json(f"/api/v1/orders/{sample['order_id']}")

    order = await client.get_order(sample["order_id"])

    assert isinstance(order, Order)
    assert (order.order_id, order.customer_id, order.status) == (
        sample["order_id"],
        sample["customer_id"],
        "in_transit",
    )
    assert order.shipping_postcode == sample["postcode"]
    assert order.placed_at == _time(raw["placed_at"]) and order.placed_at.tzinfo is not None
    assert order.total == raw["total"]
    assert [line.sku for line in order.lines] == [line["sku"] for line in raw["lines"]]
    shipment = order.shipment
    assert shipment is not None
    assert shipment.tracking_number == raw["shipment"]["tracking_number"]
    assert shipment.delivered_at is None
    assert len(shipment.events) >= 2
    stamps = [event.timestamp for event in shipment.events]
    assert stamps == sorted(stamps)
    assert [event.description for event in shipment.events] == [
        event["description"] for event in raw["shipment"]["events"]
    ]
    assert shipment.latest_event == shipment.events[-1]
    assert shipment.latest_event.timestamp == max(stamps)


@pytest.mark.parametrize("typed", ["#{digits}", "ac{digits}", "{digits}", "AC-{digits}"])
async def test_when_reference_is_typed_loosely_then_it_still_finds_the_order(
    client: HttpCommerceClient, store: Store, typed: str
) -> None:
    order_id = store.sample("delivered")["order_id"]
    digits = order_id.removeprefix("AC-")

    order = await client.get_order(typed.format(digits=digits))

    assert order.order_id == order_id


async def test_when_order_does_not_exist_then_order_not_found_is_raised(
    client: HttpCommerceClient,
) -> None:
    with pytest.raises(OrderNotFound):
        await client.get_order(UNKNOWN_ORDER)


@pytest.mark.parametrize(
    "answer_of",
    [
        pytest.param(lambda s: s["email"], id="email"),
        pytest.param(lambda s: f"  {s['email'].upper()} ", id="email-upper-case-padded"),
        pytest.param(lambda s: s["email"].title(), id="email-title-case"),
    ],
)
async def test_when_shopper_gives_the_order_email_in_any_case_then_verification_names_customer(
    client: HttpCommerceClient, store: Store, answer_of: Callable[[dict[str, str]], str]
) -> None:
    sample = store.sample("in_transit")

    verification = await client.verify_order(sample["order_id"], answer_of(sample))

    assert (verification.order_id, verification.customer_id) == (
        sample["order_id"],
        sample["customer_id"],
    )


async def test_when_shopper_gives_the_zip_then_verification_names_customer(
    client: HttpCommerceClient, store: Store
) -> None:
    sample = store.sample("delayed")

    verification = await client.verify_order(sample["order_id"], sample["postcode"])

    assert verification.customer_id == sample["customer_id"]


async def test_when_order_has_a_zip_plus_four_then_its_first_five_digits_verify(
    client: HttpCommerceClient, store: Store
) -> None:
    sample = next(s for s in store.samples if "-" in s["postcode"])

    verification = await client.verify_order(sample["order_id"], sample["postcode"][:5])

    assert verification.customer_id == sample["customer_id"]


async def test_when_answer_is_wrong_or_order_unknown_then_verification_fails_alike(
    client: HttpCommerceClient, store: Store
) -> None:
    sample, other = store.sample("in_transit", 0), store.sample("in_transit", 1)
    assert sample["email"] != other["email"] and sample["postcode"] != other["postcode"]

    with pytest.raises(VerificationFailed) as wrong_email:
        await client.verify_order(sample["order_id"], other["email"])
    with pytest.raises(VerificationFailed) as wrong_zip:
        await client.verify_order(sample["order_id"], other["postcode"])
    with pytest.raises(VerificationFailed) as unknown_order:
        await client.verify_order(UNKNOWN_ORDER, sample["email"])
    with pytest.raises(VerificationFailed):
        await client.verify_order(sample["order_id"], "   ")

    assert str(wrong_email.value) == str(wrong_zip.value) == str(unknown_order.value)


async def test_when_customer_has_orders_then_recent_orders_come_newest_first_within_limit(
    client: HttpCommerceClient, backend: Backend, store: Store
) -> None:
    customer_id = store.sample("in_transit")["customer_id"]
    raw = await backend.get_json(f"/api/v1/customers/{customer_id}/orders?limit=50")
    assert len(raw["orders"]) > 3

    everything = await client.recent_orders(customer_id, limit=50)
    newest_three = await client.recent_orders(customer_id, limit=3)
    default = await client.recent_orders(customer_id)

    assert [o.order_id for o in everything] == [o["order_id"] for o in raw["orders"]]
    stamps = [o.placed_at for o in everything]
    assert stamps == sorted(stamps, reverse=True)
    assert newest_three == everything[:3]
    assert default == everything[:5]
    assert everything[0].first_item_name == raw["orders"][0]["first_item_name"]
    assert everything[0].item_count == raw["orders"][0]["item_count"]


async def test_when_token_is_wrong_then_backend_is_unavailable(
    backend: Backend, make_client: MakeClient, store: Store
) -> None:
    client = make_client(backend.url, token="not-the-token")
    sample = store.sample("in_transit")

    with pytest.raises(BackendUnavailable, match="credentials"):
        await client.get_order(sample["order_id"])
    with pytest.raises(BackendUnavailable, match="credentials"):
        await client.verify_order(sample["order_id"], sample["email"])
    with pytest.raises(BackendUnavailable, match="credentials"):
        await client.recent_orders(sample["customer_id"])


async def test_when_nothing_listens_then_backend_is_unavailable_after_two_backed_off_retries(
    make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    settings = ClientSettings()
    client = make_client(closed_port_url())

    started = time.monotonic()
    with caplog.at_level(logging.WARNING), pytest.raises(BackendUnavailable):
        await client.get_order("AC-104233")
    elapsed = time.monotonic() - started

    # Three attempts, two of them retries, which back off at least backoff_s * (1 + 2) in all.
    # How fast it gives up is a design value, not timed here (a loaded machine stretches it).
    retried = [r for r in caplog.records if r.getMessage().endswith("; retrying")]
    assert settings.retries == 2
    assert len(retried) == settings.retries
    assert elapsed >= settings.backoff_s * 3


async def test_when_backend_answers_too_slowly_then_client_gives_up_at_the_timeout(
    make_client: MakeClient,
) -> None:
    calls: list[str] = []
    release = asyncio.Event()

    async def slow(request: web.Request) -> web.Response:
        calls.append(request.path)
        await release.wait()  # longer than any client timeout, until the test is over
        return web.json_response({})

    async with stand_in(slow) as url:
        client = make_client(url, timeout_s=0.3)
        started = time.monotonic()
        try:
            with pytest.raises(BackendUnavailable, match="timed out"):
                await client.get_order("AC-104233")
            elapsed = time.monotonic() - started
        finally:
            release.set()

    # the event loop may fire a timer a hair early (0.2999 s was seen): 10 ms of slack; it
    # gave up on its own (the stand-in never answers), at its 0.3 s, not the default timeout
    assert 0.29 <= elapsed < ClientSettings().timeout_s
    assert calls == ["/api/v1/orders/AC-104233"]  # a timeout is not retried


async def test_when_backend_fails_on_its_side_then_client_retries_then_gives_up(
    make_client: MakeClient,
) -> None:
    calls: list[str] = []

    async def failing(request: web.Request) -> web.Response:
        calls.append(request.path)
        return web.json_response({"error": {"code": "internal_error"}}, status=500)

    async with stand_in(failing) as url:
        client = make_client(url, retries=2, backoff_s=0.01)
        with pytest.raises(BackendUnavailable, match="HTTP 500"):
            await client.get_order("AC-104233")

    assert calls == ["/api/v1/orders/AC-104233"] * 3


async def test_when_backend_recovers_within_the_retries_then_the_answer_arrives(
    make_client: MakeClient,
) -> None:
    calls: list[str] = []

    async def flaky(request: web.Request) -> web.Response:
        calls.append(request.path)
        if len(calls) < 3:
            return web.json_response({"error": {"code": "internal_error"}}, status=503)
        return web.json_response({"order_id": "AC-104233", "customer_id": "C-10023"})

    async with stand_in(flaky) as url:
        client = make_client(url, retries=2, backoff_s=0.01)
        verification = await client.verify_order("#104233", "jane@example.com")

    assert verification.customer_id == "C-10023"
    assert calls == ["/api/v1/orders/104233/verify"] * 3


async def test_when_base_url_has_a_path_prefix_then_requests_go_under_it() -> None:
    seen: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(request.path)
        return web.json_response({"orders": []})

    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    async with TestServer(app) as server:
        client = HttpCommerceClient(ClientSettings(base_url=str(server.make_url("/commerce/"))))
        try:
            assert await client.recent_orders("C-10001") == []
        finally:
            await client.close()
    assert seen == ["/commerce/api/v1/customers/C-10001/orders"]
