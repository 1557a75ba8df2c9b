"""Where the recommendation service sits in the backend app, and its warm-up at start.

The routes, their query models and their JSON shapes live with the others (`commerce.routes`,
`commerce.api`, `commerce.query_params`, `commerce.serialize`), so the OpenAPI document is
generated from one table; the service here never sees HTTP.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from commerce.recommendations.service import RecommendationService

SERVICE_KEY = web.AppKey("recommendations", RecommendationService)


async def warm_up_on_start(app: web.Application) -> AsyncIterator[None]:
    """A cleanup context for the served backend (`python -m commerce`), after the database's.

    Tests build many short-lived apps and leave it out; a served backend builds the
    recommender (about two seconds for the demo store on first start) while it starts
    answering other requests.
    """
    app[SERVICE_KEY].warm_up()
    yield
