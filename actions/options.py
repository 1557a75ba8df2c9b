"""Another option of the same product, and the payment method that settles the difference.

Shared by the item change on a pending order (``actions/modifications.py``) and the exchange
of delivered items (``actions/returns.py``). Everything here is pure: the actions fetch the
order, its products and the shopper's payment methods and pass them in, so the matching
rules can be tested as tables.

A shopper names the new option in their own words ("the tee in red, size L"), with an item
number, or by pressing a button whose payload is ``<line id>:<sku>``. All changes are read
from one message, because a store like τ-bench allows one item change per order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from actions.services.commerce import OrderLine, PaymentMethod, Product, Variant
from actions.support import money

GIFT_CARD = "gift_card"
METHOD_WORDS = {
    GIFT_CARD: ("gift", "voucher", "store credit"),
    "paypal": ("paypal", "pay pal"),
    "credit_card": ("credit", "card", "visa", "mastercard", "amex", "discover"),
}
_PICKED = re.compile(r"^\s*\d+\s*:\s*[\w-]+(?:\s*,\s*\d+\s*:\s*[\w-]+)*\s*$")
# "The same again": an exchange for an identical new one (a damaged or faulty item).
SAME_AGAIN = re.compile(
    r"(?i)\b(?:(?:the )?same (?:one|item|thing|again|option|model|product|kind|variant)"
    r"|identical|exact same|same as (?:before|the old one|what i (?:had|got|ordered))"
    r"|(?:a |an )?(?:new|fresh|replacement) one|replace it|(?:a )?replacement"
    r"|another one(?: just like it| of the same)?)\b"
)
MAX_OPTION_BUTTONS = 12
MAX_OPTION_BUTTONS_PER_LINE = 4


@dataclass(frozen=True)
class Swap:
    """One order line and the variant it becomes."""

    line: OrderLine
    variant: Variant

    @property
    def difference(self) -> float:
        """What the shopper pays more (positive) or gets back (negative) for this line."""
        return round((self.variant.price - self.line.unit_price) * self.line.quantity, 2)


@dataclass(frozen=True)
class Matched:
    """What the shopper's words asked for: the swaps, or why one cannot be made."""

    swaps: tuple[Swap, ...] = ()
    unavailable: tuple[str, ...] = ()  # descriptions of options the store does not have
    out_of_stock: tuple[str, ...] = ()


def encode_swaps(swaps: Iterable[Swap]) -> str:
    """The slot value for chosen swaps: ``"1:SKU,2:SKU"`` (line ids ascending)."""
    return ",".join(f"{s.line.line_id}:{s.variant.sku}" for s in sorted(swaps, key=_line_key))


def decode_swaps(value: str | None) -> dict[int, str]:
    """Line id → new SKU from a slot value written by :func:`encode_swaps`."""
    if not value or not _PICKED.match(value):
        return {}
    pairs = (part.split(":", 1) for part in value.split(","))
    return {int(line.strip()): sku.strip() for line, sku in pairs}


def _line_key(swap: Swap) -> int:
    return swap.line.line_id


def describe_options(options: Mapping[str, str]) -> str:
    """``{"color": "red", "size": "L"}`` as ``red, L``."""
    return ", ".join(str(v) for v in options.values()) or "standard"


def describe_swap(swap: Swap, currency: str) -> str:
    """``T-Shirt (blue, M) → (red, L) (+$5.00)``: the price change in ``currency``; the same
    option says so."""
    if swap.variant.sku == swap.line.sku:
        was = describe_options(swap.line.options)
        return f"{swap.line.product_name} ({was}) → a new one, the same"
    change = swap.difference
    sign = "+" if change > 0 else "−"
    price = f" ({sign}{money(abs(change), currency)})" if change else ""
    return (
        f"{swap.line.product_name} ({describe_options(swap.line.options)}) → "
        f"({describe_options(swap.variant.options)}){price}"
    )


def total_difference(swaps: Iterable[Swap]) -> float:
    """The price difference of all swaps together."""
    return round(sum(s.difference for s in swaps), 2)


