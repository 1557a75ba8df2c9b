"""Questions about the shop's catalogue: price, options, how many, what is in stock.

"How many t-shirt options do you have right now?", "does the Timberline Sun Hoodie come in
green?", "how much is the smart watch?" are answered from the live catalogue
(``GET /api/v1/products?q=``), with the figures asked for as numbers. The catalogue is the
shop window, so nobody is asked to verify first.

Which product: a button the assistant showed (``product_id`` entity), else an item of the
order in focus that the words name ("does the hoodie I got come in black?"), else the
catalogue's clear best match for the ``product`` entity or the whole message, else the
product the conversation was just about ("does it come in black?"). Several close matches get
"which one?" with a button each; the question waits in ``product_asked`` for the answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.items import Picked, resolve_items
from actions.options import mentions, normalise
from actions.services.commerce import CommerceError, Product, ProductMatch, Variant
from actions.support import RunContext, money, then_next_request

INTENT = "product_question"
# A product the words name wholly wins; otherwise the best one wins when no other is within
# CLOSE of it, and a match under WEAKEST is no match at all. "The tent" in a shop of twenty
# tents covers a fifth of each name: every tent is close, and the shopper is asked. Under
# STRONG, "it" in the question means the product the conversation is about.
WHOLE, CLOSE, WEAKEST, STRONG = 0.99, 0.1, 0.15, 0.5
SEARCH_LIMIT = 20
MAX_CHOICES = 5
MAX_VALUES_LISTED = 10
_IT = re.compile(r"(?i)\b(it|its|it's|this|that|this one|that one|they|them|same)\b")


@dataclass(frozen=True)
class Named:
    """The option values a question names, by option key ({"color": ["blue"]})."""

    values: dict[str, list[str]]

    def __bool__(self) -> bool:
        return bool(self.values)

    def fits(self, variant: Variant) -> bool:
        """True when the variant has one of the named values of every named key."""
        return all(variant.options.get(key) in wanted for key, wanted in self.values.items())

    def words(self) -> str:
        """ "blue, size M" for the reply."""
        parts = []
        for key, wanted in self.values.items():
            said = " or ".join(wanted)
            # "M" or "10" alone says little; "size M" does. "blue" says it all.
            terse = len(said) <= 3 and (said.isupper() or not said.isalpha())
            parts.append(f"{key.replace('_', ' ')} {said}" if terse else said)
        return ", ".join(parts)


def named_options(text: str, product: Product) -> Named:
    """The option values of ``product`` the shopper's words name ("in blue, size M")."""
    plain = normalise(text)
    found: dict[str, list[str]] = {}
    for key in _keys(product.variants):
        values = list(dict.fromkeys(v.options.get(key, "") for v in product.variants))
        named = [v for v in values if v and mentions(plain, v)]
        # The longest name wins over the ones inside it: "xxl" is not also "xl" or "l".
        named = [v for v in named if not any(v != o and v.lower() in o.lower() for o in named)]
        if named:
            found[key] = named
    return Named(found)


def _keys(variants: Iterable[Variant]) -> list[str]:
    return list(dict.fromkeys(key for v in variants for key in v.options))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def price_range(variants: Sequence[Variant], currency: str) -> str:
    """ "$49.67", or "from $46.66 to $53.43" when the options differ in price."""
    prices = sorted(v.price for v in variants)
    if not prices:
        return "no price listed"
    low, high = money(prices[0], currency), money(prices[-1], currency)
    return low if low == high else f"from {low} to {high}"


def option_lists(variants: Sequence[Variant]) -> str:
    """ "4 colors: black, blue, purple, red. 3 sizes: S, M, XL." over every option key."""
    sentences = []
    for key in _keys(variants):
        values = list(dict.fromkeys(v.options[key] for v in variants if key in v.options))
        shown = ", ".join(values[:MAX_VALUES_LISTED])
        if len(values) > MAX_VALUES_LISTED:
            shown += f" and {len(values) - MAX_VALUES_LISTED} more"
        sentences.append(f"{_plural(len(values), key.replace('_', ' '))}: {shown}.")
    return " ".join(sentences)


