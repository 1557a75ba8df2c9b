"""Cross-sell suggestions and the clicks on them, served by the backend.

The ranking lives in the `recommender` package, which knows nothing about this database;
this package feeds it and serves it, one module per reason to change: `store` (what is read
from the database, and the clicks written to it), `service` (the recommender built on first
use and kept up to date), `http` (the routes and their JSON), `policies` (each merchant's
rules, read at start). The names the app and the benchmarks use are imported here.
"""

from commerce.recommendations.http import (
    SERVICE_KEY,
    setup_recommendation_routes,
    warm_up_on_start,
)
from commerce.recommendations.policies import (
    PolicyUnusable,
    load_merchant_policies,
    load_recommendation_policy,
)
from commerce.recommendations.service import RecommendationService, Suggestions
from commerce.recommendations.store import product_text

__all__ = [
    "SERVICE_KEY",
    "PolicyUnusable",
    "RecommendationService",
    "Suggestions",
    "load_merchant_policies",
    "load_recommendation_policy",
    "product_text",
    "setup_recommendation_routes",
    "warm_up_on_start",
]
