"""The recommender's quality offline: the two tasks, their scores and how sure they are.

A time-based split (the first 80 % of orders teach the recommender, later orders are test
cases) for basket completion and next order; HitRate@10, NDCG@10 and coverage per ranking,
95 % bootstrap intervals, how much co-purchase signal the store holds at all (`pair_lift`
against random deals), and the prior chosen on a validation split carved from the training
period, never from the test orders. How the numbers are measured lives here; how they are
printed lives in `benchmarks.recommend`.
"""

from __future__ import annotations

import math
import random
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from benchmarks.recommend_stores import Store
from recommender.catalog import Basket, ShopperHistory
from recommender.config import load_settings
from recommender.engine import STRATEGIES, Recommender

K = 10
TRAIN_SHARE = 0.8


@dataclass
class Case:
    history: ShopperHistory
    targets: frozenset[str]
    anchor: str | None = None


@dataclass
class Scores:
    hits: list[float]
    ndcg: list[float]
    coverage: float


TASKS = ("basket completion", "next order")


def split(
    store: Store, train_share: float = TRAIN_SHARE, test_share: float = 1.0
) -> tuple[list[Basket], list[Case]]:
    """Next-order task: the first 80 % of orders train, later orders of known shoppers test.

    `test_share` below 1 ends the test period early: the validation split uses the
    training period only (train on the first 64 %, validate on 64 to 80 %).
    """
    cut = int(len(store.baskets) * train_share)
    end = int(len(store.baskets) * test_share)
    train, later = store.baskets[:cut], store.baskets[cut:end]
    bought: dict[str, list[str]] = defaultdict(list)
    region: dict[str, str] = {}
    for basket in train:  # oldest first; the history wants newest first
        bought[basket.customer_id][:0] = list(basket.product_ids)
        region[basket.customer_id] = store.regions.get(basket.order_id, "")
    cases = []
    for basket in later:
        history = bought.get(basket.customer_id)
        if not history:
            continue
        targets = frozenset(basket.product_ids) - set(history)
        if targets:
            cases.append(
                Case(
                    ShopperHistory(
                        tuple(dict.fromkeys(history)), region=region[basket.customer_id]
                    ),
                    targets,
                )
            )
    return train, cases


def basket_cases(
    store: Store, seed: int = 11, train_share: float = TRAIN_SHARE, test_share: float = 1.0
) -> list[Case]:
    """Basket-completion task: each later order with 2+ products, one of them the anchor.

    The anchor is a random line, not the first, so that the generator's order of lines
    (first line by popularity) gives the recommender nothing for free. The history is every
    order the shopper placed before this one, train or test period, as the live service
    would read it; the statistics still come from the training period only.
    """
    rng = random.Random(seed)
    cut = int(len(store.baskets) * train_share)
    end = int(len(store.baskets) * test_share)
    bought: dict[str, list[str]] = defaultdict(list)
    cases = []
    for index, basket in enumerate(store.baskets[:end]):
        before = bought[basket.customer_id]
        if index >= cut and len(basket.product_ids) >= 2:
            anchor = rng.choice(basket.product_ids)
            targets = frozenset(basket.product_ids) - {anchor} - set(before)
            if targets:
                history = ShopperHistory(
                    tuple(dict.fromkeys([anchor, *before])),
                    region=store.regions.get(basket.order_id, ""),
                )
                cases.append(Case(history, targets, anchor))
        before[:0] = list(basket.product_ids)
    return cases


def evaluate(engine: Recommender, cases: Iterable[Case], strategy: str) -> Scores:
    hits, gains, shown = [], [], set()
    for case in cases:
        suggestions = engine.recommend(
            case.history, anchor_product_id=case.anchor, limit=K, strategy=strategy
        )
        ranked = [r.product_id for r in suggestions]
        shown.update(ranked)
        relevant = [1.0 if pid in case.targets else 0.0 for pid in ranked]
        hits.append(1.0 if any(relevant) else 0.0)
        dcg = sum(rel / math.log2(i + 2) for i, rel in enumerate(relevant))
        ideal = sum(1 / math.log2(i + 2) for i in range(min(K, len(case.targets))))
        gains.append(dcg / ideal)
    return Scores(hits, gains, len(shown) / len(engine.catalog))


def bootstrap(values: Sequence[float], seed: int = 1) -> tuple[float, float, float]:
    """Mean with a 95 % bootstrap interval (cases resampled with replacement, 1000 times).

    For a paired difference pass the per-case differences: resampling cases keeps the
    pairs, so the interval is about the gap, not about two separate means.
    """
    data = np.asarray(values, dtype=np.float64)
    if data.size == 0:
        return 0.0, 0.0, 0.0
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, data.size, size=(1000, data.size))].mean(axis=1)
    return float(data.mean()), float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def paired_gain(a: list[float], b: list[float], seed: int = 1) -> tuple[float, float, float]:
    """Mean of a - b with a 95 % bootstrap interval (cases resampled, pairs kept)."""
    return bootstrap(list(np.asarray(a) - np.asarray(b)), seed)


