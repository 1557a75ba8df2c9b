"""Which items of an order the shopper means, read from what they typed.

Shared by every flow that asks "which item?" (returns, delivery problems). Pure: the actions
fetch the order and pass its lines in, so the rules can be tested as tables and measured
(``python -m benchmarks.item_picking``).

Each line of the order is scored against each part of the message that names an item
("the hoodie and the water bottle" has two parts): the product's name, its type (category)
and every option value (colour, size, material...) count, typos and plurals are forgiven,
and each word weighs by how few lines of this order it fits (inverse document frequency over
the order's lines). So "smart watch" picks the Smart Watch next to a Smart Thermostat, and a
word several lines share never picks one of them alone: it is a tie, and the form asks which
of just those lines is meant. "All of them", "both" and "everything" take every line;
"everything but the mug" and "not the watch" leave lines out; a button's payload (line ids,
``"3"`` or ``"1,3"``) is taken as it is.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

from actions.services.commerce import OrderLine


@dataclass(frozen=True)
class Picked:
    """The lines the shopper means, without doubt."""

    line_ids: tuple[int, ...]


@dataclass(frozen=True)
class Tie:
    """Words that fit several lines equally: ask which of ``candidates`` is meant.

    ``picked`` holds lines the same message named without doubt ("the hoodie and the
    t-shirt" with two t-shirts picks the hoodie and ties the t-shirts).
    """

    candidates: tuple[int, ...]
    picked: tuple[int, ...] = ()


@dataclass(frozen=True)
class NoMatch:
    """Nothing in the message names a line of the order."""


Resolution = Picked | Tie | NoMatch

# How much a word counts by where the line has it, and by how well it matches.
NAME_WEIGHT = 1.0
CATEGORY_WEIGHT = 0.6
OPTION_WEIGHT = 0.8
# "watch" fits a Wristwatch as well as a Smart Watch: with both, the shopper is asked.
EXACT, PART_OF_COMPOUND, ONE_TYPO, TWO_TYPOS = 1.0, 1.0, 0.85, 0.7
# A line needs at least this much (a distinctive word, typed with a typo, scores above it).
MIN_SCORE = 0.3

_LINE_IDS = re.compile(r"^[\d,\s]+$")
_SEPARATORS = re.compile(
    r",|;|/(?!\w)|\n|&|\b(?:and|plus|as well as|along with|together with|also|then)\b"
)
_STRONG_EXCLUSION = re.compile(
    r"\b(?:but not|and not|except(?: for)?|excluding|apart from|other than|besides|save for"
    r"|minus|without|leave out|leaving out|not (?:the|my|that|this|those|these|a|an|any)"
    r"|(?:keep|keeping|leave|leaving) (?:the|my|that|this|those|these))\b"
)
_BUT = re.compile(r"\bbut\b")
_ALL = re.compile(
    r"\b(?:all|both|everything|every|each|whole order|entire order|the rest|whole thing"
    r"|whole lot)\b"
)
_QUANTIFIERS = frozenset({"all", "both", "every", "each", "two", "three", "four", "five"})
_ORDINALS = {"first": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4, "last": -1}
# Dialogue words that name no item, and never match one through a typo.
STOP_WORDS = frozenset(
    """
    a about actually again all also am an and any are arrived as at back be because been both
    bought broke broken but came can cancel could damaged defective did didnt do does doesnt
    dont each else every everything exchange fine for from get give got had has have he her
    here hi him his how i id ill im in into is isnt it item items its ive just keep kind like
    me mean meant mine missing more much my need never no not now of off ok okay on one ones
    only or order ordered other our out over please plus pls problem product products purchase
    purchased received refund replace replacement return returned returning rest same send
    sent she ship shipped should size so some sorry stuff such sure thank thanks that thats
    the their them then there these they thing things think this those thx to too two three
    four five up us wanna want wanted was we were what when where which while who why will
    with work working would wrong yes you your yeah first second third fourth fifth last whole
    entire colour color style type version model variant
    """.split()
)
# A size letter is also its word: "the large one" is the line in size L.
_SIZE_WORDS = {"s": "small", "m": "medium", "l": "large"}
_UNITS = (
    (r"millilit(?:er|re)s?|ml", "ml"),
    (r"lit(?:er|re)s?|l", "l"),
    (r"inch(?:es)?|\"", "inch"),
    (r"feet|foot|ft", "ft"),
    (r"gb", "gb"),
    (r"tb", "tb"),
    (r"mah", "mah"),
    (r"lbs?|pounds?", "lb"),
    (r"oz|ounces?", "oz"),
    (r"cups?", "cup"),
    (r"hours?|hrs?", "hour"),
    (r"degrees?", "degree"),
    (r"pieces?|pcs?", "piece"),
    (r"mm", "mm"),
    (r"mp", "mp"),
    (r"w(?:atts?)?", "w"),
    (r"m(?:eters?|etres?)?", "m"),
)
_UNIT = re.compile(
    r"(\d+(?:\.\d+)?)\s*-?\s*(" + "|".join(f"(?:{p})" for p, _ in _UNITS) + r")(?![a-z0-9])"
)
_SYNONYMS = {
    "gray": "grey",
    "tee": "tshirt",
    "tees": "tshirt",
    "bike": "bicycle",
    "specs": "glass",
    "trainer": "sneaker",
}
_PHRASES = (
    (re.compile(r"\b(?:extra[\s-]*extra[\s-]*large|xx[\s-]*large|2xl)\b"), " xxl "),
    (re.compile(r"\b(?:extra[\s-]*large|x[\s-]large)\b"), " xl "),
    (re.compile(r"\b(?:extra[\s-]*small|x[\s-]small)\b"), " xs "),
    (re.compile(r"\bt[\s-]+shirts?\b"), " tshirt "),
)


def _unit(match: re.Match[str]) -> str:
    number, unit = match.group(1), match.group(2)
    for pattern, canonical in _UNITS:
        if re.fullmatch(pattern, unit):
            return f" {number}{canonical} "
    return match.group(0)  # not reached: every alternative of _UNIT is one of _UNITS


def _stem(word: str) -> str:
    """One form for singular and plural: "boots" and "boot", "batteries" and "battery"."""
    if not word.isalpha() or len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-1]  # "hoodies" and "hoodie", "batteries" and "battery" (below)
    if word.endswith("y") and word[-2] not in "aeiou":
        return word[:-1] + "ie"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@lru_cache(maxsize=4096)
def words_of(text: str) -> tuple[str, ...]:
    """The text's words as the resolver compares them: lower case, units and plurals unified.

    "I'm" is one word ("im"), so it is never read as the size M; "1000 ml" and "1000ml" are
    the same word, and so are "15-inch" and "15 inches".
    """
    lowered = text.lower().replace("'", "").replace("’", "")
    for pattern, replacement in _PHRASES:
        lowered = pattern.sub(replacement, lowered)
    lowered = _UNIT.sub(_unit, lowered)
    tokens = re.findall(r"[a-z0-9$]+(?:\.[0-9]+[a-z]*)?", lowered)
    return tuple(_SYNONYMS.get(t) or _SYNONYMS.get(_stem(t)) or _stem(t) for t in tokens)


@lru_cache(maxsize=65536)
def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance (a swap of two neighbours is one typo)."""
    if abs(len(a) - len(b)) > 2:
        return 3
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


@dataclass(frozen=True)
class _Line:
    """A line's words, each with the weight of where it was found (name, type, option)."""

    line: OrderLine
    terms: dict[str, float] = field(default_factory=dict)


def _terms(line: OrderLine) -> dict[str, float]:
    """Every word a shopper may use for the line, weighted by where the line has it."""
    terms: dict[str, float] = {}

    def add(words: Iterable[str], weight: float) -> None:
        for word in words:
            if word and word not in STOP_WORDS:
                terms[word] = max(terms.get(word, 0.0), weight)

    name = words_of(line.product_name)
    add((w for w in name if len(w) > 1), NAME_WEIGHT)
    # "T-Shirt" is also "tshirt", "Smart Watch" also "smartwatch", "Back Pack" "backpack".
    add((a + b for a, b in pairwise(name)), NAME_WEIGHT)
    add((w for w in words_of(line.category.replace("_", " ")) if len(w) > 1), CATEGORY_WEIGHT)
    for value in line.options.values():
        words = words_of(str(value))
        add(words, OPTION_WEIGHT)
        add((a + b for a, b in pairwise(words)), OPTION_WEIGHT)
        if len(words) == 1 and words[0] in _SIZE_WORDS:
            add([_SIZE_WORDS[words[0]]], OPTION_WEIGHT)
    return terms


def _match(word: str, term: str) -> float:
    """How well one word of the message matches one word of a line (0: not at all)."""
    if word == term:
        return EXACT
    if len(word) < 4 or len(term) < 4:
        return 0.0
    if len(term) > len(word) and term.endswith(word):
        return PART_OF_COMPOUND  # "watch" in "wristwatch", "phone" in "smartphone"
    if word.isalpha() != term.isalpha():
        return 0.0
    distance = edit_distance(word, term)
    if distance == 1:
        return ONE_TYPO
    if distance == 2 and min(len(word), len(term)) >= 8:
        return TWO_TYPOS
    return 0.0


@dataclass
class _Scores:
    """Each line's score for one part of the message, and whether its name or type matched."""

    score: dict[int, float]
    named: dict[int, bool]
    matched_words: dict[int, set[int]]


def _score(words: Sequence[str], lines: Sequence[_Line], idf: dict[str, float]) -> _Scores:
    known = {t for line in lines for t in line.terms}
    candidates = list(words) + [a + b for a, b in pairwise(words)]
    scores = _Scores({}, {}, {})
    for line in lines:
        line_id = line.line.line_id
        total, named, used = 0.0, False, set()
        for index, word in enumerate(candidates):
            if word in STOP_WORDS and word not in line.terms:
                continue
            exact_elsewhere = word in known and word not in line.terms
            best, best_term = 0.0, ""
            if word in line.terms:  # the word itself, never a longer word that ends with it
                best, best_term = line.terms[word] * idf[word], word
            for term, weight in ({} if best else line.terms).items():
                if exact_elsewhere and word != term and not term.endswith(word):
                    continue  # a catalogue word is no typo of another
                quality = _match(word, term)
                if index >= len(words) and quality < EXACT:
                    continue  # two words joined only count when they spell a line's word
                value = quality * weight * idf[term]
                if value > best:
                    best, best_term = value, term
            if best > 0:
                total += best
                named = named or abs(line.terms[best_term] - OPTION_WEIGHT) > 1e-9
                used.add(index if index < len(words) else index - len(words))
                if index >= len(words):
                    used.add(index - len(words) + 1)
        scores.score[line_id] = round(total, 6)
        scores.named[line_id] = named
        scores.matched_words[line_id] = used
    return scores


@dataclass
class _Mention:
    picked: set[int] = field(default_factory=set)
    tied: set[int] = field(default_factory=set)
    named: bool = False  # a product's name or type matched, not only an option


def _resolve_part(
    words: Sequence[str], lines: Sequence[_Line], idf: dict[str, float], previous: set[str]
) -> _Mention:
    """The line one part of the message names: one line, a tie, or nothing.

    A part that names no product ("the blue one") after one that did ("the red t-shirt and
    the blue one") means another line of that product when there is one.
    """
    mention = _Mention()
    if not words:
        return mention
    scores = _score(words, lines, idf)
    pool = [line for line in lines if scores.score[line.line.line_id] >= MIN_SCORE]
    if not pool:
        ordinal = _ordinal(words, lines)
        if ordinal is not None:
            mention.picked.add(ordinal)
        return mention
    mention.named = any(scores.named[line.line.line_id] for line in pool)
    if previous and not mention.named:
        same_product = [line for line in pool if line.line.product_id in previous]
        pool = same_product or pool
    best = max(scores.score[line.line.line_id] for line in pool)
    top = [line.line.line_id for line in pool if scores.score[line.line.line_id] >= best - 1e-6]
    if len(top) > 1 and _QUANTIFIERS & set(words):
        mention.picked.update(top)  # "both t-shirts", "all the mugs"
    elif len(top) > 1 and _apart(top, scores):
        mention.picked.update(top)  # "hoodie bottle": each line named by words of its own
    elif len(top) > 1:
        ordinal = _ordinal(words, [line for line in lines if line.line.line_id in top])
        if ordinal is not None:
            mention.picked.add(ordinal)
        else:
            mention.tied.update(top)
    else:
        mention.picked.add(top[0])
        # "the hoodie the bottle": words the picked line does not explain may name another.
        rest = [
            w
            for i, w in enumerate(words)
            if i not in scores.matched_words[top[0]] and w not in STOP_WORDS
        ]
        if rest and len(rest) < len(words):
            others = [line for line in lines if line.line.line_id != top[0]]
            extra = _resolve_part(rest, others, idf, set())
            extra_scores = _score(rest, others, idf)
            if any(extra_scores.named.get(i) for i in extra.picked | extra.tied):
                mention.picked |= extra.picked
                mention.tied |= extra.tied
    return mention


def _apart(line_ids: Sequence[int], scores: _Scores) -> bool:
    """Whether each line was named by words no other of them matched."""
    seen: set[int] = set()
    for line_id in line_ids:
        words = scores.matched_words[line_id]
        if not scores.named[line_id] or words & seen:
            return False
        seen |= words
    return True


def _ordinal(words: Sequence[str], lines: Sequence[_Line]) -> int | None:
    """ "The second one": a line by its place in the list the shopper was shown."""
    content = [w for w in words if w not in STOP_WORDS or w in _ORDINALS]
    if len(content) != 1 or content[0] not in _ORDINALS:
        return None
    index = _ORDINALS[content[0]]
    if index >= len(lines):
        return None
    return lines[index].line.line_id


def _parts(text: str) -> list[tuple[str, ...]]:
    return [words_of(part) for part in _SEPARATORS.split(text.lower()) if words_of(part)]


def _split_exclusion(text: str) -> tuple[str, str]:
    """The words that name what is wanted, and those that name what is left out."""
    lowered = text.lower().replace("'", "").replace("’", "")
    strong = _STRONG_EXCLUSION.search(lowered)
    if strong is not None:
        return lowered[: strong.start()], lowered[strong.start() :]
    but = _BUT.search(lowered)
    if but is not None and _ALL.search(lowered[: but.start()]):
        return lowered[: but.start()], lowered[but.end() :]
    return lowered, ""


def _read(text: str, lines: Sequence[_Line], idf: dict[str, float]) -> _Mention:
    """Every part of ``text``: the lines it names without doubt, and those tied."""
    total = _Mention()
    previous: set[str] = set()
    by_id = {line.line.line_id: line.line for line in lines}
    last = _Mention()
    for words in _parts(text):
        mention = _resolve_part(words, lines, idf, previous)
        found = mention.picked | mention.tied
        if found and not mention.named and found <= last.tied:
            # "the hoodie, the lime one": the options choose among the lines just tied.
            total.tied -= last.tied - found
        total.picked |= mention.picked
        total.tied |= mention.tied
        if found:
            previous = {by_id[i].product_id for i in found}
            last = mention
    total.tied -= total.picked
    return total


def line_ids_in(text: str, lines: Sequence[OrderLine]) -> list[int] | None:
    """The ids a button's payload names ("3", "1,3"), or None when the text is no payload."""
    if not _LINE_IDS.match(text.strip()):
        return None
    wanted = {int(x) for x in re.findall(r"\d+", text)}
    found = [line.line_id for line in lines if line.line_id in wanted]
    return found or None


def resolve_items(text: str, lines: Sequence[OrderLine]) -> Resolution:
    """Which of ``lines`` the shopper means by ``text``."""
    ids = line_ids_in(text, lines)
    if ids is not None:
        return Picked(tuple(ids))
    if not lines:
        return NoMatch()
    prepared = [_Line(line, _terms(line)) for line in lines]
    df: dict[str, int] = {}
    for line in prepared:
        for term in line.terms:
            df[term] = df.get(term, 0) + 1
    idf = {term: math.log(1 + len(lines) / count) for term, count in df.items()}
    wanted_text, left_out_text = _split_exclusion(text)
    wanted = _read(wanted_text, prepared, idf)
    left_out = _read(left_out_text, prepared, idf) if left_out_text else _Mention()
    excluded = left_out.picked | left_out.tied
    everything = {line.line_id for line in lines}
    if not (wanted.picked or wanted.tied):
        if _ALL.search(wanted_text) or excluded:
            chosen = everything - excluded
            return Picked(_ordered(chosen, lines)) if chosen else NoMatch()
        return NoMatch()
    picked = wanted.picked - excluded
    tied = wanted.tied - excluded
    if len(tied) == 1:
        picked |= tied
        tied = set()
    if tied:
        return Tie(_ordered(tied, lines), _ordered(picked, lines))
    return Picked(_ordered(picked, lines)) if picked else NoMatch()


def resolve_answer(text: str, lines: Sequence[OrderLine], earlier: str | None) -> Resolution:
    """``text`` read as the answer to "which of these?" after ``earlier`` tied lines.

    The answer ("the red one", "the second") is read among the tied lines first; lines the
    earlier message named without doubt stay picked.
    """
    result = resolve_items(text, lines)
    if earlier is None or line_ids_in(text, lines) is not None:
        return result
    before = resolve_items(earlier, lines)
    if not isinstance(before, Tie):
        return result
    among = [line for line in lines if line.line_id in before.candidates]
    narrowed = resolve_items(text, among)
    if isinstance(narrowed, Picked):
        return Picked(_ordered(set(before.picked) | set(narrowed.line_ids), lines))
    if isinstance(narrowed, Tie):
        return Tie(narrowed.candidates, _ordered(set(before.picked) | set(narrowed.picked), lines))
    return result


def _ordered(ids: Iterable[int], lines: Sequence[OrderLine]) -> tuple[int, ...]:
    wanted = set(ids)
    return tuple(line.line_id for line in lines if line.line_id in wanted)


def tie_labels(lines: Sequence[OrderLine]) -> list[str]:
    """Button titles for tied lines that tell them apart: the options that differ.

    "T-Shirt (red, L)" and "T-Shirt (blue, M)" rather than every option of each; lines that
    are the same in every way are numbered as they appear on the order.
    """
    labels = []
    for line in lines:
        same = [other for other in lines if other.product_name == line.product_name]
        keys = [
            key
            for key in line.options
            if len({str(other.options.get(key)) for other in same}) > 1 or len(same) == 1
        ]
        options = ", ".join(str(line.options[key]) for key in keys)
        labels.append(line.product_name + (f" ({options})" if options else ""))
    for label in set(labels):
        if labels.count(label) > 1:
            numbered = iter(range(1, labels.count(label) + 1))
            labels = [f"{x} #{next(numbered)}" if x == label else x for x in labels]
    return labels
