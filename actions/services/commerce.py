"""The one door from the assistant to the merchant's commerce platform.

Actions never speak HTTP or SQL themselves: they call a :class:`CommerceClient`. The reference
implementation, :class:`HttpCommerceClient`, talks to the bundled commerce backend
(``docs/commerce-api.md``); a merchant on another platform implements the same interface and
registers it in :func:`client_from_env`. Nothing here imports rasa_sdk, so the client is usable
(and testable) outside the action server.
"""

from __future__ import annotations

import os

from actions.services.client.errors import (
    BackendUnavailable,
    BadRequest,
    ChangeRefused,
    CommerceError,
    CustomerNotFound,
    OrderNotFound,
    VerificationFailed,
)
from actions.services.client.http import (
    DEFAULT_API_TOKEN,
    DEFAULT_API_URL,
    ClientSettings,
    HttpCommerceClient,
)
from actions.services.client.protocol import (
    CommerceClient,
)
from actions.services.client.records import (
    ClaimCreated,
    Customer,
    Order,
    OrderLine,
    OrderSummary,
    PaymentMethod,
    Product,
    ProductMatch,
    Refund,
    ReturnCreated,
    ReturnRequest,
    Shipment,
    Suggestion,
    Suggestions,
    TrackingEvent,
    Variant,
    Verification,
    parse_order,
)
from merchants.tenants import COMMERCE_TOKEN_ENV, COMMERCE_URL_ENV

_client: CommerceClient | None = None
_tenant_clients: dict[str, CommerceClient] = {}


def _settings(url_env: str, token_env: str) -> ClientSettings:
    return ClientSettings(
        base_url=os.environ.get(url_env) or DEFAULT_API_URL,
        token=os.environ.get(token_env) or DEFAULT_API_TOKEN,
        timeout_s=float(os.environ.get("COMMERCE_TIMEOUT_S", "3.0")),
        retries=int(os.environ.get("COMMERCE_RETRIES", "2")),
    )


def client_from_env(tenant: str | None = None) -> CommerceClient:
    """The process-wide client, built on first use from environment variables.

    ``COMMERCE_API_URL``, ``COMMERCE_API_TOKEN``, ``COMMERCE_TIMEOUT_S`` and
    ``COMMERCE_RETRIES`` configure it. Built lazily so importing actions does no work.
    A ``tenant`` whose entry in ``channels/tenants.yml`` names its own backend
    (``commerce_api_url_env``) gets a client of its own; every other tenant shares this one.
    """
    global _client
    if tenant is not None:
        from merchants.tenants import load_registry  # only multi-merchant setups need it

        entry = load_registry().tenants.get(tenant)
        if entry is not None and entry.commerce_api_url_env:
            if tenant not in _tenant_clients:
                _tenant_clients[tenant] = HttpCommerceClient(_settings(*entry.commerce_env()))
            return _tenant_clients[tenant]
    if _client is None:
        _client = HttpCommerceClient(_settings(COMMERCE_URL_ENV, COMMERCE_TOKEN_ENV))
    return _client


__all__ = [
    "BackendUnavailable",
    "BadRequest",
    "ChangeRefused",
    "ClaimCreated",
    "ClientSettings",
    "CommerceClient",
    "CommerceError",
    "Customer",
    "CustomerNotFound",
    "DEFAULT_API_TOKEN",
    "DEFAULT_API_URL",
    "HttpCommerceClient",
    "Order",
    "OrderLine",
    "OrderNotFound",
    "OrderSummary",
    "PaymentMethod",
    "Product",
    "ProductMatch",
    "Refund",
    "ReturnCreated",
    "ReturnRequest",
    "Shipment",
    "Suggestion",
    "Suggestions",
    "TrackingEvent",
    "Variant",
    "Verification",
    "VerificationFailed",
    "client_from_env",
    "parse_order",
]
