"""The hybrid recommender: candidates from three signals, one score, then the rules.

Candidates come from what is bought together with the shopper's purchases (`CoPurchase`),
from products whose text is close to them (MiniLM embeddings), and from popularity (cold
start). One score ranks them all: the chance that a shopper buying the anchor buys the
candidate, estimated from the baskets and pulled towards a prior of popularity raised by
similarity (`Recommender._hybrid`, settings in `recommender/settings.yml`). The reason the
shopper reads says what earned the place, checked against chance. The merchant's rules run
last (`recommender.rules`).
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
"""`hybrid` is what shoppers get; the other two are the benchmark's baselines."""
SOURCES = ("copurchase", "content", "popularity")
"""What earned a suggestion, in the order `_hybrid` encodes it."""
POPULARITY = SOURCES.index("popularity")
FILLER_WORDS = frozenset("a an the my our your his her their this that these those new one".split())
"""Words in "my new tent" that say nothing about which product."""


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


def related_first(kept: list[Candidate]) -> list[Candidate]:
    """The shortlist with suggestions about the shopper's purchase before mere best-sellers.

    A shopper who asks what goes with their tent reads "bought together with your tent" or
    "similar to your tent" before "popular right now", even when a best-seller's chance is a
    little higher. Only the order within the shortlist changes, never which products are on it.
    """
    return sorted(kept, key=lambda c: c.source == "popularity")


class Recommender:
    """Ranks a catalogue for one shopper; learns from each new order without a rebuild.

    Args:
        catalog: Products with their embeddings.
        settings: The prior, the reason thresholds and candidate counts.
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

    def rank(
        self, anchors: list[int], strategy: str = "hybrid", *, asked: bool = False
    ) -> list[Candidate]:
        """Every candidate of `strategy` for these anchors, best first (before the rules).

        Args:
            anchors: Positions the list is about (`anchors`).
            strategy: `hybrid`, or a benchmark baseline (`popularity`, `copurchase`).
            asked: The shopper named the anchor ("what goes with my tent"), so its baskets
                are strong evidence; past purchases the list is about by default are weaker
                evidence of what comes next (`history_evidence_prior`).
        """
        if strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {strategy!r}")
        limit = self.settings.candidates_per_source
        popular = self.popularity.top(limit)
        if strategy == "popularity" or not anchors:
            return [Candidate(p, s, "popularity") for p, s in popular]
        if strategy == "copurchase":
            together: dict[int, tuple[float, int]] = {}
            for anchor in anchors:
                for other, score in self.copurchase.neighbours(anchor, limit):
                    if score > together.get(other, (0.0, -1))[0]:
                        together[other] = (score, anchor)
            ranked = sorted(together.items(), key=lambda item: (-item[1][0], item[0]))
            return [Candidate(p, s, "copurchase", a) for p, (s, a) in ranked]
        return self._hybrid(anchors, popular, asked)

    def _hybrid(
        self, anchors: list[int], popular: list[tuple[int, float]], asked: bool
    ) -> list[Candidate]:
        """Rank by the chance that a shopper buying an anchor also buys the candidate.

        For anchor a and candidate b that chance is estimated as
        `(n_ab + beta * prior_a(b)) / (n_a + beta)`: the share of a's orders that held b,
        pulled towards a prior by `beta` baskets of pretend evidence. The prior is b's share
        of all sales, raised by `exp(content_boost * (similarity - floor))` for products whose
        text is close to a's and renormalised. A pair seen in many baskets ranks by what the
        baskets say; a rare or new product ranks by how popular and how similar it is; in a
        store whose baskets carry no pairs the list stays close to the best-sellers instead
        of chasing chance pairs. The best anchor for each candidate counts.
        """
        settings = self.settings
        limit = settings.candidates_per_source
        beta = settings.evidence_prior if asked else settings.history_evidence_prior
        floor = settings.min_content_similarity
        size = len(self.catalog)
        pool: set[int] = {p for p, _ in popular}
        boosts: list[tuple[np.ndarray, float]] = []  # per anchor: dense boost, prior's norm
        for anchor in anchors:
            pool.update(self.copurchase.most_with(anchor, limit))
            ids = self.catalog.neighbour_ids[anchor]
            sims = self.catalog.neighbour_sims[anchor]
            close = ids[sims >= floor]
            raised = np.expm1(settings.content_boost * (sims[sims >= floor] - floor))
            boost = np.zeros(size)
            boost[close] = raised
            boosts.append((boost, 1.0 + float(self.popularity.shares(close) @ raised)))
            pool.update(close[:limit].tolist())
        pool -= set(anchors)
        if not pool:
            return []
        positions = np.fromiter(sorted(pool), dtype=np.int64, count=len(pool))
        share = self.popularity.shares(positions)
        sold = self.popularity.counts[positions]
        best = np.full(len(positions), -1.0)
        best_anchor = np.full(len(positions), -1, dtype=np.int64)
        best_source = np.zeros(len(positions), dtype=np.int64)  # index into SOURCES
        for anchor, (boost_all, norm) in zip(anchors, boosts, strict=True):
            boost = boost_all[positions]
            together = self.copurchase.row(anchor, size)[positions]
            orders = self.copurchase.orders_with[anchor]
            from_pop = beta * share / norm
            from_text = from_pop * boost
            # baskets with both if b were dealt into orders regardless of a
            chance = orders * sold / max(1, self.orders_seen)
            score = (together + from_pop + from_text) / (orders + beta)
            # "bought together" only for pairs well above chance, and beyond its usual spread
            # (two standard deviations of a Poisson count), so chance pairs are not called so
            real_pair = (
                (together >= 2)
                & (together >= settings.together_min_lift * chance)
                & (together >= chance + 2 * np.sqrt(chance))
            )
            source = np.where(real_pair, 0, np.where(from_text > from_pop, 1, 2))
            better = score > best
            best = np.where(better, score, best)
            best_anchor = np.where(better, anchor, best_anchor)
            best_source = np.where(better, source, best_source)
        order = np.lexsort((positions, -best))
        return [
            Candidate(p, s, SOURCES[src], None if src == POPULARITY else a)
            for p, s, a, src in zip(
                positions[order].tolist(),
                best[order].tolist(),
                best_anchor[order].tolist(),
                best_source[order].tolist(),
                strict=True,
            )
        ]

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
        policy: RecommendationPolicy | None = None,
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
            policy: The rules of the merchant this list is for (default: the engine's own).
                One engine can serve several merchants of one store: the statistics are the
                store's, the rules are each merchant's.
        """
        rules = self.policy if policy is None else policy
        anchors = self.anchors(history, anchor_product_id)
        candidates = self.rank(anchors, strategy, asked=anchor_product_id is not None)
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
            policy=rules,
            history=history,
            anchor_price_cents=anchor_price,
            in_stock=stock,
            returned_categories=returned_categories,
        )
        wanted = limit or rules.max_results
        shortlist = max(wanted, self.settings.related_first_within)
        outcome = apply_rules(candidates, ctx, limit=shortlist, skip=skip_rules)
        return [self._explain(c, history, stock) for c in related_first(outcome.kept)[:wanted]]

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
