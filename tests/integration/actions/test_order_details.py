"""What is in an order and what it cost, told from the real backend's figures."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.orders import ActionOrderStatus
from actions.services.commerce import BackendUnavailable, HttpCommerceClient
from actions.support import money
from tests.integration.actions.conftest import Backend, Store
from tests.integration.actions.samples import placeholders
from tests.integration.actions.trackers import make_tracker

pytestmark = pytest.mark.usefixtures("fresh_commerce_client")


# ---- what is in the order and what it cost -------------------------------------------------


def _details_tracker(domain: dict[str, Any], sample: dict[str, str], question: str) -> Any:
    return make_tracker(
        domain,
        slots={"order_id": sample["order_id"], "order_verified": True},
        text=question,
        intent="order_details",
    )


async def test_when_shopper_asks_what_they_paid_then_lines_total_and_card_come_from_the_store(
    live_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    sample = store.sample("delivered")
    raw = await live_backend.get_json(f"/api/v1/orders/{sample['order_id']}")
    dispatcher = CollectingDispatcher()

    await ActionOrderStatus().run(
        dispatcher, _details_tracker(domain, sample, "how much did I pay for my order?"), domain
    )

    details = dispatcher.messages[0]
    assert details["response"] == "utter_order_details"
    assert placeholders(domain, "utter_order_details") <= set(details)
    assert details["total"] == money(raw["total"], raw["currency"])
    assert details["items"].count("•") == len(raw["lines"])
    for line in raw["lines"]:
        assert line["product_name"] in details["items"]
        assert money(line["unit_price"], raw["currency"]) in details["items"]
    assert raw["payments"][0]["method"]["label"] in details["payment"]
    parcel = dispatcher.messages[-1]
    assert parcel["response"] == "utter_order_details_parcel"
    assert parcel["tracking_number"] == raw["shipment"]["tracking_number"]


async def test_when_shopper_names_one_item_then_its_price_is_told_alone_with_the_total(
    live_backend: Backend, store: Store, domain: dict[str, Any]
) -> None:
    for sample in (s for s in store.samples if s["status"] == "delivered"):
        raw = await live_backend.get_json(f"/api/v1/orders/{sample['order_id']}")
        names = [line["product_name"] for line in raw["lines"]]
        if len(set(names)) == len(names) > 1:
            break
    else:
        pytest.fail("the seed lacks a delivered sample order with several different products")
    asked = raw["lines"][-1]
    dispatcher = CollectingDispatcher()

    await ActionOrderStatus().run(
        dispatcher,
        _details_tracker(domain, sample, f"how much was the {asked['product_name'].lower()}?"),
        domain,
    )

    details = dispatcher.messages[0]
    assert details["items"].count("•") == 1
    assert asked["product_name"] in details["items"]
    assert details["total"] == money(raw["total"], raw["currency"])


async def test_when_the_payment_methods_cannot_be_read_the_figures_are_still_told(
    live_backend: Backend, store: Store, domain: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    sample = store.sample("in_transit")
    raw = await live_backend.get_json(f"/api/v1/orders/{sample['order_id']}")

    async def broken(*_: Any, **__: Any) -> Any:
        raise BackendUnavailable("payment methods down")

    monkeypatch.setattr(HttpCommerceClient, "payment_methods", broken)
    dispatcher = CollectingDispatcher()

    await ActionOrderStatus().run(
        dispatcher, _details_tracker(domain, sample, "what's in my order"), domain
    )

    details = dispatcher.messages[0]
    assert details["total"] == money(raw["total"], raw["currency"])
    assert details["payment"] == "the payment method on file"
