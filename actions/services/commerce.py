"""The one door from the assistant to the merchant's commerce platform.

Actions never speak HTTP or SQL themselves: they call a :class:`CommerceClient`. The reference
implementation, :class:`HttpCommerceClient`, talks to the bundled commerce backend
(``docs/commerce-api.md``); a merchant on another platform implements the same interface and
registers it in :func:`client_from_env`. Nothing here imports rasa_sdk, so the client is usable
(and testable) outside the action server.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

import aiohttp

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "http://127.0.0.1:8060"
DEFAULT_API_TOKEN = "dev-commerce-token"  # local development only; set COMMERCE_API_TOKEN


class CommerceError(Exception):
    """Base class of every error the commerce client raises."""


class OrderNotFound(CommerceError):
    """The order reference matches no order."""


class CustomerNotFound(CommerceError):
    """The customer id or e-mail matches no customer."""


class VerificationFailed(CommerceError):
    """Unknown order or wrong second factor: deliberately indistinguishable."""


class BackendUnavailable(CommerceError):
    """The backend could not be reached, timed out, or failed on its side."""


class ChangeRefused(CommerceError):
    """The backend refused a change (wrong order state, bad address, already returned...)."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class BadRequest(CommerceError):
    """The backend rejected the request as malformed (a bug on our side, or bad input)."""


@dataclass(frozen=True)
class TrackingEvent:
    """One scan or status update from the carrier."""

    timestamp: datetime
    status: str
    description: str
    location: str | None


@dataclass(frozen=True)
class Shipment:
    """The parcel of an order once it has been handed to a carrier."""

    carrier: str
    tracking_number: str
    tracking_url: str | None
    status: str
    shipped_at: datetime | None
    promised_delivery_date: date | None
    estimated_delivery_date: date | None
    delivered_at: datetime | None
    events: tuple[TrackingEvent, ...] = ()

    @property
    def latest_event(self) -> TrackingEvent | None:
        """The newest tracking event (events arrive oldest first)."""
        return self.events[-1] if self.events else None


@dataclass(frozen=True)
class OrderLine:
    """One product variant on an order."""

    line_id: int
    product_id: str
    sku: str
    product_name: str
    category: str
    options: dict[str, str]
    quantity: int
    unit_price: float
    final_sale: bool


@dataclass(frozen=True)
class Refund:
    """Money going back to the shopper."""

    refund_id: str
    amount: float
    method: str
    status: str
    created_at: datetime | None
    processed_at: datetime | None


@dataclass(frozen=True)
class ReturnRequest:
    """A return merchandise authorisation (RMA)."""

    rma_id: str
    status: str
    created_at: datetime | None
    resolution: str | None
    line_ids: tuple[int, ...]


@dataclass(frozen=True)
class Order:
    """An order as the assistant needs it, after the shopper is verified."""

    order_id: str
    customer_id: str
    status: str
    placed_at: datetime
    currency: str
    total: float
    lines: tuple[OrderLine, ...]
    shipping_postcode: str | None
    shipping_name: str | None
    shipment: Shipment | None
    returns: tuple[ReturnRequest, ...] = ()
    refunds: tuple[Refund, ...] = ()
    # Ids of the payment methods holding the order's money now (voided or refunded excluded).
    paid_with: tuple[str, ...] = ()
    items_modified: bool = False


@dataclass(frozen=True)
class OrderSummary:
    """A line in a shopper's order history."""

    order_id: str
    status: str
    placed_at: datetime
    total: float
    currency: str
    item_count: int
    first_item_name: str


@dataclass(frozen=True)
class ReturnCreated:
    """A new return (RMA), with what the shopper has to do next."""

    rma_id: str
    refund_amount: float
    instructions: str


@dataclass(frozen=True)
class ClaimCreated:
    """A recorded delivery problem and what was done about it."""

    claim_id: str
    remedy: str
    amount: float


@dataclass(frozen=True)
class Suggestion:
    """One suggested product with the reason to show the shopper."""

    product_id: str
    name: str
    price: float
    in_stock: bool
    reason: str
    position: int


@dataclass(frozen=True)
class Suggestions:
    """A list of suggestions; clicks refer to it by ``recommendation_id``."""

    recommendation_id: str
    items: tuple[Suggestion, ...]


