"""Catalogue questions: the real action, rasa_sdk trackers, the real backend over HTTP.

Every expected figure is read from the backend's own product record, so the tests hold for
whatever catalogue the seeder builds.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import quote

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.products import ActionAnswerProduct
from actions.support import money
from tests.integration.actions.conftest import Backend, Store
from tests.integration.actions.trackers import make_tracker, responses

pytestmark = pytest.mark.usefixtures("fresh_commerce_client")


async def ask(
    domain: dict[str, Any], text: str, intent: str = "product_question", **kwargs: Any
) -> tuple[CollectingDispatcher, list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(domain, intent=intent, text=text, **kwargs)
    events = await ActionAnswerProduct().run(dispatcher, tracker, domain)
    return dispatcher, events


async def search(backend: Backend, words: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (
        await backend.get_json(f"/api/v1/products?q={quote(words)}&limit=20")
    )["products"]
    return found


async def a_whole_name(backend: Backend, store: Store) -> dict[str, Any]:
    """A product of a sample order whose whole name only it has, as the backend has it."""
    for sample in store.samples:
        order = await backend.get_json(f"/api/v1/orders/{sample['order_id']}")
        for line in order["lines"]:
            found = await search(backend, line["product_name"])
            if [p["match"] for p in found].count(1.0) == 1:
                return found[0]
    raise AssertionError("no product with a name of its own in the store")


async def a_shared_word(backend: Backend, store: Store) -> tuple[str, list[dict[str, Any]]]:
    """The last word of a sample order's product that several products share, and those."""
    for sample in store.samples:
        order = await backend.get_json(f"/api/v1/orders/{sample['order_id']}")
        for line in order["lines"]:
            word = line["product_name"].split()[-1]
            found = await search(backend, word)
            if len(found) > 1 and found[1]["match"] >= found[0]["match"] - 0.1:
                return word, found
    raise AssertionError("no product name ends in a word other names share")


def _in_stock(product: dict[str, Any]) -> int:
    return sum(1 for v in product["variants"] if v["stock"] > 0)


async def test_a_question_naming_one_product_is_answered_with_its_counts_and_prices(
    domain: dict[str, Any], store: Store, live_backend: Backend
) -> None:
    product = await a_whole_name(live_backend, store)
    variants = product["variants"]

    dispatcher, events = await ask(
        domain, f"how many options of the {product['name']} are available right now?"
    )

    overview = dispatcher.messages[0]
    assert overview["response"] == "utter_product_overview"
    assert overview["product"] == product["name"]
    if len(variants) > 1:
        assert overview["choices"].startswith(f"{len(variants)} options, {_in_stock(product)} ")
    low = min(float(v["price"]) for v in variants)
    assert money(low, "USD") in overview["price"]
    assert SlotSet("product_id", product["product_id"]) in events


async def test_each_option_kind_is_listed_with_how_many_values_it_has(
    domain: dict[str, Any], store: Store, live_backend: Backend
) -> None:
    product = await a_whole_name(live_backend, store)
    kinds = Counter(key for v in product["variants"] for key in v["options"])
    key = next(iter(kinds))
    values = {v["options"][key] for v in product["variants"]}

    dispatcher, _ = await ask(domain, f"what {key}s does the {product['name']} come in")

    said = {m["response"]: m for m in dispatcher.messages}
    if len(product["variants"]) == 1:
        assert "utter_product_options" not in said
    else:
        lists = said["utter_product_options"]["option_lists"]
        noun = key.replace("_", " ")
        assert f"{len(values)} {noun}{'s' if len(values) > 1 else ''}:" in lists


async def test_words_several_products_share_get_which_one_with_a_button_each(
    domain: dict[str, Any], store: Store, live_backend: Backend
) -> None:
    word, found = await a_shared_word(live_backend, store)
    text = f"what colours does the {word.lower()} come in?"

    dispatcher, events = await ask(domain, text)

    (message,) = dispatcher.messages
    assert message["response"] == "utter_ask_which_product"
    titles = [b["title"] for b in message["buttons"]]
    close = [p["name"] for p in found if p["match"] >= found[0]["match"] - 0.1]
    assert titles == close[: len(titles)]
    assert 2 <= len(titles) <= 5
    assert message["buttons"][0]["payload"] == (
        f'/product_question{{"product_id": "{found[0]["product_id"]}"}}'
    )
    assert SlotSet("product_asked", text) in events


