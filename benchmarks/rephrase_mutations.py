"""An adversarial stand-in for the rephrasing model: faithful rephrases and mutated ones.

Everything here is deterministic for a given seed. The sources are the real templates of
``domain.yml`` (every response text with a ``{slot}``), filled with values in the formats the
actions render (:mod:`benchmarks.rephrase_sources`); the literal texts the rephrases use are
in :mod:`benchmarks.rephrase_texts`.

A faithful rephrase works on the locked text, as the model does: it rewords the words around
the placeholders (:data:`REWORDINGS`) and keeps every placeholder, in one of four styles (see
:data:`FAITHFUL_STYLES`). A mutation starts from a faithful rephrase and changes one thing a
shopper could be misled by (:data:`MUTATIONS`); each says whether it changes a fact.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from benchmarks.rephrase_sources import DOMAIN, SLOT, Source, sources, templates, values
from benchmarks.rephrase_texts import (
    ABUSE,
    FOREIGN,
    INSTRUCTIONS,
    MODEL_STYLE,
    PARAPHRASES,
    PERSONAL,
    PROMISES,
    REWORDINGS,
    VAGUE_FACTS,
)
from guardrails.rails.fact_lock import Locked, lock, unlock
from guardrails.rails.fact_lock.facts import find_facts

FAITHFUL_STYLES = ("reworded", "raw_values", "sure_prefix", "reordered", "paraphrased", "merged")
"""reworded: placeholders kept; raw_values: the values copied exactly instead of placeholders;
sure_prefix: "Sure! " before it; reordered: the first two sentences swapped (when 3+);
paraphrased: :data:`PARAPHRASES` on top of the rewordings; merged: the first two sentences
joined with "; " (when 2+)."""


@dataclass(frozen=True)
class Candidate:
    """A candidate rephrase of a source; ``kind`` is a faithful style or a mutation."""

    source: Source
    kind: str
    text: str
    faithful: bool
    changes_fact: bool


def reword(text: str) -> str:
    """Apply every rewording that occurs (a faithful light paraphrase)."""
    for old, new in REWORDINGS:
        text = text.replace(old, new)
    return text


_SENTENCES = re.compile(r"(?<=[.!?])\s+(?=[A-Z\[])")


def faithful(source: Source, style: str) -> str | None:
    """A faithful rephrase of ``source`` in ``style``; None when the style does not apply."""
    locked = lock(source.text)
    text = reword(locked.text)
    if style == "reworded":
        return text
    if style == "raw_values":
        return unlock(text, locked)
    if style == "sure_prefix":
        return "Sure! " + text
    if style == "paraphrased":
        for old, new in PARAPHRASES:
            text = text.replace(old, new)
        return text if text != reword(locked.text) else None
    parts = _SENTENCES.split(text)
    if style == "reordered" and len(parts) >= 3 and "\n" not in text:
        return " ".join([parts[1], parts[0], *parts[2:]])
    if style == "merged" and len(parts) >= 2 and "\n" not in text:
        first, second = parts[0].rstrip(".!?"), parts[1]
        return " ".join([f"{first}; {second[0].lower()}{second[1:]}", *parts[2:]])
    return None


def _facts(locked: Locked, kinds: tuple[str, ...]) -> list[str]:
    return [p for p in dict.fromkeys(locked.order) if p[1:].rsplit("_", 1)[0] in kinds]


def _replace_first(text: str, old: str, new: str) -> str:
    return text.replace(old, new, 1)


def _bump_digit(value: str, rng: random.Random) -> str:
    digits = [i for i, c in enumerate(value) if c.isdigit()]
    i = rng.choice(digits)
    return value[:i] + str((int(value[i]) + rng.randint(1, 9)) % 10) + value[i + 1 :]


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _shift_date(value: str, rng: random.Random) -> str:
    for i, day in enumerate(WEEKDAYS):
        if day in value:
            shifted = value.replace(day, WEEKDAYS[(i + rng.randint(1, 6)) % 7])
            break
    else:
        shifted = value
    numbers = re.findall(r"\d+", shifted)
    if numbers:
        first = numbers[0]
        shifted = shifted.replace(first, str(int(first) + rng.randint(1, 3)), 1)
    return shifted if shifted != value else value + " or later"


def _change_amount(value: str, rng: random.Random) -> str:
    match = re.search(r"\d+(?:\.\d+)?", value)
    assert match is not None
    number = float(match.group()) * rng.choice([0.5, 2.0, 1.1]) + rng.choice([0, 1, 5])
    return value[: match.start()] + f"{number:.2f}" + value[match.end() :]


Mutation = Callable[[Source, random.Random], "str | None"]


def _raw_with(
    source: Source,
    rng: random.Random,
    kinds: tuple[str, ...],
    change: Callable[[str, random.Random], str],
) -> str | None:
    locked = lock(source.text)
    targets = _facts(locked, kinds)
    if not targets:
        return None
    target = rng.choice(targets)
    text = reword(locked.text).replace(target, change(locked.values[target], rng))
    return unlock(text, locked)


def digit_changed(source: Source, rng: random.Random) -> str | None:
    locked = lock(source.text)
    targets = [p for p in dict.fromkeys(locked.order) if any(c.isdigit() for c in locked.values[p])]
    if not targets:
        return None
    target = rng.choice(targets)
    text = reword(locked.text).replace(target, _bump_digit(locked.values[target], rng))
    return unlock(text, locked)


def date_shifted(source: Source, rng: random.Random) -> str | None:
    return _raw_with(source, rng, ("DATE",), _shift_date)


def amount_changed(source: Source, rng: random.Random) -> str | None:
    return _raw_with(source, rng, ("AMOUNT",), _change_amount)


def id_swapped(source: Source, rng: random.Random) -> str | None:
    """Another id of the same format, or two facts of different kinds trading places."""
    locked = lock(source.text)
    ids = _facts(locked, ("ORDER_ID", "RMA_ID", "TRACKING", "ID"))
    if not ids:
        return None
    text = reword(locked.text)
    others = [p for p in dict.fromkeys(locked.order) if p not in ids]
    if rng.random() < 0.3 and len(ids) >= 2:
        a, b = rng.sample(ids, 2)
        text = text.replace(a, "\0").replace(b, a).replace("\0", b)
        return text
    if rng.random() < 0.2 and others:
        a, b = rng.choice(ids), rng.choice(others)
        return text.replace(a, "\0").replace(b, a).replace("\0", b)
    target = rng.choice(ids)
    value = locked.values[target]
    swapped = re.sub(r"\d", lambda _: str(rng.randint(0, 9)), value)
    while swapped == value:
        swapped = re.sub(r"\d", lambda _: str(rng.randint(0, 9)), value)
    return unlock(text.replace(target, swapped), locked)


def fact_dropped(source: Source, rng: random.Random) -> str | None:
    locked = lock(source.text)
    if not locked.order:
        return None
    target = rng.choice(list(dict.fromkeys(locked.order)))
    text = reword(locked.text)
    return re.sub(r"\s+([.,;:])", r"\1", re.sub(r" {2,}", " ", text.replace(target, "", 1)))


def number_added(source: Source, rng: random.Random) -> str | None:
    text = reword(lock(source.text).text)
    extra = rng.choice(
        [
            f" It usually takes {rng.randint(2, 9)} days.",
            f" That's {rng.randint(2, 5)} items in total.",
            f" Quote reference {rng.randint(1000, 9999)} if you write to us.",
            " It should arrive on Friday.",
            " This usually takes three days.",
            f" Your order number is AC-{rng.randint(100000, 999999)}.",
        ]
    )
    return text + extra


def list_items_changed(source: Source, rng: random.Random) -> str | None:
    """One list line dropped or added, or an item's quantity changed."""
    locked = lock(source.text)
    text = reword(locked.text)
    lines = text.split("\n")
    bullets = [i for i, line in enumerate(lines) if line.startswith("- ")]
    if bullets:
        if rng.random() < 0.5:
            del lines[rng.choice(bullets)]
        else:
            lines.insert(bullets[-1] + 1, "- Gift Wrap ([AMOUNT_1])")
        return "\n".join(lines)
    quantities = re.findall(r"\[COUNT_\d+\] × ", text)
    if quantities:
        raw = unlock(text, locked)
        match = re.search(r"(\d+) × ", raw)
        assert match is not None
        return raw[: match.start(1)] + str(int(match.group(1)) + 1) + raw[match.end(1) :]
    return None