def pair_lift(store: Store, cases: Sequence[Case], train_only: bool = True) -> float:
    """How much more often each (anchor, other line) pair of the test baskets was bought
    together in the training orders than chance would put them together, summed over all
    pairs. Chance keeps every product's order count and every basket's size and deals the
    lines out at random: a pair then shares about `orders(a) * orders(b) * sum(k * (k - 1))
    / sum(k) ** 2` baskets (k: products per basket). About 1.0 means the store's baskets
    carry no co-purchase signal for a recommender to find."""
    cut = int(len(store.baskets) * TRAIN_SHARE) if train_only else len(store.baskets)
    single: dict[str, int] = defaultdict(int)
    joint: dict[tuple[str, str], int] = defaultdict(int)
    lines = slots = 0
    for basket in store.baskets[:cut]:
        size = len(basket.product_ids)
        lines += size
        slots += size * (size - 1)
        for pid in basket.product_ids:
            single[pid] += 1
        for a in basket.product_ids:
            for b in basket.product_ids:
                if a != b:
                    joint[(a, b)] += 1
    observed = expected = 0.0
    for case in cases:
        if case.anchor is None:
            continue
        for target in case.targets:
            observed += joint.get((case.anchor, target), 0)
            expected += single[case.anchor] * single[target] * slots / lines**2
    return observed / expected if expected else 0.0


def null_pair_lift(store: Store, cases: Sequence[Case]) -> tuple[float, float, int]:
    """The range `pair_lift` takes when the training lines are dealt into baskets at random
    (each product keeps its number of orders, each basket its size): the middle 95 % of 200
    deals (20 for a store of over 5,000 training orders, whose range is narrow), and the count.

    A store's own lift inside this range is what a store without any bought-together pairs
    would show, so no ranking can learn pairs from it.
    """
    cut = int(len(store.baskets) * TRAIN_SHARE)
    train = store.baskets[:cut]
    deals = 200 if cut <= 5000 else 20  # the big stores' range is narrow; 20 deals show it
    lines = [pid for basket in train for pid in basket.product_ids]
    rng = random.Random(3)
    lifts = []
    for _ in range(deals):
        rng.shuffle(lines)
        dealt, start = [], 0
        for basket in train:
            size = len(basket.product_ids)
            chunk = tuple(dict.fromkeys(lines[start : start + size]))
            dealt.append(Basket(basket.order_id, basket.customer_id, basket.placed_at, chunk))
            start += size
        shuffled = Store(store.name, store.catalog, dealt, store.regions, store.policy)
        lifts.append(pair_lift(shuffled, cases, train_only=False))
    low, high = np.percentile(lifts, [2.5, 97.5])
    return float(low), float(high), deals


VALIDATION_SHARE = 0.64
"""The validation split: train on the first 64 % of orders, validate on 64 to 80 %."""
VALIDATION_CASES = 1000
PRIOR_GRID = tuple((beta, boost) for beta in (3, 10, 30, 100, 300) for boost in (0, 3, 6))
"""(pretend baskets of prior, content boost) pairs the validation split chooses from; the
prior goes to `evidence_prior` for basket completion, `history_evidence_prior` for next
order (the setting each task exercises)."""
PRIOR_FIELD = {"basket completion": "evidence_prior", "next order": "history_evidence_prior"}


@dataclass
class Quality:
    """One store's results on both tasks."""

    cases: dict[str, int]
    scores: dict[str, dict[str, Scores]]
    lift: float
    null_lift: tuple[float, float, int]
    chosen: dict[str, tuple[float, float]]


def sample(cases: list[Case], max_cases: int) -> list[Case]:
    """A fixed random sample keeps the big store's run short."""
    return random.Random(5).sample(cases, max_cases) if len(cases) > max_cases else cases


def task_cases(store: Store, train_share: float, test_share: float) -> dict[str, list[Case]]:
    return {
        "basket completion": basket_cases(store, train_share=train_share, test_share=test_share),
        "next order": split(store, train_share, test_share)[1],
    }


def with_prior(engine: Recommender, task: str, prior: tuple[float, float]) -> Recommender:
    """The same statistics ranked with another prior (only the settings change)."""
    beta, boost = prior
    engine.settings = engine.settings.copy(update={PRIOR_FIELD[task]: beta, "content_boost": boost})
    return engine


def choose_priors(store: Store) -> dict[str, tuple[float, float]]:
    """Per task, the pair of `PRIOR_GRID` with the best validation HitRate@10.

    Only training-period orders are read: statistics from the first 64 %, cases from 64 to
    80 %. Ties keep the earlier pair of the grid.
    """
    engine = Recommender(store.catalog, load_settings(), store.policy)
    engine.add_orders(store.baskets[: int(len(store.baskets) * VALIDATION_SHARE)])
    shipped = engine.settings
    chosen: dict[str, tuple[float, float]] = {}
    for task, cases in task_cases(store, VALIDATION_SHARE, TRAIN_SHARE).items():
        picked = sample(cases, VALIDATION_CASES)
        scored = []
        for i, prior in enumerate(PRIOR_GRID):
            engine.settings = shipped
            hits = evaluate(with_prior(engine, task, prior), picked, "hybrid").hits
            scored.append((statistics.mean(hits or [0]), -i))
        chosen[task] = PRIOR_GRID[-max(scored)[1]]
    engine.settings = shipped
    return chosen


def quality(store: Store, max_cases: int) -> Quality:
    chosen = choose_priors(store)
    train, _ = split(store)
    engine = Recommender(store.catalog, load_settings(), store.policy)
    engine.add_orders(train)
    shipped = engine.settings
    by_task = {
        task: sample(cases, max_cases) for task, cases in task_cases(store, TRAIN_SHARE, 1).items()
    }
    scores: dict[str, dict[str, Scores]] = {}
    for task, cases in by_task.items():
        engine.settings = shipped
        scores[task] = {s: evaluate(engine, cases, s) for s in STRATEGIES}
        scores[task]["hybrid, validated prior"] = evaluate(
            with_prior(engine, task, chosen[task]), cases, "hybrid"
        )
    engine.settings = shipped
    return Quality(
        cases={task: len(cases) for task, cases in by_task.items()},
        scores=scores,
        lift=pair_lift(store, basket_cases(store)),
        null_lift=null_pair_lift(store, basket_cases(store)),
        chosen=chosen,
    )
