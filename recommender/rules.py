"""The last stage: the merchant's business rules over the ranked candidates.

Ranking decides what fits the shopper; these rules decide what may be shown. Each rule is a
small named predicate so a test can switch exactly one of them off, and the stage reports
which rule dropped which product (for tests and for a merchant asking "why not X?").
Diversity is the one rule that looks at the list being built: a candidate too similar to
one already kept is a near-duplicate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from recommender.catalog import Catalog, ShopperHistory
from recommender.config import RecommendationPolicy


@dataclass(frozen=True)
class Candidate:
    """A product the ranking proposes, with why.

    Attributes:
        position: The product's position in the catalogue.
        score: The ranking's score (for the hybrid, the estimated chance of buying it with
            the anchor); higher is better.
        source: The signal that contributed most: `copurchase`, `content` or `popularity`.
        anchor: Position of the shopper's purchase the reason is about (None for popularity).
    """

    position: int
    score: float
    source: str
    anchor: int | None = None


@dataclass(frozen=True)
class RuleContext:
    """Everything the rules read for one request.

    Attributes:
        catalog: The products.
        policy: The merchant's rules.
        history: The shopper's purchases, recent returns and region.
        anchor_price_cents: Price of the purchase the list is about; None for cold start.
        in_stock: Product ids that can ship now, read fresh for this request.
    """

    catalog: Catalog
    policy: RecommendationPolicy
    history: ShopperHistory
    anchor_price_cents: int | None
    in_stock: frozenset[str]
    returned_categories: frozenset[str] = field(default=frozenset())


Rule = Callable[[Candidate, RuleContext], bool]


def in_stock(candidate: Candidate, ctx: RuleContext) -> bool:
    """Never suggest what cannot be sent."""
    return ctx.catalog.products[candidate.position].product_id in ctx.in_stock


def not_already_bought(candidate: Candidate, ctx: RuleContext) -> bool:
    """A second tent is rarely what a tent buyer needs next."""
    return ctx.catalog.products[candidate.position].product_id not in ctx.history.bought


def not_just_returned(candidate: Candidate, ctx: RuleContext) -> bool:
    """Someone who just sent a jacket back does not want another jacket pushed at them."""
    return ctx.catalog.products[candidate.position].category not in ctx.returned_categories


def ships_to_region(candidate: Candidate, ctx: RuleContext) -> bool:
    """Some categories cannot go to some places (fuel canisters by air, for example)."""
    region = (ctx.history.region or "").upper()
    blocked = ctx.policy.region_exclusions.get(region, ())
    return ctx.catalog.products[candidate.position].category not in blocked


def not_excluded_by_merchant(candidate: Candidate, ctx: RuleContext) -> bool:
    """Categories and products the merchant never wants suggested."""
    product = ctx.catalog.products[candidate.position]
    return (
        product.category not in ctx.policy.exclude_categories
        and product.product_id not in ctx.policy.exclude_products
    )


def within_price_band(candidate: Candidate, ctx: RuleContext) -> bool:
    """An add-on priced like the purchase it goes with, not a $900 upsell on a $20 mug."""
    if ctx.anchor_price_cents is None or ctx.anchor_price_cents <= 0:
        return True
    price = ctx.catalog.products[candidate.position].price_cents
    band = ctx.policy.price_band
    low = band.min_ratio * ctx.anchor_price_cents
    high = band.max_ratio * ctx.anchor_price_cents
    return low <= price <= high


RULES: tuple[tuple[str, Rule], ...] = (
    ("in_stock", in_stock),
    ("not_already_bought", not_already_bought),
    ("not_just_returned", not_just_returned),
    ("ships_to_region", ships_to_region),
    ("merchant_exclusions", not_excluded_by_merchant),
    ("price_band", within_price_band),
)
"""Every per-item rule, cheapest first; `DIVERSITY` runs after them over the list."""
DIVERSITY = "diversity"


@dataclass
class RuleOutcome:
    """What the stage kept, best first, and which rule dropped each other product."""

    kept: list[Candidate] = field(default_factory=list)
    dropped: dict[str, str] = field(default_factory=dict)


def apply_rules(
    candidates: Sequence[Candidate],
    ctx: RuleContext,
    *,
    limit: int,
    skip: frozenset[str] = frozenset(),
) -> RuleOutcome:
    """Keep the best candidates that pass every rule, at most `limit` of them.

    Args:
        candidates: Ranked best first.
        ctx: The request's facts.
        limit: How many to keep.
        skip: Names of rules to leave out (for measuring and testing one rule's effect).
    """
    outcome = RuleOutcome()
    rules = [(name, rule) for name, rule in RULES if name not in skip]
    threshold = ctx.policy.near_duplicate_similarity
    for candidate in candidates:
        if len(outcome.kept) >= limit:
            break
        product_id = ctx.catalog.products[candidate.position].product_id
        failed = next((name for name, rule in rules if not rule(candidate, ctx)), None)
        if (
            failed is None
            and DIVERSITY not in skip
            and any(
                ctx.catalog.similarity(candidate.position, kept.position) >= threshold
                for kept in outcome.kept
            )
        ):
            failed = DIVERSITY
        if failed is None:
            outcome.kept.append(candidate)
        else:
            outcome.dropped[product_id] = failed
    return outcome
