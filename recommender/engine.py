"""The hybrid recommender: candidates from three signals, one blended score, then rules.

Candidates come from what is bought together with the shopper's recent purchases
(`CoPurchase`), from products whose text is close to those purchases (MiniLM embeddings),
and from popularity (cold start). Each signal is scaled to [0, 1] and blended with the
weights of `recommender/settings.yml`; the signal that contributed most names the reason the
shopper reads. The merchant's rules run last (`recommender.rules`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from recommender.catalog import Basket, Catalog, ShopperHistory, words
from recommender.config import RankingSettings, RecommendationPolicy
from recommender.rules import Candidate, RuleContext, apply_rules
from recommender.signals import CoPurchase, Popularity

STRATEGIES = ("hybrid", "popularity", "copurchase")
FILLER_WORDS = frozenset("a an the my our your his her their this that these those new one".split())
"""Words in "my new tent" that say nothing about which product."""
"""`hybrid` is what shoppers get; the other two are the benchmark's baselines."""


@dataclass(frozen=True)
class Recommendation:
    """One suggestion, with the reason to show next to it."""

    product_id: str
    name: str
    category: str
    price_cents: int
    in_stock: bool
    reason: str
    source: str
    score: float


class Recommender:
    """Ranks a catalogue for one shopper; learns from each new order without a rebuild.

    Args:
        catalog: Products with their embeddings.
        settings: Blend weights and candidate counts.
        policy: The merchant's rules.
    """

    def __init__(
        self, catalog: Catalog, settings: RankingSettings, policy: RecommendationPolicy
    ) -> None:
        self.catalog = catalog
        self.settings = settings
        self.policy = policy
        self.copurchase = CoPurchase(settings.copurchase_prior)
        if catalog.neighbour_ids.shape[0] != len(catalog):
            catalog.index_neighbours(settings.candidates_per_source)
        self.popularity = Popularity(len(catalog))
        self._orders_seen: set[str] = set()

    @property
    def orders_seen(self) -> int:
        return len(self._orders_seen)

    def add_order(self, basket: Basket) -> bool:
        """Count a new order in the statistics; an order already counted is ignored.

        Returns:
            Whether the order was new.
        """
        if basket.order_id in self._orders_seen:
            return False
        self._orders_seen.add(basket.order_id)
        positions = self.catalog.positions(basket.product_ids)
        self.copurchase.add(positions)
        self.popularity.add(positions)
        return True

    def add_orders(self, baskets: Iterable[Basket]) -> int:
        """`add_order` for many; returns how many were new."""
        return sum(self.add_order(basket) for basket in baskets)

    # --- ranking -----------------------------------------------------------------------

    def anchors(self, history: ShopperHistory, anchor_product_id: str | None) -> list[int]:
        """What the list is about: the product asked about, else the newest purchases.

        A product the shopper just sent back is no reason to suggest anything.
        """
        if anchor_product_id is not None:
            return self.catalog.positions([anchor_product_id])
        kept = [pid for pid in history.bought if pid not in history.returned_recently]
        return self.catalog.positions(kept)[: self.settings.anchors]

    def product_mentioned(self, mention: str, history: ShopperHistory) -> str | None:
        """The product a shopper means by "my tent": one they bought whose name or category
        has every word of the mention, newest purchase first; else the best-selling such
        product of the catalogue; None when nothing matches."""
        wanted = words(mention) - FILLER_WORDS
        if not wanted:
            return None
        matches = [i for i, have in enumerate(self.catalog.name_words) if wanted <= have]
        if not matches:
            return None
        mine = set(matches)
        for position in self.catalog.positions(history.bought):
            if position in mine:
                return self.catalog.products[position].product_id
        best = max(matches, key=lambda i: (self.popularity.counts[i], -i))
        return self.catalog.products[best].product_id

    def rank(self, anchors: list[int], strategy: str = "hybrid") -> list[Candidate]:
        """Every candidate of `strategy` for these anchors, best first (before the rules)."""
        if strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {strategy!r}")
        limit = self.settings.candidates_per_source
        popular = dict(self.popularity.top(limit))
        if strategy == "popularity" or not anchors:
            return [Candidate(p, s, "popularity") for p, s in popular.items()]

        together: dict[int, tuple[float, int]] = {}
        for anchor in anchors:
            for other, score in self.copurchase.neighbours(anchor, limit):
                if score > together.get(other, (0.0, -1))[0]:
                    together[other] = (score, anchor)
        if strategy == "copurchase":
            ranked = sorted(together.items(), key=lambda item: (-item[1][0], item[0]))
            return [Candidate(p, s, "copurchase", a) for p, (s, a) in ranked]

        floor = self.settings.min_content_similarity
        pool = set(popular) | set(together)
        for anchor in anchors:
            close = self.catalog.neighbour_ids[anchor][self.catalog.neighbour_sims[anchor] >= floor]
            pool.update(int(p) for p in close[:limit])
        pool -= set(anchors)
        positions = sorted(pool)
        similar, similar_anchor = self._similar(positions, anchors)

        weights = self.settings
        best_seller = self.popularity.best_score()
        candidates = []
        for row, position in enumerate(positions):
            co, co_anchor = together.get(position, (0.0, -1))
            parts = {
                "copurchase": weights.copurchase_weight * min(1.0, co / weights.copurchase_full_at),
                "content": weights.content_weight
                * max(0.0, (float(similar[row]) - floor) / (1.0 - floor)),
                "popularity": weights.popularity_weight
                * self._popularity_share(position, best_seller),
            }
            source = max(parts, key=lambda name: parts[name])
            about = {"copurchase": co_anchor, "content": int(similar_anchor[row])}.get(source)
            candidates.append(Candidate(position, sum(parts.values()), source, about))
        candidates.sort(key=lambda c: (-c.score, c.position))
        return candidates

    def _similar(self, positions: list[int], anchors: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Each candidate's best cosine similarity to an anchor, and which anchor that was."""
        if not positions:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        embeddings = self.catalog.embeddings
        sims = embeddings[positions] @ embeddings[anchors].T
        return sims.max(axis=1), np.asarray(anchors)[sims.argmax(axis=1)]

    def _popularity_share(self, position: int, best: float) -> float:
        return self.popularity.score(position) / best if best else 0.0

    # --- the answer --------------------------------------------------------------------

    def recommend(
        self,
        history: ShopperHistory,
        *,
        anchor_product_id: str | None = None,
        limit: int | None = None,
        stock_of: Callable[[Sequence[str]], frozenset[str]] | None = None,
        returned_categories: frozenset[str] | None = None,
        strategy: str = "hybrid",
        skip_rules: frozenset[str] = frozenset(),
    ) -> list[Recommendation]:
        """Suggestions for one shopper, best first, each with its reason.

        Args:
            history: The shopper's purchases, recent returns and region (empty: cold start).
            anchor_product_id: A product the shopper asked about ("what goes with my tent").
            limit: How many (default: the policy's `max_results`).
            stock_of: Which of the given product ids can ship now, read fresh by the
                caller for the ranked candidates only; default: the catalogue's flags.
            returned_categories: Categories of the recent returns (default: looked up from
                `history.returned_recently` in the catalogue).
            strategy: `hybrid`, or a baseline for the benchmark.
            skip_rules: Rules to leave out (benchmarks and tests only).
        """
        anchors = self.anchors(history, anchor_product_id)
        candidates = self.rank(anchors, strategy)
        ids = [self.catalog.products[c.position].product_id for c in candidates]
        if stock_of is None:
            stock = frozenset(
                pid
                for pid, c in zip(ids, candidates, strict=False)
                if self.catalog.products[c.position].in_stock
            )
        else:
            stock = stock_of(ids)
        if returned_categories is None:
            returned_categories = frozenset(
                self.catalog.products[p].category
                for p in self.catalog.positions(sorted(history.returned_recently))
            )
        anchor_price = self.catalog.products[anchors[0]].price_cents if anchors else None
        ctx = RuleContext(
            catalog=self.catalog,
            policy=self.policy,
            history=history,
            anchor_price_cents=anchor_price,
            in_stock=stock,
            returned_categories=returned_categories,
        )
        outcome = apply_rules(
            candidates, ctx, limit=limit or self.policy.max_results, skip=skip_rules
        )
        return [self._explain(c, history, stock) for c in outcome.kept]

    def _explain(
        self, candidate: Candidate, history: ShopperHistory, stock: frozenset[str]
    ) -> Recommendation:
        product = self.catalog.products[candidate.position]
        return Recommendation(
            product_id=product.product_id,
            name=product.name,
            category=product.category,
            price_cents=product.price_cents,
            in_stock=product.product_id in stock,
            reason=self.reason(candidate, history),
            source=candidate.source,
            score=round(candidate.score, 4),
        )

    def reason(self, candidate: Candidate, history: ShopperHistory) -> str:
        """The reason in words, about the purchase that earned the suggestion."""
        if candidate.anchor is None or candidate.source == "popularity":
            return "Popular with other shoppers right now"
        anchor = self.catalog.products[candidate.anchor]
        yours = anchor.product_id in history.bought
        if candidate.source == "copurchase":
            return f"Often bought together with {'your' if yours else 'the'} {anchor.name}"
        if yours:
            return f"Similar to the {anchor.name} you bought"
        return f"Similar to the {anchor.name}"
