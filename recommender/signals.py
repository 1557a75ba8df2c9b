"""Co-purchase and popularity statistics, updated one order at a time.

Both are plain counts, so a new order is added in time proportional to its size squared
(a handful of products) and nothing is ever rebuilt: the backend feeds each new order as it
sees it, the benchmark feeds a whole history the same way.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Iterable

import numpy as np


class CoPurchase:
    """How often two products were bought in the same order.

    The score of a pair is its count divided by the geometric mean of the two products'
    order counts (cosine of their order vectors), so a best-seller does not look "bought
    together" with everything just because it is in many baskets; then shrunk by
    `count / (count + prior)`, so two products that met in one basket by chance are not
    taken for a pair.

    Args:
        prior: Baskets of evidence that count as much as the shrinkage (0: no shrinkage).
    """

    def __init__(self, prior: float = 0.0) -> None:
        self.prior = prior
        self.pairs: defaultdict[int, Counter[int]] = defaultdict(Counter)
        self.orders_with: Counter[int] = Counter()
        self._rows: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def add(self, positions: Iterable[int]) -> None:
        """Count one order's distinct products."""
        items = sorted(set(positions))
        for a in items:
            self.orders_with[a] += 1
            self._rows.pop(a, None)
        for i, a in enumerate(items):
            for b in items[i + 1 :]:
                self.pairs[a][b] += 1
                self.pairs[b][a] += 1

    def most_with(self, anchor: int, limit: int) -> list[int]:
        """The `limit` products in most orders with `anchor` (raw counts, for the hybrid)."""
        together = self.pairs.get(anchor)
        if not together:
            return []
        return [p for p, _ in heapq.nsmallest(limit, together.items(), key=lambda i: (-i[1], i[0]))]

    def row(self, anchor: int, size: int) -> np.ndarray:
        """Orders holding both `anchor` and each product, dense over a catalogue of `size`.

        The anchor's pairs are kept as arrays until its next order, so a request spends
        microseconds here rather than walking a counter.
        """
        if anchor not in self._rows:
            together: Counter[int] = self.pairs.get(anchor) or Counter()
            self._rows[anchor] = (
                np.fromiter(together.keys(), np.int64, len(together)),
                np.fromiter(together.values(), np.float64, len(together)),
            )
        keys, counts = self._rows[anchor]
        dense = np.zeros(size)
        dense[keys] = counts  # positions of this catalogue, all below `size`
        return dense

    def neighbours(self, anchor: int, limit: int) -> list[tuple[int, float]]:
        """The `limit` products most often bought with `anchor`, best first."""
        together = self.pairs.get(anchor)
        if not together:
            return []
        base = self.orders_with[anchor]
        scored = (
            (
                other,
                count / math.sqrt(base * self.orders_with[other]) * count / (count + self.prior),
            )
            for other, count in together.items()
        )
        return heapq.nsmallest(limit, scored, key=lambda item: (-item[1], item[0]))


class Popularity:
    """Orders per product, for cold start and as the weakest signal of the blend."""

    def __init__(self, size: int) -> None:
        self.counts = np.zeros(size, dtype=np.float64)
        self.total = 0.0
        self._top: np.ndarray | None = None
        self._lists: dict[int, list[tuple[int, float]]] = {}

    def grow(self, size: int) -> None:
        """Make room for products added to the catalogue after the start."""
        if size > len(self.counts):
            self.counts = np.concatenate([self.counts, np.zeros(size - len(self.counts))])
            self._top = None

    def add(self, positions: Iterable[int]) -> None:
        """Count one order's distinct products."""
        for position in set(positions):
            self.counts[position] += 1
            self.total += 1
        self._top = None

    def top(self, limit: int) -> list[tuple[int, float]]:
        """The `limit` most ordered products with a log-damped score in (0, 1], best first
        (the tenth best-seller is not ten times worse than the first).

        The order is cached until the next update: most requests come between orders.
        """
        if self._top is None:
            self._top = np.argsort(-self.counts, kind="stable")
            self._lists = {}
        if limit not in self._lists:
            top = self._top[:limit]
            top = top[self.counts[top] > 0]
            best = np.log1p(self.counts[top[0]]) if len(top) else 1.0
            scores = np.log1p(self.counts[top]) / best
            self._lists[limit] = list(zip(top.tolist(), scores.tolist(), strict=True))
        return self._lists[limit]

    def shares(self, positions: np.ndarray) -> np.ndarray:
        """Each product's share of all sales, with one pretend sale each (add-one smoothing),
        so a product nobody has bought yet is unlikely, not impossible. Sums to 1."""
        return (self.counts[positions] + 1.0) / (self.total + len(self.counts))
