"""The recommendation routes: suggestions for a shopper, and the clicks on them.

Parsing, the JSON shapes and the routes, in the manner of `commerce.api`, whose helpers they
share; the service behind them (`commerce.recommendations.service`) never sees HTTP.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from commerce.api import (
    API_PREFIX,
    invalid_request,
    iso_time,
    json_response,
    money,
    read_json_object,
)
from commerce.config import MERCHANT_KEY
from commerce.errors import MerchantNotFound
from commerce.models import RecommendationClick
from commerce.recommendations.service import RecommendationService, Suggestions

MAX_LIMIT = 10
_ID = re.compile(r"^[A-Za-z0-9_#.\-]{1,64}$")
_MENTION = re.compile(r"^[\w \-']+$")
MAX_MENTION = 60

SERVICE_KEY = web.AppKey("recommendations", RecommendationService)


def _id_param(raw: str | None, name: str) -> str | None:
    """An optional id from the query or body: None when absent, else it must look like one."""
    if raw is None:
        return None
    if not isinstance(raw, str) or not _ID.match(raw.strip()):
        raise invalid_request(f"{name} must be 1 to 64 letters, digits or -_#.")
    return raw.strip()


def _mention(raw: str | None) -> str | None:
    """What the shopper called a product: up to 60 characters of plain text."""
    if raw is None or not raw.strip():
        return None
    if len(raw) > MAX_MENTION or not _MENTION.match(raw):
        raise invalid_request(f"about must be up to {MAX_MENTION} letters, digits, spaces or -'.")
    return raw.strip()


def _merchant(raw: str | None) -> str | None:
    """A merchant's key (a tenant of `channels/tenants.yml`), when the request names one."""
    if raw is None:
        return None
    if not MERCHANT_KEY.match(raw.strip()):
        raise invalid_request("merchant must be 1 to 63 lower-case letters, digits or dashes.")
    return raw.strip()


def _limit(raw: str | None, default: int) -> int:
    if raw is None:
        return default
    if not raw.strip().isdigit() or not 1 <= int(raw.strip()) <= MAX_LIMIT:
        raise invalid_request(f"limit must be an integer between 1 and {MAX_LIMIT}.")
    return int(raw.strip())


def serialize_suggestions(suggestions: Suggestions) -> dict[str, Any]:
    return {
        "recommendation_id": suggestions.recommendation_id,
        "customer_id": suggestions.customer_id,
        "anchor_product_id": suggestions.anchor_product_id,
        "recommendations": [
            {
                "position": index,
                "product_id": item.product_id,
                "name": item.name,
                "category": item.category,
                "price": money(item.price_cents),
                "in_stock": item.in_stock,
                "reason": item.reason,
                "source": item.source,
            }
            for index, item in enumerate(suggestions.items, start=1)
        ],
    }


def serialize_click(click: RecommendationClick) -> dict[str, Any]:
    return {
        "click_id": click.id,
        "recommendation_id": click.recommendation_id,
        "product_id": click.product_id,
        "customer_id": click.customer_id,
        "position": click.position,
        "created_at": iso_time(click.created_at),
    }


async def get_recommendations(request: web.Request) -> web.Response:
    """`GET /api/v1/recommendations?customer_id=&product_id=&about=&limit=&merchant=`."""
    service = request.app[SERVICE_KEY]
    merchant = _merchant(request.query.get("merchant"))
    customer_id = _id_param(request.query.get("customer_id"), "customer_id")
    product_id = _id_param(request.query.get("product_id"), "product_id")
    about = _mention(request.query.get("about"))
    try:
        policy = service.policy_for(merchant)
    except MerchantNotFound:
        known = ", ".join(sorted(service.merchants))
        raise MerchantNotFound(
            f"This backend has no recommendation rules for merchant {merchant!r} "
            f"(it serves: {known})"
        ) from None
    limit = _limit(request.query.get("limit"), policy.max_results)
    suggestions = await service.suggest(customer_id, product_id, limit, about, policy)
    return json_response(serialize_suggestions(suggestions))


async def post_click(request: web.Request) -> web.Response:
    """`POST /api/v1/recommendations/clicks`: 201 the first time, 200 for a repeat."""
    body = await read_json_object(request)
    position = body.get("position")
    recommendation_id = _id_param(body.get("recommendation_id"), "recommendation_id")
    product_id = _id_param(body.get("product_id"), "product_id")
    customer_id = _id_param(body.get("customer_id"), "customer_id")
    if recommendation_id is None or product_id is None:
        raise invalid_request("recommendation_id and product_id are required.")
    if position is not None and (
        isinstance(position, bool) or not isinstance(position, int) or not 1 <= position <= 50
    ):
        raise invalid_request("position must be an integer between 1 and 50.")
    click, created = await request.app[SERVICE_KEY].record_click(
        recommendation_id, product_id, customer_id, position
    )
    return json_response(serialize_click(click), status=201 if created else 200)


async def get_clicks(request: web.Request) -> web.Response:
    """`GET /api/v1/recommendations/clicks?customer_id=`: what a shopper picked."""
    customer_id = _id_param(request.query.get("customer_id"), "customer_id")
    if customer_id is None:
        raise invalid_request("customer_id is required.")
    clicks = await request.app[SERVICE_KEY].clicks(customer_id)
    return json_response({"clicks": [serialize_click(click) for click in clicks]})


def setup_recommendation_routes(app: web.Application) -> None:
    """Register the routes; `commerce.openapi` documents them with the others."""
    app.router.add_get(f"{API_PREFIX}/recommendations", get_recommendations)
    app.router.add_post(f"{API_PREFIX}/recommendations/clicks", post_click)
    app.router.add_get(f"{API_PREFIX}/recommendations/clicks", get_clicks)


async def warm_up_on_start(app: web.Application) -> AsyncIterator[None]:
    """A cleanup context for the served backend (`python -m commerce`), after the database's.

    Tests build many short-lived apps and leave it out; a served backend builds the
    recommender (about two seconds for the demo store on first start) while it starts
    answering other requests.
    """
    app[SERVICE_KEY].warm_up()
    yield