@dataclass(frozen=True)
class PaymentMethod:
    """One of the shopper's stored ways to pay; a gift card carries its balance."""

    payment_method_id: str
    type: str
    label: str
    balance: float | None = None


@dataclass(frozen=True)
class Variant:
    """One option of a product (size, colour, ...) with its own price and stock."""

    sku: str
    options: dict[str, str]
    price: float
    stock: int


@dataclass(frozen=True)
class Product:
    """A product with every variant the store sells."""

    product_id: str
    name: str
    variants: tuple[Variant, ...]


@dataclass(frozen=True)
class Customer:
    """A shopper found by e-mail, or by full name and ZIP code."""

    customer_id: str
    name: str


@dataclass(frozen=True)
class Verification:
    """Proof that the shopper knows the second factor of an order."""

    order_id: str
    customer_id: str


class CommerceClient(Protocol):
    """What the assistant needs from a commerce platform.

    Implement this to connect Aftercare to another order system.
    """

    async def get_order(self, order_ref: str) -> Order:
        """Fetch an order by the shopper's loosely typed reference."""
        ...

    async def verify_order(self, order_ref: str, answer: str) -> Verification:
        """Check an e-mail or postcode against an order; raises VerificationFailed."""
        ...

    async def recent_orders(self, customer_id: str, limit: int = 5) -> list[OrderSummary]:
        """The customer's newest orders, newest first."""
        ...

    async def customer_by_phone(self, phone: str) -> str:
        """The id of the one customer with this phone number; raises CustomerNotFound."""
        ...

    async def cancel_order(self, order_ref: str, reason: str, idempotency_key: str) -> Order:
        """Cancel an order that has not shipped; raises ChangeRefused otherwise."""
        ...

    async def create_return(
        self,
        order_ref: str,
        line_ids: list[int],
        reason: str,
        resolution: str,
        idempotency_key: str,
        exchanges: dict[int, str] | None = None,
        payment_method_id: str | None = None,
    ) -> ReturnCreated:
        """Open a return (or an exchange: line id → new SKU) for delivered lines.

        ``payment_method_id`` settles an exchange's price difference or receives a refund;
        raises ChangeRefused when not allowed.
        """
        ...

    async def create_claim(
        self,
        order_ref: str,
        kind: str,
        line_ids: list[int],
        remedy: str,
        description: str,
        idempotency_key: str,
    ) -> ClaimCreated:
        """Record a delivery problem with its remedy; raises ChangeRefused when not allowed."""
        ...

    async def recent_claims(self, customer_id: str, days: int) -> int:
        """How many problems the customer reported in the last ``days`` days."""
        ...

    async def change_address(
        self, order_ref: str, address: dict[str, str | None], idempotency_key: str
    ) -> Order:
        """Change the delivery address of an unshipped order; ChangeRefused otherwise."""
        ...

    async def recommendations(
        self,
        customer_id: str | None,
        product_id: str | None = None,
        limit: int = 3,
        about: str | None = None,
        merchant: str | None = None,
    ) -> Suggestions:
        """Products to suggest, best first; popular ones for an unknown shopper.

        ``about`` is the shopper's word for a product ("tent"): suggestions go with it.
        ``merchant`` is the conversation's tenant: a backend that serves several merchants
        applies that merchant's rules (exclusions, price band); None: the backend's own.
        """
        ...

    async def record_click(
        self,
        recommendation_id: str,
        product_id: str,
        customer_id: str | None,
        position: int | None,
    ) -> None:
        """Record that the shopper picked a suggestion (for measuring, not an order)."""
        ...

    async def find_customer(
        self, *, email: str | None = None, name: str | None = None, postcode: str | None = None
    ) -> Customer:
        """The customer with this e-mail (and ZIP, when given), or this full name and ZIP.

        Raises CustomerNotFound otherwise.
        """
        ...

    async def payment_methods(self, customer_id: str) -> list[PaymentMethod]:
        """The customer's stored payment methods, gift cards with their balance."""
        ...

    async def get_product(self, product_id: str) -> Product:
        """A product and all its variants, for offering other options of an item."""
        ...

    async def change_payment_method(
        self, order_ref: str, payment_method_id: str, idempotency_key: str
    ) -> Order:
        """Move a pending order's payment to another of the customer's methods."""
        ...

    async def change_items(
        self,
        order_ref: str,
        changes: dict[int, str],
        payment_method_id: str,
        idempotency_key: str,
    ) -> Order:
        """Swap lines (line id → new SKU) of a pending order, all at once."""
        ...