async def test_the_button_answers_the_question_that_was_waiting(
    domain: dict[str, Any], store: Store, live_backend: Backend
) -> None:
    _, found = await a_shared_word(live_backend, store)
    product = found[1]
    variant = product["variants"][0]
    value = next(iter(variant["options"].values()))
    fitting = [v for v in product["variants"] if value in v["options"].values()]

    dispatcher, events = await ask(
        domain,
        f'/product_question{{"product_id": "{product["product_id"]}"}}',
        entities={"product_id": product["product_id"]},
        slots={"product_asked": f"is it in stock in {value}?"},
    )

    said = {m["response"]: m for m in dispatcher.messages}
    assert said["utter_product_overview"]["product"] == product["name"]
    verdict = said["utter_product_in_options"]["verdict"]
    in_stock = [v for v in fitting if v["stock"] > 0]
    if not in_stock:
        assert verdict == "sold out right now"
    elif len(in_stock) == len(fitting):
        assert verdict.startswith("available")
    else:
        assert verdict.startswith(f"{len(in_stock)} of {len(fitting)} available")
    assert SlotSet("product_asked", None) in events


async def test_it_in_a_follow_up_is_the_product_just_answered(
    domain: dict[str, Any], store: Store, live_backend: Backend
) -> None:
    product = await a_whole_name(live_backend, store)

    dispatcher, _ = await ask(
        domain, "and is it still in stock?", slots={"product_id": product["product_id"]}
    )

    assert dispatcher.messages[0]["product"] == product["name"]


async def test_an_item_of_the_known_shoppers_order_wins_over_other_products_with_that_word(
    domain: dict[str, Any], store: Store, live_backend: Backend
) -> None:
    word, found = await a_shared_word(live_backend, store)
    sample, line = await _order_line_ending_in(live_backend, store, word)
    assert line["product_id"] != found[0]["product_id"] or len(found) > 1

    dispatcher, _ = await ask(
        domain,
        f"does the {word.lower()} come in other colours?",
        slots={"customer_id": sample["customer_id"], "last_order_id": sample["order_id"]},
    )

    assert dispatcher.messages[0]["product"] == line["product_name"]


async def _order_line_ending_in(
    backend: Backend, store: Store, word: str
) -> tuple[dict[str, str], dict[str, Any]]:
    """A sample order with exactly one line whose product name ends in ``word``."""
    for sample in store.samples:
        order = await backend.get_json(f"/api/v1/orders/{sample['order_id']}")
        lines = [line for line in order["lines"] if line["product_name"].split()[-1] == word]
        words = [line["product_name"].lower().split() for line in order["lines"]]
        if len(lines) == 1 and sum(word.lower() in w for w in words) == 1:
            return sample, lines[0]
    raise AssertionError(f"no sample order has one {word}")


async def test_words_that_name_no_product_get_a_request_for_its_name(
    domain: dict[str, Any], live_backend: Backend
) -> None:
    dispatcher, events = await ask(domain, "how much is the flux capacitor?")

    assert responses(dispatcher) == ["utter_product_not_found"]
    assert SlotSet("product_id", None) not in events


@pytest.mark.usefixtures("backend_down")
async def test_when_the_backend_is_down_the_shopper_hears_an_apology_and_a_person(
    domain: dict[str, Any],
) -> None:
    dispatcher, _ = await ask(domain, "how much is the granite daypack?")

    assert responses(dispatcher) == ["utter_backend_unavailable"]
    assert dispatcher.messages[0]["support_email"]


async def test_an_answer_to_which_one_in_words_or_by_position_picks_among_the_buttons(
    domain: dict[str, Any], store: Store, live_backend: Backend
) -> None:
    word, found = await a_shared_word(live_backend, store)
    question = f"what colours does the {word.lower()} come in?"
    close = [p for p in found if p["match"] >= found[0]["match"] - 0.1][:5]
    distinct = close[1]["name"].split()[0]
    waiting = {"product_asked": question}

    by_position, _ = await ask(domain, "the second one", intent="inform", slots=waiting)
    in_words, events = await ask(
        domain, f"the {distinct.lower()} one", intent="out_of_scope", slots=waiting
    )

    assert by_position.messages[0]["product"] == close[1]["name"]
    assert in_words.messages[0]["product"] == close[1]["name"]
    assert "utter_product_options" in responses(in_words)
    assert SlotSet("product_asked", None) in events
