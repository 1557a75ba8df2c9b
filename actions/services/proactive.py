"""The assistant's door to the proactive service: note that a shopper asked about an order.

A proactive message about an order the shopper asked about today would only repeat what they
were just told, so the order lookup notes each question here
(``POST /proactive/<tenant>/inquiries``). Nothing depends on the answer: with
``PROACTIVE_URL`` unset the note is skipped, and a failure is logged and forgotten.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Protocol

import aiohttp

logger = logging.getLogger(__name__)


class InquiryLog(Protocol):
    async def asked(self, tenant: str, customer_id: str, order_id: str) -> None: ...


class NoInquiryLog:
    """Proactive messages are not running: nothing to note."""

    async def asked(self, tenant: str, customer_id: str, order_id: str) -> None:
        return None


class HttpInquiryLog:
    """:class:`InquiryLog` over the proactive service's bearer-token route (short timeout)."""

    def __init__(self, base_url: str, token: str, timeout_s: float = 2.0) -> None:
        self._base = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"}
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def asked(self, tenant: str, customer_id: str, order_id: str) -> None:
        url = f"{self._base}/proactive/{tenant}/inquiries"
        body = {"customer_id": customer_id, "order_id": order_id}
        try:
            async with (
                aiohttp.ClientSession(timeout=self._timeout, headers=self._headers) as http,
                http.post(url, json=body) as resp,
            ):
                if resp.status >= 400:
                    logger.warning("proactive: inquiry not noted (%s)", resp.status)
        # asyncio.TimeoutError is not the builtin TimeoutError before Python 3.11.
        except (aiohttp.ClientError, asyncio.TimeoutError, TimeoutError) as exc:
            logger.warning("proactive: inquiry not noted (%s)", type(exc).__name__)


def inquiries_from_env() -> InquiryLog:
    """Built from ``PROACTIVE_URL`` and ``PROACTIVE_API_TOKEN``; a no-op when unset."""
    url = os.environ.get("PROACTIVE_URL", "")
    if not url:
        return NoInquiryLog()
    return HttpInquiryLog(url, os.environ.get("PROACTIVE_API_TOKEN", ""))
