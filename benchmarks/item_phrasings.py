"""Shopper phrasings naming items of real orders, with the answer each one expects.

The generator behind `python -m benchmarks.item_picking`: templates filled with one order's
lines (product names, types and options, typos, several items, exclusions, ties, buttons)
over the demo store and τ-bench's retail store. The expected answer comes from the words the
template used, never from a matcher.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from actions.services.commerce import OrderLine
from commerce.demo.builder import StoreBuilder
from commerce.seed import DEFAULT_SEED, STORES
from commerce.tau_bench import load_files, resolve_data_dir
from commerce.tau_bench_store import TauBenchStore

AS_OF = dt.date(2026, 11, 20)
TARGET = 0.98
FAMILIES = (
    "one item",
    "several items",
    "shared words",
    "same product, other options",
    "all of them",
    "exclusions",
    "typos and plurals",
    "ties",
    "button payloads",
)
SIZE_WORDS = {"S": "small", "M": "medium", "L": "large", "XL": "extra large", "XS": "extra small"}
WRAPPERS = (
    "{x}",
    "the {x}",
    "the {x} please",
    "I want to return the {x}",
    "I'd like to send back my {x}",
    "it's the {x}",
    "my {x}",
    "the {x} is damaged",
    "return the {x}",
    "umm the {x} i think",
)
ALL_PHRASES = (
    "all of them",
    "everything",
    "the whole order",
    "all the items please",
    "I want to return everything",
    "all",
    "every item",
    "ALL OF THEM",
)
Expected = tuple[str, frozenset[int]]  # ("picked" | "tie", line ids)


@dataclass(frozen=True)
class Case:
    store: str
    family: str
    text: str
    lines: tuple[OrderLine, ...]
    expected: Expected


# The matcher as it was before the resolver, kept verbatim as the baseline.


def _order_lines(rows: dict[str, list[dict[str, Any]]]) -> list[tuple[OrderLine, ...]]:
    by_order: dict[str, list[OrderLine]] = defaultdict(list)
    for row in rows["order_lines"]:
        by_order[row["order_id"]].append(
            OrderLine(
                line_id=row["id"],
                product_id=row["product_id"],
                sku=row["sku"],
                product_name=row["product_name"],
                category=row["category"],
                options=dict(row["options"]),
                quantity=row["quantity"],
                unit_price=row["unit_price_cents"] / 100,
                final_sale=row["final_sale"],
            )
        )
    return [tuple(lines) for lines in by_order.values() if len(lines) >= 2]


def demo_orders() -> list[tuple[OrderLine, ...]]:
    """The demo store's orders of two lines or more, as ``make seed`` builds them."""
    return _order_lines(StoreBuilder(DEFAULT_SEED, AS_OF, STORES["demo"]).build())


def demo_variants() -> dict[str, list[dict[str, str]]]:
    rows = StoreBuilder(DEFAULT_SEED, AS_OF, STORES["demo"]).build()
    variants: dict[str, list[dict[str, str]]] = defaultdict(list)
    for variant in rows["product_variants"]:
        variants[variant["product_id"]].append(dict(variant["options"]))
    return variants


def tau_orders(data_dir: str | None) -> list[tuple[OrderLine, ...]]:
    """τ-bench's orders of two lines or more (users, products and orders files only)."""
    files = load_files(resolve_data_dir(data_dir))
    return _order_lines(TauBenchStore(files, AS_OF, DEFAULT_SEED).build())


# ---- what a description fits ------------------------------------------------------------


def _name_words(line: OrderLine) -> list[str]:
    return line.product_name.lower().split()


def _fits(piece: str, line: OrderLine, names_only: bool = False) -> bool:
    """Whether one piece of a description (a name word, an option value) fits the line."""
    piece = piece.lower()
    for word in _name_words(line):
        if piece in (word, word.replace("-", "")) or word.endswith(piece):
            return True
        if word.rstrip("s") == piece.rstrip("s"):
            return True  # "short" and "shorts"
    if names_only:
        return False
    values = {str(v).lower() for v in line.options.values()}
    values |= {SIZE_WORDS[str(v)] for v in line.options.values() if str(v) in SIZE_WORDS}
    return piece in values


def fitting(
    pieces: Sequence[str], lines: Sequence[OrderLine], names_only: bool = False
) -> frozenset[int]:
    """The lines a description made of ``pieces`` fits (by their names alone, if told)."""
    return frozenset(
        line.line_id for line in lines if all(_fits(p, line, names_only) for p in pieces)
    )


def _expected(pieces: Sequence[str], lines: Sequence[OrderLine]) -> Expected:
    fit = fitting(pieces, lines)
    return ("picked", fit) if len(fit) == 1 else ("tie", fit)


def _name_forms(line: OrderLine) -> list[list[str]]:
    """Ways to name a product: its last word, the last two, the whole name."""
    words = _name_words(line)
    forms = [words[-1:], words[-2:], words, [words[0], words[-1]]]
    unique: list[list[str]] = []
    for form in forms:
        if form not in unique:
            unique.append(form)
    return unique