def normalise(text: str) -> str:
    """Lower case, single-spaced, padded with a space each side, for :func:`mentions`."""
    # "I'm" must not read as the size "M": apostrophes join, other punctuation splits.
    lowered = text.lower().replace("'", "").replace("’", "")
    return " " + " ".join(re.sub(r"[^a-z0-9.]+", " ", lowered).split()) + " "


def mentions(text: str, phrase: str) -> bool:
    """True when ``phrase`` stands as whole words in ``text`` (already :func:`normalise`d)."""
    return f" {' '.join(normalise(phrase).split())} " in text


def alternatives(line: OrderLine, product: Product) -> list[Variant]:
    """The other variants of the line's product that are in stock."""
    return [v for v in product.variants if v.sku != line.sku and v.stock > 0]


def _by_sku(text: str, lines: Sequence[OrderLine], products: Mapping[str, Product]) -> Matched:
    swaps = []
    for line in lines:
        product = products.get(line.product_id)
        if product is None:
            continue
        for variant in product.variants:
            if variant.sku != line.sku and re.search(rf"\b{re.escape(variant.sku)}\b", text):
                swaps.append(Swap(line, variant))
                break
    return Matched(swaps=tuple(swaps))


def _wanted_options(text: str, line: OrderLine, product: Product) -> tuple[dict[str, str], int]:
    """The options the shopper asked for this line, and how many of them they named."""
    wanted = dict(line.options)
    changed = 0
    for key in line.options:
        values = list(dict.fromkeys(v.options.get(key, "") for v in product.variants))
        named = [v for v in values if v and v != line.options[key] and mentions(text, v)]
        if named:
            # The longest name wins, so "xxl" is not also read as "xl" or "l".
            wanted[key] = max(named, key=len)
            changed += 1
    return wanted, changed


def match_swaps(text: str, lines: Sequence[OrderLine], products: Mapping[str, Product]) -> Matched:
    """Which lines the shopper wants changed, and to which variant.

    Options not named keep their current value ("in red" keeps the size). When the words
    name a product, only lines of that product change, so "the shirt in black" leaves a
    black-capable mug alone. Otherwise the line whose options the words fit best changes;
    a tie between lines ("in red" with two red-capable items) is ambiguous: nothing.
    """
    picked = decode_swaps(text.strip())
    if picked:
        by_line = {line.line_id: line for line in lines}
        chosen = [
            Swap(by_line[line_id], variant)
            for line_id, sku in picked.items()
            if line_id in by_line
            for variant in products[by_line[line_id].product_id].variants
            if variant.sku == sku
        ]
        return Matched(swaps=tuple(chosen))
    normal = normalise(text)
    by_sku = _by_sku(normal, lines, products)
    if by_sku.swaps:
        return by_sku
    named = [line for line in lines if _names_product(normal, line.product_name)]
    segments = _segments(normal, named) if named else {}
    wishes = [
        (
            line,
            *_wanted_options(segments.get(line.line_id, normal), line, products[line.product_id]),
        )
        for line in (named or lines)
        if line.product_id in products
    ]
    wishes = [wish for wish in wishes if wish[2] > 0]
    if not named and wishes:
        best = max(count for _, _, count in wishes)
        wishes = [wish for wish in wishes if wish[2] == best]
        if len(wishes) > 1:
            return Matched()
    swaps: list[Swap] = []
    unavailable: list[str] = []
    out_of_stock: list[str] = []
    for line, wanted, _ in wishes:
        product = products[line.product_id]
        variant = next((v for v in product.variants if v.options == wanted), None)
        label = f"{line.product_name} ({describe_options(wanted)})"
        if variant is None:
            unavailable.append(label)
        elif variant.stock <= 0:
            out_of_stock.append(label)
        else:
            swaps.append(Swap(line, variant))
    return Matched(tuple(swaps), tuple(unavailable), tuple(out_of_stock))


def _product_words(product_name: str) -> list[str]:
    tokens = normalise(product_name).split()
    words = [w for w in tokens if len(w) > 2] + ["".join(tokens)]
    return [*words, *(w + "s" for w in words)]


def _names_product(text: str, product_name: str) -> bool:
    """Whether the words name the product: "shirt", "tshirt" or "t-shirts" for "T-Shirt"."""
    return any(mentions(text, w) for w in _product_words(product_name))


