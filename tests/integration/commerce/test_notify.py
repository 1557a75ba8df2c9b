"""The backend's order news: each change is posted signed, and posted again until answered."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aiohttp
import pytest
import sqlalchemy as sa
from aiohttp import web
from aiohttp.test_utils import TestServer

from commerce.notify import SIGNATURE_HEADER, Notifier, sign

SECRET = "a-webhook-secret"


class Webhook:
    """A proactive service stand-in: answers each post with the next status it is given."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.posts: list[dict[str, object]] = []

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        assert request.headers[SIGNATURE_HEADER] == sign(SECRET, body)
        assert request.match_info["tenant"] == "demo"
        self.posts.append(json.loads(body))
        return web.json_response({}, status=self.statuses.pop(0))


@pytest.fixture
async def webhook() -> AsyncIterator[tuple[Webhook, str]]:
    hook = Webhook([503, 202])
    app = web.Application()
    app.router.add_post("/proactive/{tenant}/events", hook.handle)
    async with TestServer(app) as server:
        yield hook, str(server.make_url(""))


def delay_a_parcel(store_url: str) -> str:
    """The carrier's feed marks an in-transit parcel delayed; its order id."""
    engine = sa.create_engine(store_url)
    with engine.begin() as conn:
        order_id = conn.execute(
            sa.text("SELECT order_id FROM shipments WHERE status = 'in_transit' LIMIT 1")
        ).scalar_one()
        conn.execute(
            sa.text("UPDATE shipments SET status = 'delayed' WHERE order_id = :o"), {"o": order_id}
        )
    engine.dispose()
    return str(order_id)


async def test_a_delay_the_service_could_not_take_is_posted_again_until_it_is(
    store_url: str, webhook: tuple[Webhook, str]
) -> None:
    hook, url = webhook
    notifier = Notifier(store_url, url, "demo", SECRET)
    async with aiohttp.ClientSession() as http:
        await notifier.deliver(http)  # the store as it was at start: no news
        assert hook.posts == []
        order_id = delay_a_parcel(store_url)
        await notifier.deliver(http)  # answered 503: not delivered
        await notifier.deliver(http)  # answered 202
        await notifier.deliver(http)  # nothing new
    assert [p["event_id"] for p in hook.posts] == [f"{order_id}.delayed"] * 2
    assert {p["type"] for p in hook.posts} == {"shipment.delayed"}
    assert all(p["order_id"] == order_id for p in hook.posts)