def _option_pieces(line: OrderLine, others: Sequence[OrderLine]) -> list[str]:
    """Option values of ``line`` that some other line of the same product does not have."""
    same = [o for o in others if o.product_id == line.product_id and o.line_id != line.line_id]
    pieces = []
    for key, value in line.options.items():
        if str(value).lower() in ("yes", "no", "none"):
            continue  # "the yes one" is no way to name an item
        if any(str(o.options.get(key)) != str(value) for o in same):
            shown = SIZE_WORDS.get(str(value), str(value)) if key == "size" else str(value)
            pieces.append(shown.lower())
    return pieces


def describe(
    rng: random.Random, line: OrderLine, lines: Sequence[OrderLine], *, unique: bool = True
) -> tuple[str, list[str]] | None:
    """A phrase for ``line`` and the pieces it is made of; with ``unique``, one that fits only
    this line (None when no name or option can tell it apart)."""
    forms = _name_forms(line)
    rng.shuffle(forms)
    for form in forms:
        pieces = list(form)
        if not unique or fitting(pieces, lines) == {line.line_id}:
            return " ".join(form), pieces
        options = _option_pieces(line, lines)
        rng.shuffle(options)
        for option in options:
            if fitting([*pieces, option], lines) == {line.line_id}:
                phrase = rng.choice((f"{option} {' '.join(form)}", f"{' '.join(form)} in {option}"))
                return phrase, [*pieces, option]
    return None


# ---- the families -----------------------------------------------------------------------


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 5 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("swap", "drop", "double", "replace"))
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    neighbours = "qwertyuiopasdfghjklzxcvbnm"
    return word[:i] + rng.choice(neighbours) + word[i + 1 :]


def _join(rng: random.Random, phrases: list[str]) -> str:
    if len(phrases) == 2:
        a, b = phrases
        return rng.choice(
            (
                f"the {a} and the {b}",
                f"{a}, {b}",
                f"{a} & {b}",
                f"the {a} plus the {b}",
                f"I want to return the {a} and also the {b}",
                f"{a} as well as the {b}",
                f"{a} and {b}",
            )
        )
    return rng.choice(
        (
            ", ".join(phrases[:-1]) + " and " + phrases[-1],
            ", ".join(phrases),
            "the " + ", the ".join(phrases[:-1]) + " and the " + phrases[-1],
        )
    )


def _wrap(rng: random.Random, phrase: str) -> str:
    text = rng.choice(WRAPPERS).format(x=phrase)
    return text.lower() if rng.random() < 0.3 else text


Maker = Callable[[random.Random, tuple[OrderLine, ...]], tuple[str, Expected] | None]


def one_item(rng: random.Random, lines: tuple[OrderLine, ...]) -> tuple[str, Expected] | None:
    line = rng.choice(lines)
    described = describe(rng, line, lines)
    if described is None:
        return None
    return _wrap(rng, described[0]), ("picked", frozenset({line.line_id}))


def several(rng: random.Random, lines: tuple[OrderLine, ...]) -> tuple[str, Expected] | None:
    if len(lines) < 3:
        return None
    chosen = rng.sample(lines, rng.choice((2, 2, 3)) if len(lines) > 3 else 2)
    phrases = []
    for line in chosen:
        described = describe(rng, line, lines)
        if described is None:
            return None
        phrases.append(described[0])
    if rng.random() < 0.3:  # one word typed wrong among the items
        i = rng.randrange(len(phrases))
        phrases[i] = " ".join(_typo(rng, w) for w in phrases[i].split())
    return _join(rng, phrases), ("picked", frozenset(line.line_id for line in chosen))


def shared_words(rng: random.Random, lines: tuple[OrderLine, ...]) -> tuple[str, Expected] | None:
    pairs = [
        (a, b)
        for a in lines
        for b in lines
        if a.product_name != b.product_name and set(_name_words(a)) & set(_name_words(b))
    ]
    if not pairs:
        return None
    line, other = rng.choice(pairs)
    shared = sorted(set(_name_words(line)) & set(_name_words(other)))
    own = [w for w in _name_words(line) if w not in _name_words(other)]
    pieces = [rng.choice(shared), rng.choice(own)] if own else _name_words(line)
    if pieces[0] not in _name_words(line)[: _name_words(line).index(pieces[-1])]:
        pieces = [w for w in _name_words(line) if w in pieces]
    expected = _expected(pieces, lines)
    if expected != ("picked", frozenset({line.line_id})):
        return None
    return _wrap(rng, " ".join(pieces)), expected