def describe_product(
    product: Product, question: str, currency: str
) -> list[tuple[str, dict[str, Any]]]:
    """The replies to ``question`` about ``product``: price, counts, options, stock."""
    variants = product.variants
    available = [v for v in variants if v.stock > 0]
    if len(variants) == 1:
        choices = "one option, " + ("available right now" if available else "sold out right now")
    else:
        choices = f"{len(variants)} options, {len(available)} of them available right now"
    replies: list[tuple[str, dict[str, Any]]] = [
        (
            "utter_product_overview",
            {"product": product.name, "price": price_range(variants, currency), "choices": choices},
        )
    ]
    if len(variants) > 1 and _keys(variants):
        replies.append(("utter_product_options", {"option_lists": option_lists(variants)}))
    named = named_options(question, product)
    if named:
        replies.append(_named_reply(product, named, currency))
    return replies


def _named_reply(product: Product, named: Named, currency: str) -> tuple[str, dict[str, Any]]:
    """Whether the options the shopper named exist, are in stock, and at what price."""
    fitting = [v for v in product.variants if named.fits(v)]
    wanted = named.words()
    if not fitting:
        return "utter_product_not_offered", {"product": product.name, "wanted": wanted}
    in_stock = [v for v in fitting if v.stock > 0]
    if not in_stock:
        verdict = "sold out right now"
    elif len(in_stock) == len(fitting):
        verdict = f"available, {price_range(in_stock, currency)}"
    else:
        rest = [k for k in _keys(fitting) if k not in named.values]
        which = ", ".join(
            " ".join(v.options[k] for k in rest if k in v.options) or v.sku for v in in_stock
        )
        price = price_range(in_stock, currency)
        verdict = f"{len(in_stock)} of {len(fitting)} available ({which}), {price}"
    return "utter_product_in_options", {"wanted": wanted, "verdict": verdict}


def pick(found: Sequence[ProductMatch]) -> list[ProductMatch]:
    """The products the words could mean: one when there is a clear winner, else the close ones.

    Empty when nothing matches well enough. The caller shows at most :data:`MAX_CHOICES`.
    """
    if not found or found[0].match < WEAKEST:
        return []
    best = found[0].match
    if best >= WHOLE:
        return [m for m in found if m.match >= WHOLE]
    return [m for m in found if m.match >= best - CLOSE]


def choice_buttons(choices: Sequence[ProductMatch]) -> list[dict[str, str]]:
    """One button a product, whose payload names it by id."""
    return [
        {
            "title": m.product.name,
            "payload": f"/{INTENT}{json.dumps({'product_id': m.product.product_id})}",
        }
        for m in choices
    ]


def more_words(hidden: int) -> str:
    """What "which one?" adds when more products fit than there are buttons."""
    if hidden <= 0:
        return ""
    return f" {hidden} more fit too: a few more words of its name will find it."


def _entity(tracker: Tracker, name: str) -> str | None:
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == name and isinstance(entity.get("value"), str):
            return str(entity["value"])
    return None


