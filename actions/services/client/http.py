"""The reference :class:`CommerceClient`: the bundled backend's HTTP API, with retries."""

from __future__ import annotations

import asyncio
import logging
import random
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiohttp

from actions.services.client.errors import (
    BackendUnavailable,
    BadRequest,
    ChangeRefused,
    CustomerNotFound,
    OrderNotFound,
    VerificationFailed,
)
from actions.services.client.records import (
    ClaimCreated,
    Customer,
    Order,
    OrderSummary,
    PaymentMethod,
    Product,
    ProductMatch,
    ReturnCreated,
    Suggestion,
    Suggestions,
    Variant,
    Verification,
    parse_datetime,
    parse_order,
)
from merchants.tenants import DEFAULT_COMMERCE_TOKEN, DEFAULT_COMMERCE_URL

logger = logging.getLogger(__name__)


DEFAULT_API_URL = DEFAULT_COMMERCE_URL
DEFAULT_API_TOKEN = DEFAULT_COMMERCE_TOKEN  # local development only; set COMMERCE_API_TOKEN


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
                placed_at=parse_datetime(o["placed_at"]) or datetime.min,
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

    async def change_default_address(
        self, customer_id: str, address: dict[str, str | None], idempotency_key: str
    ) -> str:
        """See :meth:`CommerceClient.change_default_address`. Safe to retry (idempotency key)."""
        body = await self._change(
            f"/api/v1/customers/{_path_part(customer_id)}/address",
            {"address": address},
            idempotency_key,
        )
        return str(body.get("name", ""))

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
        return _product(body)

    async def search_products(self, text: str, limit: int = 5) -> list[ProductMatch]:
        """See :meth:`CommerceClient.search_products`."""
        status, body = await self._request(
            "GET", "/api/v1/products", params={"q": text[:200], "limit": str(limit)}
        )
        self._raise_for(status, body)
        return [
            ProductMatch(product=_product(p), match=float(p.get("match", 0.0)))
            for p in body.get("products", [])
        ]

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


def _product(body: dict[str, Any]) -> Product:
    """A product as the backend's JSON gives it."""
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