def same_product(rng: random.Random, lines: tuple[OrderLine, ...]) -> tuple[str, Expected] | None:
    products = Counter(line.product_id for line in lines)
    doubles = [line for line in lines if products[line.product_id] > 1]
    if not doubles:
        return None
    line = rng.choice(doubles)
    options = _option_pieces(line, lines)
    if not options:
        return None
    option = rng.choice(options)
    head = _name_words(line)[-1]
    phrase = rng.choice(
        (
            f"the {option} one",
            f"the {option} {head}",
            f"the {head} in {option}",
            f"{head}, the {option} one",
            f"I meant the {option} {head}",
        )
    )
    size = str(line.options.get("size", ""))
    if option in (size.lower(), SIZE_WORDS.get(size, "").lower()) and rng.random() < 0.5:
        phrase, option = f"the {head} in size {size}", SIZE_WORDS.get(size, size).lower()
    pieces = [option] if phrase.endswith("one") and "," not in phrase else [option, head]
    expected = _expected(pieces, lines)
    if expected != ("picked", frozenset({line.line_id})):
        return None
    return phrase, expected


def all_of_them(rng: random.Random, lines: tuple[OrderLine, ...]) -> tuple[str, Expected] | None:
    phrases = list(ALL_PHRASES) + (["both", "both of them"] if len(lines) == 2 else [])
    return rng.choice(phrases), ("picked", frozenset(line.line_id for line in lines))


def exclusions(rng: random.Random, lines: tuple[OrderLine, ...]) -> tuple[str, Expected] | None:
    if len(lines) < 3:
        return None
    left_out = rng.sample(lines, 2 if len(lines) > 3 and rng.random() < 0.3 else 1)
    phrases = []
    for line in left_out:
        described = describe(rng, line, lines)
        if described is None:
            return None
        phrases.append(described[0])
    named = " and the ".join(phrases)
    text = rng.choice(
        (
            f"everything but the {named}",
            f"all except the {named}",
            f"not the {named}",
            f"all of them apart from the {named}",
            f"everything except for the {named}",
            f"I'll keep the {named}, the rest can go back",
            f"all of them other than the {named}",
        )
    )
    kept = frozenset(line.line_id for line in lines) - {line.line_id for line in left_out}
    return text, ("picked", kept)


def typos(rng: random.Random, lines: tuple[OrderLine, ...]) -> tuple[str, Expected] | None:
    line = rng.choice(lines)
    described = describe(rng, line, lines)
    if described is None:
        return None
    words = described[0].split()
    long_words = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if long_words and rng.random() < 0.75:
        i = rng.choice(long_words)
        words[i] = _typo(rng, words[i])
    elif not words[-1].endswith("s") and words[-1].isalpha():
        words[-1] += "s"  # a plural: "the hoodies"
    else:
        return None
    return _wrap(rng, " ".join(words)), ("picked", frozenset({line.line_id}))


def ties(rng: random.Random, lines: tuple[OrderLine, ...]) -> tuple[str, Expected] | None:
    line = rng.choice(lines)
    form = rng.choice(_name_forms(line))
    fit = fitting(form, lines, names_only=True)
    if len(fit) < 2 or fit != fitting(form, lines):
        return None  # a name word that is also another line's option is no clear tie
    return _wrap(rng, " ".join(form)), ("tie", fit)


def buttons(rng: random.Random, lines: tuple[OrderLine, ...]) -> tuple[str, Expected] | None:
    chosen = rng.sample(lines, rng.choice((1, 1, 2)))
    ids = sorted(line.line_id for line in chosen)
    return ",".join(map(str, ids)), ("picked", frozenset(ids))


MAKERS: dict[str, Maker] = dict(
    zip(
        FAMILIES,
        (one_item, several, shared_words, same_product, all_of_them, exclusions, typos, ties),
        strict=False,
    )
)
MAKERS["button payloads"] = buttons


def with_doubles(
    rng: random.Random,
    orders: list[tuple[OrderLine, ...]],
    variants: dict[str, list[dict[str, str]]],
) -> list[tuple[OrderLine, ...]]:
    """Demo orders with a second line of one of their products in another option.

    The demo store never sells the same product twice in one order; τ-bench's orders do.
    """
    doubled = []
    next_id = 10_000_000
    for lines in orders:
        line = rng.choice(lines)
        others = [v for v in variants.get(line.product_id, []) if v != line.options]
        if not others:
            continue
        next_id += 1
        extra = OrderLine(
            next_id,
            line.product_id,
            f"{line.sku}-B",
            line.product_name,
            line.category,
            rng.choice(others),
            1,
            line.unit_price,
            False,
        )
        doubled.append((*lines, extra))
    return doubled


def generate(
    rng: random.Random,
    orders: list[tuple[OrderLine, ...]],
    store: str,
    per_family: int,
    doubles: list[tuple[OrderLine, ...]] | None = None,
) -> list[Case]:
    """``per_family`` cases of each family over ``orders`` (a case it cannot make is skipped)."""
    cases = []
    for family, make in MAKERS.items():
        pool = doubles if family in ("same product, other options", "ties") and doubles else orders
        made = 0
        for _ in range(per_family * 50):
            if made == per_family:
                break
            lines = rng.choice(pool)
            result = make(rng, lines)
            if result is None:
                continue
            text, expected = result
            cases.append(Case(store, family, text, lines, expected))
            made += 1
    return cases