def _segments(text: str, lines: Sequence[OrderLine]) -> dict[int, str]:
    """Each named line's part of the words: from its product's name to the next one's.

    "the shirt in red and the bottle in 1000ml" gives the shirt "red" and the bottle
    "1000ml"; words before the first name belong to the first product.
    """
    starts = {
        line.line_id: min(
            text.find(f" {w} ") for w in _product_words(line.product_name) if f" {w} " in text
        )
        for line in lines
    }
    cuts = sorted(set(starts.values()))
    segments = {}
    for line_id, start in starts.items():
        index = cuts.index(start)
        begin = 0 if index == 0 else start
        end = cuts[index + 1] if index + 1 < len(cuts) else len(text)
        segments[line_id] = text[begin : end + 1]
    return segments


def same_again(lines: Sequence[OrderLine], products: Mapping[str, Product]) -> Matched:
    """Each line swapped for a new one of its own option, or why it cannot be."""
    swaps: list[Swap] = []
    out_of_stock: list[str] = []
    for line in lines:
        product = products.get(line.product_id)
        variant = (
            next((v for v in product.variants if v.sku == line.sku), None) if product else None
        )
        if variant is not None and variant.stock > 0:
            swaps.append(Swap(line, variant))
        else:
            out_of_stock.append(f"{line.product_name} ({describe_options(line.options)})")
    return Matched(swaps=tuple(swaps), out_of_stock=tuple(out_of_stock))


def option_buttons(
    lines: Sequence[OrderLine],
    products: Mapping[str, Product],
    currency: str,
    *,
    same: bool = False,
) -> list[dict[str, str]]:
    """One button per in-stock alternative, at most :data:`MAX_OPTION_BUTTONS`.

    ``same`` (an exchange) leads with "the same again" for each line still in stock.
    """
    buttons = []
    if same:
        for swap in same_again(lines, products).swaps:
            picked = encode_swaps([swap])
            buttons.append(
                {
                    "title": f"{swap.line.product_name}: the same again",
                    "payload": f'/inform{{"item_changes":"{picked}"}}',
                }
            )
    for line in lines:
        product = products.get(line.product_id)
        for variant in (alternatives(line, product) if product else [])[
            :MAX_OPTION_BUTTONS_PER_LINE
        ]:
            buttons.append(
                {
                    "title": f"{line.product_name}: {describe_options(variant.options)} "
                    f"({money(variant.price, currency)})",
                    "payload": f'/inform{{"item_changes":"{line.line_id}:{variant.sku}"}}',
                }
            )
    return buttons[:MAX_OPTION_BUTTONS]


def pick_method(text: str, methods: Sequence[PaymentMethod]) -> PaymentMethod | None:
    """The payment method the shopper means: its id, its last digits, or its kind.

    A kind the shopper holds twice ("my card" with two cards) is ambiguous: None.
    """
    lowered = text.lower()
    for method in methods:
        if method.payment_method_id.lower() in lowered:
            return method
    digits = set(re.findall(r"\b\d{4}\b", lowered))
    by_digits = [m for m in methods if any(d in m.label for d in digits)]
    if len(by_digits) == 1:
        return by_digits[0]
    for kind, words in METHOD_WORDS.items():
        if any(w in lowered for w in words):
            of_kind = [m for m in methods if m.type == kind]
            return of_kind[0] if len(of_kind) == 1 else None
    return None


def method_buttons(
    methods: Sequence[PaymentMethod], currency: str, exclude: Iterable[str] = ()
) -> list[dict[str, str]]:
    """One button per payment method the shopper may pick; gift cards show their balance."""
    skip = set(exclude)
    return [
        {
            "title": m.label
            + (f" (balance {money(m.balance, currency)})" if m.balance is not None else ""),
            "payload": f'/inform{{"payment_method":"{m.payment_method_id}"}}',
        }
        for m in methods
        if m.payment_method_id not in skip
    ]


def covers(method: PaymentMethod, amount: float) -> bool:
    """Whether the method can pay ``amount``: a gift card only up to its balance."""
    return method.type != GIFT_CARD or (method.balance or 0.0) + 1e-9 >= amount