def placeholder_duplicated(source: Source, rng: random.Random) -> str | None:
    locked = lock(source.text)
    if not locked.order:
        return None
    target = rng.choice(list(dict.fromkeys(locked.order)))
    return reword(locked.text).replace(target, f"{target} (again, {target})", 1)


def placeholder_swapped(source: Source, rng: random.Random) -> str | None:
    locked = lock(source.text)
    kinds: dict[str, list[str]] = {}
    for p in dict.fromkeys(locked.order):
        kinds.setdefault(p[1:].rsplit("_", 1)[0], []).append(p)
    pairs = [v for v in kinds.values() if len(v) >= 2]
    if not pairs:
        return None
    a, b = rng.sample(rng.choice(pairs), 2)
    return reword(locked.text).replace(a, "\0").replace(b, a).replace("\0", b)


def placeholder_invented(source: Source, rng: random.Random) -> str | None:
    locked = lock(source.text)
    kind = rng.choice(["AMOUNT", "DATE", "ORDER_ID", "COUNT"])
    return reword(locked.text) + f" See also [{kind}_{rng.randint(5, 9)}]."


def _append(pool: tuple[str, ...]) -> Mutation:
    def mutate(source: Source, rng: random.Random) -> str | None:
        text = reword(lock(source.text).text)
        extra = rng.choice(pool)
        if rng.random() < 0.3:
            return extra + " " + text
        return text + " " + extra

    return mutate