class ActionAnswerProduct(Action):
    """Answers a catalogue question, or asks which product when the words fit several."""

    def name(self) -> str:
        return "action_answer_product"

    @then_next_request
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        context = RunContext.of(tracker)
        text = tracker.latest_message.get("text") or ""
        chosen = _entity(tracker, "product_id")
        waiting = tracker.get_slot("product_asked")
        asked = waiting if isinstance(waiting, str) and waiting else None
        question = text if asked is None else asked  # a button answers the waiting question
        try:
            if chosen:
                product: Product | None = await context.client.get_product(chosen)
                choices: list[ProductMatch] = []
            elif asked is not None:
                # The answer to "which one?" ("the coastal one", "the second"); failing that, a
                # catalogue question is a new one.
                product, choices = await _which(context, asked, text)
                question = f"{asked} {text}"
                if product is None and _asks(tracker):
                    product, choices = await self._find(tracker, context, text)
                    question = text
            else:
                product, choices = await self._find(tracker, context, text)
        except CommerceError:
            context.apologise(dispatcher)
            return [SlotSet("product_asked", None)]
        if product is not None:
            for response, values in describe_product(product, question, context.policy.currency):
                dispatcher.utter_message(response=response, **values)
            return [SlotSet("product_id", product.product_id), SlotSet("product_asked", None)]
        if choices:
            dispatcher.utter_message(
                response="utter_ask_which_product",
                buttons=choice_buttons(choices[:MAX_CHOICES]),
                more=more_words(len(choices) - MAX_CHOICES),
            )
            return [SlotSet("product_asked", question)]
        dispatcher.utter_message(response="utter_product_not_found")
        return [SlotSet("product_asked", None)]

    async def _find(
        self, tracker: Tracker, context: RunContext, text: str
    ) -> tuple[Product | None, list[ProductMatch]]:
        """The one product the message means, or the close candidates to ask between."""
        mention = _entity(tracker, "product")
        bought = await _named_in_order(tracker, context, mention or text)
        if bought is not None:
            return await context.client.get_product(bought), []
        found = await context.client.search_products(mention or text, limit=SEARCH_LIMIT)
        choices = pick(found)
        in_focus = tracker.get_slot("product_id")
        strong = bool(choices) and choices[0].match >= STRONG
        about_it = bool(_IT.search(text)) or not choices
        if isinstance(in_focus, str) and in_focus and not mention and not strong and about_it:
            return await context.client.get_product(in_focus), []
        if len(choices) == 1:
            return choices[0].product, []
        return None, choices


_ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3,
             "4th": 3, "fifth": 4, "5th": 4, "last": -1}  # fmt: skip


def ordinal(text: str) -> int | None:
    """The position "the second one" or a bare "2" names among the buttons, if any."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    for word in words:
        if word in _ORDINALS:
            return _ORDINALS[word]
    if len(words) <= 3 and any(w.isdigit() and 1 <= int(w) <= MAX_CHOICES for w in words):
        return next(int(w) - 1 for w in words if w.isdigit() and 1 <= int(w) <= MAX_CHOICES)
    return None


def _asks(tracker: Tracker) -> bool:
    """True when the latest message is itself a catalogue question."""
    return (tracker.latest_message.get("intent") or {}).get("name") == INTENT


async def _which(
    context: RunContext, asked: str, answer: str
) -> tuple[Product | None, list[ProductMatch]]:
    """The product an answer to "which one?" picks among those the question fitted."""
    position = ordinal(answer)
    fitted: list[ProductMatch] | None = None  # the question's own candidates, searched once
    if position is not None:
        fitted = pick(await context.client.search_products(asked, limit=SEARCH_LIMIT))
        shown = fitted[:MAX_CHOICES]
        if -len(shown) <= position < len(shown):
            return shown[position].product, []
    narrowed = pick(await context.client.search_products(f"{asked} {answer}", limit=SEARCH_LIMIT))
    if len(narrowed) == 1:
        return narrowed[0].product, []
    if narrowed:
        return None, narrowed
    if fitted is None:
        fitted = pick(await context.client.search_products(asked, limit=SEARCH_LIMIT))
    return None, fitted


async def _named_in_order(tracker: Tracker, context: RunContext, words: str) -> str | None:
    """The product of the one item of the known shopper's order in focus the words name."""
    order_ref = tracker.get_slot("last_order_id")
    if not tracker.get_slot("customer_id") or not isinstance(order_ref, str) or not order_ref:
        return None
    order = await context.client.get_order(order_ref)
    resolved = resolve_items(words, order.lines)
    if isinstance(resolved, Picked) and len(resolved.line_ids) == 1:
        line = next(line for line in order.lines if line.line_id == resolved.line_ids[0])
        return line.product_id
    return None
