"""The proactive service: the event webhook, the inquiry route and a dispatcher in one process.

``python -m proactive`` serves ``POST /proactive/<tenant>/events`` (signed by the merchant's
system, ``proactive.webhook``) and ``POST /proactive/<tenant>/inquiries`` (the action server
noting that a shopper asked about an order, bearer token), and runs a
:class:`~proactive.dispatcher.Dispatcher` beside them for as long as it serves
(``webkit.background.LifetimeTasks``), woken by the webhook as soon as an event's messages are
queued. More dispatchers may run in other processes against
the same database; each claims rows with a lease and finds them at its next poll.

Settings come from the environment (:meth:`ServiceConfig.from_env`); a tenant whose policy
file has a ``proactive:`` section takes events, and its secret must be set (fail closed).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import os
import re
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from channels.state import ChannelState
from merchants.proactive import Channel, ProactiveSettings, settings_from_policy_file
from proactive.dispatcher import Dispatcher
from proactive.senders import (
    DEFAULT_GRAPH_BASE_URL,
    DEFAULT_TWILIO_BASE_URL,
    MessengerSender,
    RasaConversations,
    TwilioSmsSender,
    WebChatSender,
)
from proactive.store import ProactiveStore
from proactive.webhook import MAX_BODY_BYTES, EventWebhook, add_routes
from webkit.background import LifetimeTasks
from webkit.errors import error_middleware, error_response

UTC = dt.timezone.utc
DEFAULT_PORT = 8075
DEFAULT_DB_URL = "sqlite:///var/proactive.db"
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9#._:-]{0,99}$")

STORE = web.AppKey("store", ProactiveStore)
DISPATCHER = web.AppKey("dispatcher", Dispatcher)


def parse_policies(raw: str) -> dict[str, str]:
    """``demo=data/policy/demo.yml,outdoor=…`` (``MERCHANT_POLICIES``) as tenant → path."""
    policies: dict[str, str] = {}
    for entry in filter(None, (part.strip() for part in raw.split(","))):
        tenant, sep, path = (part.strip() for part in entry.partition("="))
        if not sep or not tenant or not path:
            raise ValueError(f"{entry!r} is not tenant=path/to/policy.yml")
        policies[tenant] = path
    return policies


@dataclass(frozen=True)
class ServiceConfig:
    """What the service needs, read once at start.

    Attributes:
        settings: Each tenant that sends proactive messages, with its policy's section.
        db_url: The proactive tables (``PROACTIVE_DB_URL``).
        api_token: Bearer token of the inquiry route (``PROACTIVE_API_TOKEN``).
        rasa_url, rasa_token: Rasa's HTTP API, where messages are triggered.
        channel_state_url: The channels' consent records (an SMS STOP counts at once).
    """

    settings: Mapping[str, ProactiveSettings]
    db_url: str = DEFAULT_DB_URL
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    api_token: str = ""
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str = ""
    twilio_base_url: str = DEFAULT_TWILIO_BASE_URL
    graph_base_url: str = DEFAULT_GRAPH_BASE_URL
    channel_state_url: str = "sqlite:///var/channels.db"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ServiceConfig:
        """Raises ValueError for a broken policy section or a missing token (fail closed)."""
        e = os.environ if env is None else env
        policies = parse_policies(e.get("MERCHANT_POLICIES", ""))
        if not policies and e.get("MERCHANT_POLICY"):
            policies = {"demo": e["MERCHANT_POLICY"]}
        settings: dict[str, ProactiveSettings] = {}
        for tenant, path in policies.items():
            section = settings_from_policy_file(Path(path))
            if section is not None:
                settings[tenant] = section
        token = e.get("PROACTIVE_API_TOKEN", "")
        if not token:
            raise ValueError("PROACTIVE_API_TOKEN is not set")
        return cls(
            settings=settings,
            db_url=e.get("PROACTIVE_DB_URL") or DEFAULT_DB_URL,
            host=e.get("PROACTIVE_HOST") or "127.0.0.1",
            port=int(e.get("PROACTIVE_PORT") or DEFAULT_PORT),
            api_token=token,
            rasa_url=e.get("PROACTIVE_RASA_URL")
            or f"http://127.0.0.1:{e.get('RASA_PORT') or 5005}",
            rasa_token=e.get("RASA_AUTH_TOKEN", ""),
            twilio_base_url=e.get("TWILIO_API_BASE_URL") or DEFAULT_TWILIO_BASE_URL,
            graph_base_url=e.get("MESSENGER_GRAPH_BASE_URL") or DEFAULT_GRAPH_BASE_URL,
            channel_state_url=e.get("CHANNEL_STATE_DB_URL") or "sqlite:///var/channels.db",
        )


class InquiryRoute:
    """``POST /proactive/<tenant>/inquiries``: the shopper asked about this order today.

    Body ``{"customer_id", "order_id"}``; answers 204. The action server calls it after an
    order lookup, so no message arrives about an order the shopper just asked about.
    """

    def __init__(
        self,
        store: ProactiveStore,
        tenants: set[str],
        token: str,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(UTC),
    ) -> None:
        self.store, self.tenants, self.token, self.clock = store, tenants, token, clock

    async def handle(self, request: web.Request) -> web.Response:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not given or not hmac.compare_digest(given.encode(), self.token.encode()):
            return error_response(401, "unauthorized", "A valid bearer token is required.")
        tenant = request.match_info["tenant"]
        if tenant not in self.tenants:
            return error_response(404, "unknown_tenant", "No merchant takes proactive events here.")
        try:
            body = await request.json()
        except ValueError:
            return error_response(400, "malformed_body", "The body must be a JSON object.")
        customer = body.get("customer_id") if isinstance(body, dict) else None
        order = body.get("order_id") if isinstance(body, dict) else None
        if not (isinstance(customer, str) and _ID.match(customer)) or not (
            isinstance(order, str) and _ID.match(order)
        ):
            return error_response(400, "invalid_inquiry", "customer_id and order_id are ids.")
        await asyncio.to_thread(self.store.record_inquiry, tenant, customer, order, self.clock())
        return web.Response(status=204)


async def health(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def create_app(config: ServiceConfig) -> web.Application:
    """The service: store opened in ``cleanup_ctx``, the dispatcher run as a lifetime task."""
    app = web.Application(middlewares=[error_middleware], client_max_size=MAX_BODY_BYTES)
    if config.db_url.startswith("sqlite:///") and not config.db_url.startswith("sqlite:////"):
        Path(config.db_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    store = ProactiveStore(config.db_url)
    app[STORE] = store
    state = ChannelState(config.channel_state_url)
    dispatcher = Dispatcher(
        store,
        config.settings.get,
        RasaConversations(config.rasa_url, config.rasa_token),
        {
            Channel.sms: TwilioSmsSender(api_base_url=config.twilio_base_url),
            # Each tenant's news outside the window goes with its own policy's tag, or not at all.
            Channel.messenger: MessengerSender(
                graph_base_url=config.graph_base_url,
                tag_of=lambda tenant: (
                    config.settings[tenant].messenger_tag if tenant in config.settings else None
                ),
            ),
            Channel.webchat: WebChatSender(),
        },
        opted_out=state.is_opted_out,
    )
    app[DISPATCHER] = dispatcher
    add_routes(app, EventWebhook(store, config.settings, queued=dispatcher.wake))
    inquiries = InquiryRoute(store, set(config.settings), config.api_token)
    app.router.add_post("/proactive/{tenant}/inquiries", inquiries.handle)
    app.router.add_get("/health", health)

    # Cancelled at on_shutdown, before aiohttp waits for the tasks created since the start:
    # the dispatcher's idle wait is one (decision 56), and it would hold the stop for a poll.
    tasks = LifetimeTasks(app)

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        await asyncio.to_thread(store.create_schema)
        tasks.start(dispatcher.run(), dispatcher.task_name)
        yield
        store.close()

    app.cleanup_ctx.append(lifecycle)
    return app
