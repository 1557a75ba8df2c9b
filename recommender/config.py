"""The merchant's recommendation rules and the engine's tunables, as validated data.

`RecommendationPolicy` is the `recommendations` section of the merchant's policy file
(`data/policy/<merchant>.yml`): what may never be suggested, where, and at what price.
`RankingSettings` is `recommender/settings.yml`: how the signals are combined. Both forbid
unknown keys, so a typo fails at start instead of silently changing what shoppers see.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Extra, Field, root_validator

SETTINGS_PATH = Path(__file__).resolve().parent / "settings.yml"


class _Strict(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False


class PriceBand(_Strict):
    """Suggestions priced between these multiples of the purchase they are about."""

    min_ratio: float = Field(default=0.0, ge=0)
    max_ratio: float = Field(default=1.5, gt=0)

    @root_validator(skip_on_failure=True)
    def _ordered(cls, values: dict[str, float]) -> dict[str, float]:  # noqa: N805
        if values["min_ratio"] >= values["max_ratio"]:
            raise ValueError("min_ratio must be below max_ratio")
        return values


class RecommendationPolicy(_Strict):
    """The merchant's rules, applied after ranking (see `recommender.rules`).

    Attributes:
        max_results: Suggestions shown at once.
        exclude_categories: Categories never suggested (gift cards, hygiene items...).
        exclude_products: Product ids never suggested.
        region_exclusions: Region code (US state) to categories that cannot ship there.
        price_band: Price range relative to the purchase the list is about.
        recently_returned_days: A category the shopper sent something back from in this
            many days is not suggested again.
        near_duplicate_similarity: Two products whose texts are at least this similar
            (cosine of their embeddings) are near-duplicates; a list keeps the first.
    """

    max_results: int = Field(default=3, ge=1, le=10)
    exclude_categories: list[str] = Field(default_factory=list)
    exclude_products: list[str] = Field(default_factory=list)
    region_exclusions: dict[str, list[str]] = Field(default_factory=dict)
    price_band: PriceBand = PriceBand()
    recently_returned_days: int = Field(default=60, ge=0, le=3650)
    near_duplicate_similarity: float = Field(default=0.9, gt=0, le=1)


class RankingSettings(_Strict):
    """How the hybrid weighs what the baskets say against what it assumes beforehand.

    Attributes:
        evidence_prior: Pretend baskets of prior for a product the shopper asked about:
            with 10, an anchor bought in 10 orders is judged half by its own baskets and
            half by popularity and similarity.
        history_evidence_prior: The same for the shopper's past purchases, which say less
            about the next thing they want than a product they name, so more prior.
        content_boost: How much text similarity to the anchor raises a product's prior
            (the prior is multiplied by `exp(content_boost * (similarity - floor))`).
        together_min_lift: A pair is called "often bought together" only when its baskets
            number at least this many times what chance would give, two or more, and more
            than chance's usual spread (see `Recommender._hybrid`).
        copurchase_prior: Shrinkage of the co-purchase baseline's pair scores, in baskets.
        candidates_per_source: Candidates each source contributes before ranking.
        related_first_within: Within this many best candidates that pass the rules, those
            about the shopper's purchase (bought together, similar) come before best-sellers;
            a list of three is then cut from that order.
        anchors: Most recent purchases the suggestions are about.
        min_content_similarity: The similarity floor: below it a product is not "similar".
    """

    evidence_prior: float = Field(gt=0)
    history_evidence_prior: float = Field(gt=0)
    content_boost: float = Field(ge=0, le=50)
    together_min_lift: float = Field(ge=1)
    copurchase_prior: float = Field(ge=0)
    candidates_per_source: int = Field(ge=5, le=500)
    related_first_within: int = Field(ge=1, le=50)
    anchors: int = Field(ge=1, le=20)
    min_content_similarity: float = Field(ge=0, le=1)


@cache
def load_settings(path: Path = SETTINGS_PATH) -> RankingSettings:
    """The engine's tunables; read once per process."""
    with path.open(encoding="utf-8") as handle:
        return RankingSettings(**(yaml.safe_load(handle) or {}))


def load_policy_section(path: Path) -> RecommendationPolicy:
    """The `recommendations` section of a merchant policy file (defaults when absent)."""
    with path.open(encoding="utf-8") as handle:
        document = yaml.safe_load(handle) or {}
    return RecommendationPolicy(**(document.get("recommendations") or {}))
