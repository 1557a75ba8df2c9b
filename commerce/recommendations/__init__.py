"""Cross-sell suggestions and the clicks on them, served by the backend.

The ranking lives in the `recommender` package, which knows nothing about this database;
this package feeds it, one module per reason to change: `store` (what is read from the
database, and the clicks written to it), `service` (the recommender built on first use and
kept up to date), `startup` (its place in the app and its warm-up), `policies` (each
merchant's rules, read at start), `conversions` (which clicks a purchase followed). Its
routes are in `commerce.routes` with all the others. The names the app and the benchmarks use
are imported here.
"""

from commerce.recommendations.conversions import (
    DEFAULT_PAGE,
    DEFAULT_WINDOW_DAYS,
    MAX_PAGE,
    MAX_WINDOW_DAYS,
    Conversion,
    ConversionPage,
    Cursor,
)
from commerce.recommendations.policies import (
    PolicyUnusable,
    load_merchant_policies,
    load_recommendation_policy,
)
from commerce.recommendations.service import RecommendationService, Suggestions
from commerce.recommendations.startup import SERVICE_KEY, warm_up_on_start
from commerce.recommendations.store import product_text

__all__ = [
    "DEFAULT_PAGE",
    "DEFAULT_WINDOW_DAYS",
    "MAX_PAGE",
    "MAX_WINDOW_DAYS",
    "SERVICE_KEY",
    "Conversion",
    "ConversionPage",
    "Cursor",
    "PolicyUnusable",
    "RecommendationService",
    "Suggestions",
    "load_merchant_policies",
    "load_recommendation_policy",
    "product_text",
    "warm_up_on_start",
]
