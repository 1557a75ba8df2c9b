"""Cross-sell actions with rasa_sdk trackers against the real backend over HTTP.

What a shopper notices: suggestions with reasons and buttons, an offer after good news that
comes once and never at a bad moment, and a pick that the backend records.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestServer
from rasa_sdk.events import ActionExecuted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.cross_sell import (
    ActionDeclineSuggestions,
    ActionOfferSuggestion,
    ActionRecommendProducts,
    ActionRecordSuggestionClick,
)
from commerce.app import create_app
from commerce.config import CommerceConfig
from tests.integration.actions.conftest import TOKEN, Backend, Store
from tests.integration.actions.trackers import make_tracker, responses
from tests.merchants import DEMO_POLICY, best_seller, write_outdoor_policy

pytestmark = pytest.mark.usefixtures("fresh_commerce_client")

AFTER_GOOD_NEWS = [ActionExecuted("action_order_status")]


@pytest_asyncio.fixture
async def live_backend(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> Backend:
    """The live backend, its recommender built before the test (as `python -m commerce`
    does at start), so the first request is not the one that builds it."""
    monkeypatch.setenv("COMMERCE_API_URL", backend.url)
    monkeypatch.setenv("COMMERCE_API_TOKEN", backend.token)
    await backend.get_json("/api/v1/recommendations")
    return backend


async def customer_without_open_problems(store: Store, backend: Backend) -> str:
    """A shopper whose orders are all going fine and who reported no problem lately."""
    for sample in store.samples:
        customer = sample["customer_id"]
        orders = (await backend.get_json(f"/api/v1/customers/{customer}/orders?limit=10"))["orders"]
        claims = (await backend.get_json(f"/api/v1/customers/{customer}/claims?days=30"))["claims"]
        bad = {"delayed", "lost", "return_requested", "exchange_requested"}
        if not claims and all(order["status"] not in bad for order in orders):
            return customer
    raise AssertionError("the demo store has no shopper without an open problem")


async def offer(domain: dict[str, Any], **kwargs: Any) -> tuple[list[str], list[Any]]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(domain, intent="thank", text=kwargs.pop("text", "thanks!"), **kwargs)
    events = await ActionOfferSuggestion().run(dispatcher, tracker, domain)
    return responses(dispatcher), events


async def test_good_news_and_a_calm_shopper_get_the_offer_once(
    domain: dict[str, Any], store: Store, live_backend: Backend
) -> None:
    customer = await customer_without_open_problems(store, live_backend)
    slots = {"customer_id": customer, "order_status": "in_transit"}

    said, events = await offer(domain, slots=slots, earlier_events=AFTER_GOOD_NEWS)
    again, later = await offer(
        domain, slots={**slots, "suggestion_state": "offered"}, earlier_events=AFTER_GOOD_NEWS
    )

    assert said == ["utter_offer_suggestion"]
    assert events == [SlotSet("suggestion_state", "offered")]
    assert again == ["utter_you_are_welcome"]
    assert later == [SlotSet("suggestion_state", "ignored")]


async def test_an_e_mail_the_nlu_was_unsure_about_inside_the_lookup_is_not_upset(
    domain: dict[str, Any], store: Store, live_backend: Backend
) -> None:
    customer = await customer_without_open_problems(store, live_backend)
    unsure = {
        "event": "user",
        "text": "jane.doe@example.com",
        "parse_data": {"intent": {"name": "nlu_fallback", "confidence": 0.3}, "entities": []},
    }
    slots = {"customer_id": customer, "order_status": "delivered"}

    said, _ = await offer(domain, slots=slots, earlier_events=[unsure, *AFTER_GOOD_NEWS])

    assert said == ["utter_offer_suggestion"]


async def test_a_shopper_the_bot_failed_to_understand_gets_no_offer(
    domain: dict[str, Any],
) -> None:
    missed = [ActionExecuted("action_nlu_fallback"), *AFTER_GOOD_NEWS]
    said, _ = await offer(domain, slots={"order_status": "delivered"}, earlier_events=missed)
    assert said == ["utter_you_are_welcome"]


async def test_a_shopper_with_an_open_return_gets_no_offer(
    domain: dict[str, Any], store: Store, live_backend: Backend
) -> None:
    customer = store.sample("return_requested")["customer_id"]
    slots = {"customer_id": customer, "order_status": "delivered"}

    said, events = await offer(domain, slots=slots, earlier_events=AFTER_GOOD_NEWS)

    assert said == ["utter_you_are_welcome"]
    assert events == []


@pytest.mark.parametrize(
    ("case", "slots", "earlier", "text"),
    [
        (
            "upset",
            {"order_status": "in_transit"},
            AFTER_GOOD_NEWS,
            "ok thanks, this was ridiculous",
        ),
        ("delayed parcel", {"order_status": "delayed"}, AFTER_GOOD_NEWS, "thanks"),
        (
            "said no before",
            {"order_status": "in_transit", "suggestion_state": "declined"},
            AFTER_GOOD_NEWS,
            "thanks",
        ),
        (
            "already saw suggestions",
            {"order_status": "in_transit", "suggestion_state": "shown"},
            AFTER_GOOD_NEWS,
            "thanks",
        ),
        ("not after an order answer", {"order_status": "in_transit"}, [], "thanks"),
    ],
)
async def test_no_offer_at_a_bad_moment(
    domain: dict[str, Any],
    case: str,
    slots: dict[str, Any],
    earlier: list[Any],
    text: str,
) -> None:
    said, events = await offer(domain, slots=slots, earlier_events=earlier, text=text)

    assert said == ["utter_you_are_welcome"], case
    assert events == []


@pytest.mark.usefixtures("backend_down")
async def test_when_the_backend_cannot_tell_about_problems_no_offer_is_made(
    domain: dict[str, Any],
) -> None:
    slots = {"customer_id": "C-10004", "order_status": "delivered"}
    said, _ = await offer(domain, slots=slots, earlier_events=AFTER_GOOD_NEWS)
    assert said == ["utter_you_are_welcome"]


async def test_a_known_shopper_gets_three_suggestions_with_reasons_as_buttons(
    domain: dict[str, Any], store: Store, live_backend: Backend
) -> None:
    customer = store.sample("delivered")["customer_id"]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        domain, intent="recommend_products", text="what else?", slots={"customer_id": customer}
    )

    events = await ActionRecommendProducts().run(dispatcher, tracker, domain)

    (message,) = dispatcher.messages
    assert message["response"] == "utter_suggestions_personal"
    lines = message["suggestions"].splitlines()
    assert len(lines) == 3 and len(message["buttons"]) == 3
    for number, line in enumerate(lines, start=1):
        assert line.startswith(f"{number}. ")
        assert "$" in line and "in stock" in line
    shown = next(e["value"] for e in events if e["name"] == "suggested_products")
    assert [b["payload"] for b in message["buttons"]] == [
        f'/inform{{"suggested_product":"{item["product_id"]}"}}' for item in shown
    ]
    assert SlotSet("suggestion_state", "shown") in events


async def test_someone_unknown_gets_popular_products_and_how_to_get_personal_ones(
    domain: dict[str, Any], live_backend: Backend
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(domain, intent="recommend_products", text="recs?")

    await ActionRecommendProducts().run(dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_suggestions_popular"]
    assert "Popular with other shoppers" in dispatcher.messages[0]["suggestions"]


async def test_asking_about_a_tent_gets_suggestions_that_go_with_a_tent(
    domain: dict[str, Any], live_backend: Backend
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        domain,
        intent="recommend_products",
        text="what goes with a tent",
        entities={"product": "tent"},
    )

    await ActionRecommendProducts().run(dispatcher, tracker, domain)

    (message,) = dispatcher.messages
    assert (message["response"], message["product"]) == ("utter_suggestions_about", "tent")
    lines = message["suggestions"].splitlines()
    assert any("Tent" in line.split(". ", 2)[-1] for line in lines), lines


@pytest.mark.usefixtures("backend_down")
async def test_when_the_backend_is_down_the_shopper_hears_an_apology_and_a_person(
    domain: dict[str, Any],
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(domain, intent="recommend_products", text="recs?")

    await ActionRecommendProducts().run(dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_backend_unavailable"]
    assert dispatcher.messages[0]["support_email"]


async def test_picking_a_suggestion_records_the_click_in_the_backend(
    domain: dict[str, Any], store: Store, live_backend: Backend
) -> None:
    customer = store.sample("delivered", 1)["customer_id"]
    listing = CollectingDispatcher()
    shown_events = await ActionRecommendProducts().run(
        listing,
        make_tracker(domain, intent="recommend_products", slots={"customer_id": customer}),
        domain,
    )
    slots = {e["name"]: e["value"] for e in shown_events}
    picked = slots["suggested_products"][2]["product_id"]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        domain,
        intent="inform",
        entities={"suggested_product": picked},
        slots={**slots, "customer_id": customer, "suggested_product": picked},
    )

    events = await ActionRecordSuggestionClick().run(dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_suggestion_picked"]
    assert events == [SlotSet("suggested_product", None)]
    clicks = (
        await live_backend.get_json(f"/api/v1/recommendations/clicks?customer_id={customer}")
    )["clicks"]
    assert [(c["product_id"], c["position"]) for c in clicks] == [(picked, 3)]
    assert clicks[0]["recommendation_id"] == slots["recommendation_id"]


async def test_a_product_that_was_not_on_the_list_is_not_recorded(
    domain: dict[str, Any], store: Store, live_backend: Backend
) -> None:
    customer = store.sample("delivered", 2)["customer_id"]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        domain,
        intent="inform",
        slots={
            "customer_id": customer,
            "suggested_product": "P-1001",
            "recommendation_id": "rec_made_up",
            "suggested_products": [{"product_id": "P-1002", "name": "x", "price": 1.0}],
        },
    )

    await ActionRecordSuggestionClick().run(dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_suggestion_not_listed"]
    clicks = await live_backend.get_json(f"/api/v1/recommendations/clicks?customer_id={customer}")
    assert clicks["clicks"] == []


async def test_saying_no_stops_the_suggestions_for_the_conversation(
    domain: dict[str, Any],
) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionDeclineSuggestions().run(
        dispatcher, make_tracker(domain, intent="deny", text="no thanks"), domain
    )
    assert responses(dispatcher) == ["utter_suggestions_declined"]
    assert events == [SlotSet("suggestion_state", "declined")]


@pytest_asyncio.fixture
async def two_merchant_backend(
    store: Store, tmp_path: Path, embeddings_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Backend, str]]:
    """One backend for the `demo` and `outdoor` tenants; `outdoor` never suggests the
    category of the demo merchant's first suggestion. Yields it and that category."""
    excluded = str(best_seller(store.db_url).category)
    outdoor = write_outdoor_policy(tmp_path / "outdoor.yml", exclude_categories=[excluded])
    config = CommerceConfig(
        db_url=store.db_url,
        api_token=TOKEN,
        merchant_policy=str(DEMO_POLICY),
        merchant_policies={"demo": str(DEMO_POLICY), "outdoor": str(outdoor)},
        cache_dir=str(embeddings_cache),
    )
    server = TestServer(create_app(config), host="127.0.0.1")
    await server.start_server()
    try:
        backend = Backend(f"http://127.0.0.1:{server.port}", TOKEN)
        monkeypatch.setenv("COMMERCE_API_URL", backend.url)
        monkeypatch.setenv("COMMERCE_API_TOKEN", backend.token)
        await backend.get_json("/api/v1/recommendations")  # built before, as at start
        yield backend, excluded
    finally:
        await server.close()


async def suggested_categories(
    domain: dict[str, Any], backend: Backend, slots: dict[str, Any]
) -> list[str]:
    """The categories of what the assistant suggests in a conversation with these slots."""
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(domain, intent="recommend_products", text="recs?", slots=slots)
    events = await ActionRecommendProducts().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_suggestions_popular"]
    shown = next(e["value"] for e in events if e["name"] == "suggested_products")
    products = [await backend.get_json(f"/api/v1/products/{i['product_id']}") for i in shown]
    return [str(product["category"]) for product in products]


async def test_a_shopper_of_the_outdoor_merchant_gets_the_outdoor_merchant_s_rules(
    domain: dict[str, Any], two_merchant_backend: tuple[Backend, str]
) -> None:
    backend, outdoor_excludes = two_merchant_backend

    outdoor = await suggested_categories(domain, backend, {"tenant": "outdoor"})
    demo = await suggested_categories(domain, backend, {"tenant": "demo"})
    rest = await suggested_categories(domain, backend, {})  # REST: no tenant

    assert len(outdoor) == 3 and outdoor_excludes not in outdoor
    assert outdoor_excludes in demo
    assert rest == demo  # the backend's own policy (MERCHANT_POLICY) is the demo's