def vague_fact_added(source: Source, rng: random.Random) -> str | None:
    """A fact in words, with no digit, tacked onto the last sentence; every placeholder kept."""
    text = reword(lock(source.text).text).rstrip()
    end = len(text) - 1 if text[-1:] in ".!?" else len(text)
    return text[:end] + rng.choice(VAGUE_FACTS) + text[end:]


def markup_added(source: Source, rng: random.Random) -> str | None:
    locked = lock(source.text)
    text = reword(locked.text)
    if locked.order and rng.random() < 0.5:
        target = rng.choice(list(dict.fromkeys(locked.order)))
        return text.replace(target, f"**{target}**", 1)
    return text + rng.choice([" <b>Thanks!</b>", "\n\n# Summary", " `ok`"])


MUTATIONS: dict[str, tuple[Mutation, bool]] = {
    "digit_changed": (digit_changed, True),
    "date_shifted": (date_shifted, True),
    "amount_changed": (amount_changed, True),
    "id_swapped": (id_swapped, True),
    "fact_dropped": (fact_dropped, True),
    "number_added": (number_added, True),
    "list_items_changed": (list_items_changed, True),
    "placeholder_duplicated": (placeholder_duplicated, True),
    "placeholder_swapped": (placeholder_swapped, True),
    "placeholder_invented": (placeholder_invented, True),
    "vague_fact_added": (vague_fact_added, True),
    "hallucinated_promise": (_append(PROMISES), False),
    "injected_pii": (_append(PERSONAL), False),
    "injected_instructions": (_append(INSTRUCTIONS), False),
    "abuse": (_append(ABUSE), False),
    "language_switched": (_append(FOREIGN), False),
    "markup_added": (markup_added, False),
}
"""Mutation kind to (generator, whether it changes a fact of the source)."""


def candidates(seed: int = 7, fills: int = 3, domain: Path = DOMAIN) -> Iterator[Candidate]:
    """Every faithful style and every mutation of every filled template, seeded."""
    yield from model_style(seed, fills, domain)
    rng = random.Random(seed + 1)
    for source in sources(seed, fills, domain):
        for style in FAITHFUL_STYLES:
            text = faithful(source, style)
            if text is not None:
                yield Candidate(source, style, text, faithful=True, changes_fact=False)
        for kind, (mutate, changes_fact) in MUTATIONS.items():
            text = mutate(source, rng)
            if text is not None and text != source.text:
                yield Candidate(source, kind, text, faithful=False, changes_fact=changes_fact)


def facts_of(text: str) -> list[str]:
    """The fact values of a text, in order (what a mutation must change to count)."""
    return [f.value for f in find_facts(text)]


def model_style(seed: int = 7, fills: int = 3, domain: Path = DOMAIN) -> Iterator[Candidate]:
    """:data:`MODEL_STYLE` rephrases of their templates, filled like :func:`sources`."""
    rng = random.Random(seed + 2)
    wanted = dict(templates(domain))
    for name, rephrase in MODEL_STYLE.items():
        template = wanted[name]
        for _ in range(fills):
            filled = values(rng)

            def fill(text: str, v: dict[str, str] = filled) -> str:
                return SLOT.sub(lambda m: v.get(m.group(1), "something"), text)

            source = Source(name, template, fill(template))
            text = fill(rephrase)
            yield Candidate(source, "model_style", text, faithful=True, changes_fact=False)
