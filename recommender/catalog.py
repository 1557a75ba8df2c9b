"""What the engine knows about products and purchases, in arrays it can rank quickly."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

NEIGHBOUR_BLOCK = 1024
_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> frozenset[str]:
    """Lower-case words with a plural "s" dropped: "Hiking Boots" -> {"hiking", "boot"}."""
    found = _WORD.findall(text.lower())
    return frozenset(
        w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in found
    )


@dataclass(frozen=True)
class Product:
    """A catalogue product as the recommender needs it.

    Attributes:
        product_id: The store's id.
        name: Shown to the shopper and used in reasons ("your Alpine Tent").
        category: The store's category key; rules exclude by it.
        price_cents: The lowest price of the product's variants.
        in_stock: At least one variant can be sent today.
        text: What content similarity reads (name, category, description).
    """

    product_id: str
    name: str
    category: str
    price_cents: int
    in_stock: bool
    text: str


@dataclass(frozen=True)
class Basket:
    """The distinct products of one order, and when it was placed."""

    order_id: str
    customer_id: str
    placed_at: dt.datetime
    product_ids: tuple[str, ...]


@dataclass(frozen=True)
class ShopperHistory:
    """What the rules need to know about one shopper, read fresh for each request.

    Attributes:
        bought: Products on any of the shopper's orders, newest purchase first.
        returned_recently: Products the shopper sent back within the policy's window.
        region: Where the shopper's parcels go (state or region code), if known.
    """

    bought: tuple[str, ...] = ()
    returned_recently: frozenset[str] = frozenset()
    region: str | None = None


@dataclass
class Catalog:
    """Products by position, with the columns ranking and rules read as numpy arrays.

    Positions are stable for the catalogue's lifetime; a product added later gets the next
    position (`add`), so the signals indexed by position never need rebuilding.
    """

    products: list[Product] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)
    embeddings: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    neighbour_ids: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int32))
    neighbour_sims: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))

    @classmethod
    def of(cls, products: Iterable[Product], embeddings: np.ndarray) -> Catalog:
        """A catalogue of `products` whose rows of `embeddings` are unit vectors, same order."""
        items = list(products)
        if len(items) != embeddings.shape[0]:
            raise ValueError("one embedding row per product is needed")
        catalog = cls(products=items, index={p.product_id: i for i, p in enumerate(items)})
        catalog.embeddings = embeddings.astype(np.float32, copy=False)
        return catalog

    def __len__(self) -> int:
        return len(self.products)

    def positions(self, product_ids: Sequence[str]) -> list[int]:
        """Positions of the known ids among `product_ids`, unknown ones skipped, order kept."""
        return [self.index[pid] for pid in product_ids if pid in self.index]

    @functools.cached_property
    def stocked(self) -> frozenset[str]:
        """Ids of the products in stock when the catalogue was loaded."""
        return frozenset(p.product_id for p in self.products if p.in_stock)

    def index_neighbours(self, k: int) -> None:
        """Find every product's `k` most similar products once, in blocks of rows.

        A request then reads its anchors' rows instead of scanning the whole embedding
        matrix (10,000 x 384 floats is about 4 ms per scan here, a lookup is microseconds).
        """
        count = len(self.products)
        k = max(1, min(k, count - 1)) if count > 1 else 0
        ids = np.zeros((count, k), dtype=np.int32)
        sims = np.zeros((count, k), dtype=np.float32)
        for start in range(0, count, NEIGHBOUR_BLOCK):
            block = self.embeddings[start : start + NEIGHBOUR_BLOCK] @ self.embeddings.T
            rows = np.arange(block.shape[0])
            block[rows, rows + start] = -np.inf  # a product is not its own neighbour
            top = np.argpartition(-block, k - 1, axis=1)[:, :k] if k else block[:, :0]
            order = np.argsort(-np.take_along_axis(block, top, axis=1), axis=1)
            top = np.take_along_axis(top, order, axis=1)
            ids[start : start + len(rows)] = top
            sims[start : start + len(rows)] = np.take_along_axis(block, top, axis=1)
        self.neighbour_ids, self.neighbour_sims = ids, sims

    @functools.cached_property
    def name_words(self) -> list[frozenset[str]]:
        """Each product's name and category as a set of singular lower-case words."""
        return [words(f"{p.name} {p.category.replace('_', ' ')}") for p in self.products]

    def similarity(self, a: int, b: int) -> float:
        """Cosine similarity of two products' texts (embeddings are unit vectors)."""
        return float(self.embeddings[a] @ self.embeddings[b])