@dataclass(frozen=True)
class ClientSettings:
    """Connection settings, read from the environment by :func:`client_from_env`."""

    base_url: str = DEFAULT_API_URL
    token: str = DEFAULT_API_TOKEN
    timeout_s: float = 3.0
    retries: int = 2
    backoff_s: float = 0.15


@dataclass
class HttpCommerceClient:
    """:class:`CommerceClient` over the reference backend's HTTP API.

    Reads are idempotent and retried with jittered exponential backoff on connection errors
    and 5xx answers. A timeout is not retried: a slow backend only gets slower under retries,
    and the shopper should hear an apology within ``timeout_s``. Verification is a POST but
    has no side effect on the backend, so it is retried the same way.
    """

    settings: ClientSettings = field(default_factory=ClientSettings)
    _session: aiohttp.ClientSession | None = field(default=None, init=False, repr=False)

    async def _get_session(self) -> aiohttp.ClientSession:
        # One pooled session per client, created on first use inside the running loop
        # (creating it at import time would bind it to no loop).
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                headers={"Authorization": f"Bearer {self.settings.token}"},
                timeout=aiohttp.ClientTimeout(total=self.settings.timeout_s),
            )
        return self._session

    async def close(self) -> None:
        """Release pooled connections."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        session = await self._get_session()
        attempts = self.settings.retries + 1
        for attempt in range(attempts):
            try:
                # Joined here, not via ClientSession(base_url=...), so a base URL with a path
                # prefix (behind a reverse proxy) works too.
                url = self.settings.base_url.rstrip("/") + path
                async with session.request(
                    method, url, json=json, params=params, headers=headers
                ) as resp:
                    if resp.status >= 500:
                        raise BackendUnavailable(f"{method} {path}: HTTP {resp.status}")
                    body = await resp.json(content_type=None)
                    return resp.status, body if isinstance(body, dict) else {}
            except asyncio.TimeoutError as exc:
                raise BackendUnavailable(f"{method} {path}: timed out") from exc
            except (aiohttp.ClientError, BackendUnavailable, ValueError) as exc:
                if attempt + 1 >= attempts:
                    raise BackendUnavailable(f"{method} {path}: {exc!r}") from exc
                delay = self.settings.backoff_s * (2**attempt) * (1 + random.random())
                logger.warning("commerce backend %s %s failed (%r); retrying", method, path, exc)
                await asyncio.sleep(delay)
        raise BackendUnavailable(f"{method} {path}: no attempt made")  # pragma: no cover

    @staticmethod
    def _raise_for(status: int, body: dict[str, Any]) -> None:
        if status < 400:
            return
        code = (body.get("error") or {}).get("code", "")
        if status == 401:
            raise BackendUnavailable("commerce backend rejected our credentials")
        if code == "verification_failed":
            raise VerificationFailed()
        if code == "order_not_found":
            raise OrderNotFound()
        if code == "customer_not_found":
            raise CustomerNotFound()
        raise BadRequest(f"HTTP {status}: {code}")

    async def get_order(self, order_ref: str) -> Order:
        """See :meth:`CommerceClient.get_order`."""
        status, body = await self._request("GET", f"/api/v1/orders/{_path_part(order_ref)}")
        if status == 404:
            raise OrderNotFound()
        self._raise_for(status, body)
        return parse_order(body)

    async def verify_order(self, order_ref: str, answer: str) -> Verification:
        """See :meth:`CommerceClient.verify_order`."""
        ref = _path_part(order_ref)
        if not ref or not answer.strip():
            raise VerificationFailed()
        status, body = await self._request(
            "POST", f"/api/v1/orders/{ref}/verify", json={"answer": answer.strip()}
        )
        if status in (404, 422):
            raise VerificationFailed()
        self._raise_for(status, body)
        return Verification(order_id=body["order_id"], customer_id=body["customer_id"])

    async def recent_orders(self, customer_id: str, limit: int = 5) -> list[OrderSummary]:
        """See :meth:`CommerceClient.recent_orders`."""
        status, body = await self._request(
            "GET",
            f"/api/v1/customers/{_path_part(customer_id)}/orders",
            params={"limit": str(limit)},
        )
        self._raise_for(status, body)
        return [
            OrderSummary(
                order_id=o["order_id"],
                status=o["status"],
                placed_at=_dt(o["placed_at"]) or datetime.min,
                total=float(o["total"]),
                currency=o.get("currency", "USD"),
                item_count=int(o.get("item_count", 0)),
                first_item_name=o.get("first_item_name", ""),
            )
            for o in body.get("orders", [])
        ]

    async def customer_by_phone(self, phone: str) -> str:
        """See :meth:`CommerceClient.customer_by_phone`."""
        if not phone.strip():
            raise CustomerNotFound()
        status, body = await self._request(
            "GET", "/api/v1/customers", params={"phone": phone.strip()}
        )
        if status in (404, 422):
            raise CustomerNotFound()
        self._raise_for(status, body)
        return str(body["customer_id"])

    async def cancel_order(self, order_ref: str, reason: str, idempotency_key: str) -> Order:
        """See :meth:`CommerceClient.cancel_order`.

        Safe to retry: the idempotency key makes a repeated request a replay, never a second
        cancellation or refund.
        """
        body = await self._change(
            f"/api/v1/orders/{_path_part(order_ref)}/cancel", {"reason": reason}, idempotency_key
        )
        return parse_order(body)

    async def create_return(
        self,
        order_ref: str,
        line_ids: list[int],
        reason: str,
        resolution: str,
        idempotency_key: str,
        exchanges: dict[int, str] | None = None,
        payment_method_id: str | None = None,
    ) -> ReturnCreated:
        """See :meth:`CommerceClient.create_return`. Safe to retry (idempotency key)."""
        request: dict[str, Any] = {
            "line_ids": line_ids,
            "reason": reason,
            "resolution": resolution,
        }
        if exchanges:
            request["exchanges"] = [
                {"line_id": line_id, "new_sku": sku} for line_id, sku in sorted(exchanges.items())
            ]
        if payment_method_id:
            request["payment_method_id"] = payment_method_id
        body = await self._change(
            f"/api/v1/orders/{_path_part(order_ref)}/returns", request, idempotency_key
        )
        return ReturnCreated(
            rma_id=body["rma_id"],
            refund_amount=float(body.get("refund_amount") or 0.0),
            instructions=body.get("instructions", ""),
        )

    async def create_claim(
        self,
        order_ref: str,
        kind: str,
        line_ids: list[int],
        remedy: str,
        description: str,
        idempotency_key: str,
    ) -> ClaimCreated:
        """Record a delivery problem with its remedy. Safe to retry (idempotency key)."""
        body = await self._change(
            f"/api/v1/orders/{_path_part(order_ref)}/claims",
            {"kind": kind, "line_ids": line_ids, "remedy": remedy, "description": description},
            idempotency_key,
        )
        return ClaimCreated(
            claim_id=str(body["claim_id"]),
            remedy=body.get("remedy", remedy),
            amount=float(body.get("amount") or 0.0),
        )

    async def recent_claims(self, customer_id: str, days: int) -> int:
        """How many problems the customer reported in the last ``days`` days."""
        status, body = await self._request(
            "GET",
            f"/api/v1/customers/{_path_part(customer_id)}/claims",
            params={"days": str(days)},
        )
        self._raise_for(status, body)
        return len(body.get("claims", []))

    async def change_address(
        self, order_ref: str, address: dict[str, str | None], idempotency_key: str
    ) -> Order:
        """See :meth:`CommerceClient.change_address`. Safe to retry (idempotency key)."""
        body = await self._change(
            f"/api/v1/orders/{_path_part(order_ref)}/address", {"address": address}, idempotency_key
        )
        return parse_order(body)

    async def recommendations(
        self,
        customer_id: str | None,
        product_id: str | None = None,
        limit: int = 3,
        about: str | None = None,
        merchant: str | None = None,
    ) -> Suggestions:
        """See :meth:`CommerceClient.recommendations`."""
        params = {"limit": str(limit)}
        if merchant:
            params["merchant"] = merchant
        mention = " ".join(re.findall(r"[\w'-]+", about or ""))[:60]
        if mention:
            params["about"] = mention
        if customer_id:
            params["customer_id"] = customer_id
        if product_id:
            params["product_id"] = product_id
        status, body = await self._request("GET", "/api/v1/recommendations", params=params)
        self._raise_for(status, body)
        return Suggestions(
            recommendation_id=str(body["recommendation_id"]),
            items=tuple(
                Suggestion(
                    product_id=item["product_id"],
                    name=item["name"],
                    price=float(item["price"]),
                    in_stock=bool(item.get("in_stock", True)),
                    reason=item.get("reason", ""),
                    position=int(item.get("position", index)),
                )
                for index, item in enumerate(body.get("recommendations", []), start=1)
            ),
        )

    async def record_click(
        self,
        recommendation_id: str,
        product_id: str,
        customer_id: str | None,
        position: int | None,
    ) -> None:
        """See :meth:`CommerceClient.record_click`.

        Safe to retry: the backend records one click per list and product.
        """
        body: dict[str, Any] = {"recommendation_id": recommendation_id, "product_id": product_id}
        if customer_id:
            body["customer_id"] = customer_id
        if position is not None:
            body["position"] = position
        status, answer = await self._request("POST", "/api/v1/recommendations/clicks", json=body)
        self._raise_for(status, answer)

    async def find_customer(
        self, *, email: str | None = None, name: str | None = None, postcode: str | None = None
    ) -> Customer:
        """See :meth:`CommerceClient.find_customer`."""
        if email:
            params = {"email": email, **({"postcode": postcode} if postcode else {})}
        else:
            params = {"name": name or "", "postcode": postcode or ""}
        status, body = await self._request("GET", "/api/v1/customers", params=params)
        if status in (404, 422):
            raise CustomerNotFound()
        self._raise_for(status, body)
        return Customer(customer_id=body["customer_id"], name=body.get("name") or "")

    async def payment_methods(self, customer_id: str) -> list[PaymentMethod]:
        """See :meth:`CommerceClient.payment_methods`."""
        status, body = await self._request(
            "GET", f"/api/v1/customers/{_path_part(customer_id)}/payment-methods"
        )
        self._raise_for(status, body)
        return [
            PaymentMethod(
                payment_method_id=m["payment_method_id"],
                type=m.get("type", ""),
                label=m.get("label") or m["payment_method_id"],
                balance=float(m["balance"]) if m.get("balance") is not None else None,
            )
            for m in body.get("payment_methods", [])
        ]

    async def get_product(self, product_id: str) -> Product:
        """See :meth:`CommerceClient.get_product`."""
        status, body = await self._request("GET", f"/api/v1/products/{_path_part(product_id)}")
        self._raise_for(status, body)
        return Product(
            product_id=body["product_id"],
            name=body.get("name", ""),
            variants=tuple(
                Variant(
                    sku=v["sku"],
                    options=dict(v.get("options") or {}),
                    price=float(v.get("price", 0.0)),
                    stock=int(v.get("stock", 0)),
                )
                for v in body.get("variants", [])
            ),
        )

    async def change_payment_method(
        self, order_ref: str, payment_method_id: str, idempotency_key: str
    ) -> Order:
        """See :meth:`CommerceClient.change_payment_method`. Safe to retry."""
        body = await self._change(
            f"/api/v1/orders/{_path_part(order_ref)}/payment-method",
            {"payment_method_id": payment_method_id},
            idempotency_key,
        )
        return parse_order(body)

    async def change_items(
        self,
        order_ref: str,
        changes: dict[int, str],
        payment_method_id: str,
        idempotency_key: str,
    ) -> Order:
        """See :meth:`CommerceClient.change_items`. Safe to retry (idempotency key)."""
        body = await self._change(
            f"/api/v1/orders/{_path_part(order_ref)}/items",
            {
                "changes": [
                    {"line_id": line_id, "new_sku": sku} for line_id, sku in sorted(changes.items())
                ],
                "payment_method_id": payment_method_id,
            },
            idempotency_key,
        )
        return parse_order(body)

    async def _change(
        self, path: str, body: dict[str, Any], idempotency_key: str
    ) -> dict[str, Any]:
        status, answer = await self._request(
            "POST", path, json=body, headers={"Idempotency-Key": idempotency_key}
        )
        if status in (409, 422):
            error = answer.get("error") or {}
            raise ChangeRefused(error.get("code", "refused"), error.get("message", ""))
        if status == 404:
            raise OrderNotFound()
        self._raise_for(status, answer)
        return answer


def _path_part(value: str) -> str:
    """Keep a shopper-typed reference safe inside a URL path."""
    # τ-bench's customer ids have underscores (sofia_rossi_8776).
    return "".join(ch for ch in value if ch.isalnum() or ch in "-_")[:64]


def _dt(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _d(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def parse_order(body: dict[str, Any]) -> Order:
    """Turn the backend's order JSON into an :class:`Order`."""
    ship = body.get("shipment")
    shipment = None
    if ship:
        shipment = Shipment(
            carrier=ship["carrier"],
            tracking_number=ship["tracking_number"],
            tracking_url=ship.get("tracking_url"),
            status=ship.get("status", ""),
            shipped_at=_dt(ship.get("shipped_at")),
            promised_delivery_date=_d(ship.get("promised_delivery_date")),
            estimated_delivery_date=_d(ship.get("estimated_delivery_date")),
            delivered_at=_dt(ship.get("delivered_at")),
            events=tuple(
                TrackingEvent(
                    timestamp=_dt(e["timestamp"]) or datetime.min,
                    status=e.get("status", ""),
                    description=e.get("description", ""),
                    location=e.get("location"),
                )
                for e in ship.get("events", [])
            ),
        )
    return Order(
        order_id=body["order_id"],
        customer_id=body["customer_id"],
        status=body["status"],
        placed_at=_dt(body["placed_at"]) or datetime.min,
        currency=body.get("currency", "USD"),
        total=float(body.get("total", 0.0)),
        lines=tuple(
            OrderLine(
                line_id=int(li["line_id"]),
                product_id=li["product_id"],
                sku=li["sku"],
                product_name=li["product_name"],
                category=li.get("category", ""),
                options=dict(li.get("options") or {}),
                quantity=int(li.get("quantity", 1)),
                unit_price=float(li.get("unit_price", 0.0)),
                final_sale=bool(li.get("final_sale", False)),
            )
            for li in body.get("lines", [])
        ),
        shipping_postcode=(body.get("shipping_address") or {}).get("postcode"),
        shipping_name=(body.get("shipping_address") or {}).get("name"),
        shipment=shipment,
        returns=tuple(
            ReturnRequest(
                rma_id=r["rma_id"],
                status=r.get("status", ""),
                created_at=_dt(r.get("created_at")),
                resolution=r.get("resolution"),
                line_ids=tuple(r.get("line_ids", [])),
            )
            for r in body.get("returns", [])
        ),
        refunds=tuple(
            Refund(
                refund_id=r["refund_id"],
                amount=float(r.get("amount", 0.0)),
                method=r.get("method", ""),
                status=r.get("status", ""),
                created_at=_dt(r.get("created_at")),
                processed_at=_dt(r.get("processed_at")),
            )
            for r in body.get("refunds", [])
        ),
        paid_with=tuple(
            dict.fromkeys(
                p["method"]["payment_method_id"]
                for p in body.get("payments", [])
                if p.get("status") not in ("voided", "refunded")
            )
        ),
        items_modified=bool(body.get("items_modified", False)),
    )


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
                _tenant_clients[tenant] = HttpCommerceClient(
                    _settings(
                        entry.commerce_api_url_env,
                        entry.commerce_api_token_env or "COMMERCE_API_TOKEN",
                    )
                )
            return _tenant_clients[tenant]
    if _client is None:
        _client = HttpCommerceClient(_settings("COMMERCE_API_URL", "COMMERCE_API_TOKEN"))
    return _client
