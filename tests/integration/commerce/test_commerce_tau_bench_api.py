"""The API on τ-bench's retail store: its ids, its shoppers, and its policy's operations."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestClient

from tests.integration.commerce.conftest import AUTH, poster

DELIVERED = "#W2378156"  # yusuf_rossi_9620, five items, paid with credit_card_9513926
PROCESSED = "#W2611340"  # james_li_5688, paid with gift_card_1725971
PENDING_GIFT_CARD = "#W6779827"  # ethan_lopez_6291: 4079.45 from gift_card_7219486 (now 49)


async def _get(client: TestClient, path: str) -> tuple[int, Any]:
    response = await client.get(path, headers=AUTH)
    return response.status, await response.json()


@pytest.mark.parametrize("typed", ["#W2378156", "W2378156", "w2378156", " #w2378156 ", "2378156"])
async def test_when_a_tau_bench_reference_is_typed_loosely_then_the_order_is_found(
    tau_client: TestClient, typed: str
) -> None:
    status, order = await _get(tau_client, f"/api/v1/orders/{quote(typed)}")

    assert status == 200
    assert (order["order_id"], order["customer_id"], order["status"]) == (
        DELIVERED,
        "yusuf_rossi_9620",
        "delivered",
    )


async def test_when_a_tau_bench_order_is_verified_then_email_and_zip_both_work(
    tau_client: TestClient,
) -> None:
    _, customer = await _get(tau_client, "/api/v1/customers/yusuf_rossi_9620")

    for answer in (customer["email"].upper(), customer["postcode"]):
        response = await tau_client.post(
            f"/api/v1/orders/{quote(DELIVERED)}/verify", json={"answer": answer}, headers=AUTH
        )
        assert (await response.json())["order_id"] == DELIVERED


@pytest.mark.parametrize("name", ["Yusuf Rossi", "yusuf  rossi", " YUSUF ROSSI "])
async def test_when_a_shopper_gives_full_name_and_zip_then_the_customer_is_found(
    tau_client: TestClient, name: str
) -> None:
    _, expected = await _get(tau_client, "/api/v1/customers/yusuf_rossi_9620")

    status, customer = await _get(
        tau_client, f"/api/v1/customers?name={quote(name)}&postcode={expected['postcode']}"
    )

    assert status == 200
    assert customer == expected
    assert (customer["name"], customer["phone"]) == ("Yusuf Rossi", None)


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("name=Yusuf%20Rossi&postcode=00000", 404),
        ("name=Yusuf&postcode=19122", 404),
        ("name=Yusuf%20Rossi", 422),
        ("postcode=19122", 422),
        ("email=x%40example.com&name=Yusuf%20Rossi&postcode=19122", 422),
    ],
)
async def test_when_name_or_zip_is_wrong_or_missing_then_404_or_422(
    tau_client: TestClient, query: str, status: int
) -> None:
    got, body = await _get(tau_client, f"/api/v1/customers?{query}")

    assert got == status
    assert body["error"]["code"] == ("customer_not_found" if status == 404 else "invalid_request")


async def test_when_payment_methods_are_listed_then_tau_bench_ids_and_balances_are_kept(
    tau_client: TestClient,
) -> None:
    _, body = await _get(tau_client, "/api/v1/customers/ethan_lopez_6291/payment-methods")

    methods = {m["payment_method_id"]: m for m in body["payment_methods"]}
    assert methods["gift_card_7219486"]["balance"] == 49.0
    assert methods["credit_card_9789590"]["label"] == "Mastercard ending 1020"


async def test_when_a_pending_gift_card_order_is_cancelled_then_the_card_is_refunded_at_once(
    tau_client: TestClient,
) -> None:
    reply = await poster(tau_client)(PENDING_GIFT_CARD, "cancel", {"reason": "no_longer_needed"})
    _, body = await _get(tau_client, "/api/v1/customers/ethan_lopez_6291/payment-methods")

    assert reply.status == 200
    assert [(r["amount"], r["status"]) for r in reply.body["refunds"]] == [(4079.45, "processed")]
    card = next(m for m in body["payment_methods"] if m["type"] == "gift_card")
    assert card["balance"] == 4128.45  # 49.00 + 4079.45


async def test_when_a_processed_order_is_cancelled_or_modified_then_409_shipped(
    tau_client: TestClient,
) -> None:
    post = poster(tau_client)

    cancel = await post(PROCESSED, "cancel", {"reason": "ordered_by_mistake"})
    address = await post(
        PROCESSED,
        "address",
        {"address": {"name": "J L", "line1": "1 Main", "city": "Austin", "region": "TX",
                     "postcode": "78701", "country": "USA"}},
    )  # fmt: skip

    for reply in (cancel, address):
        assert (reply.status, reply.body["error"]["code"]) == (409, "invalid_order_state")
        assert "shipped" in reply.body["error"]["message"]


async def test_when_a_pending_item_changes_option_then_tau_bench_rules_apply_once(
    tau_client: TestClient,
) -> None:
    _, order = await _get(tau_client, f"/api/v1/orders/{quote(PENDING_GIFT_CARD)}")
    line = order["lines"][0]
    _, product = await _get(tau_client, f"/api/v1/products/{line['product_id']}")
    other = next(v for v in product["variants"] if v["sku"] != line["sku"] and v["stock"] > 0)
    body = {
        "changes": [{"line_id": 1, "new_sku": other["sku"]}],
        "payment_method_id": "credit_card_9789590",
    }
    post = poster(tau_client)

    first = await post(PENDING_GIFT_CARD, "items", body)
    second = await post(PENDING_GIFT_CARD, "items", body)

    assert first.status == 200 and first.body["items_modified"] is True
    assert first.body["lines"][0]["sku"] == other["sku"]
    difference = round(other["price"] - line["unit_price"], 2)
    assert round(first.body["total"] - order["total"], 2) == difference
    assert (second.status, second.body["error"]["code"]) == (409, "invalid_order_state")


async def test_when_a_delivered_item_is_returned_to_the_original_card_then_an_rma_follows(
    tau_client: TestClient,
) -> None:
    reply = await poster(tau_client)(
        DELIVERED,
        "returns",
        {
            "line_ids": [1, 2],
            "reason": "no longer needed",
            "resolution": "refund",
            "payment_method_id": "credit_card_9513926",
        },
    )
    _, order = await _get(tau_client, f"/api/v1/orders/{quote(DELIVERED)}")

    assert reply.status == 201
    assert reply.body["refund_to"]["payment_method_id"] == "credit_card_9513926"
    expected = round(sum(line["unit_price"] for line in order["lines"][:2]), 2)
    assert reply.body["refund_amount"] == expected
    assert "FedEx" in reply.body["instructions"]
    assert order["status"] == "return_requested"


async def test_when_a_tau_bench_gift_card_cannot_cover_the_order_then_payment_change_is_422(
    tau_client: TestClient,
) -> None:
    # #W2443586: 591.95 paid with paypal_7859314; aarav_nguyen_7344's gift card holds 22.00.
    post = poster(tau_client)

    short = await post("#W2443586", "payment-method", {"payment_method_id": "gift_card_2742113"})
    _, methods = await _get(tau_client, "/api/v1/customers/aarav_nguyen_7344/payment-methods")

    assert (short.status, short.body["error"]["code"]) == (422, "insufficient_gift_card_balance")
    card = next(m for m in methods["payment_methods"] if m["type"] == "gift_card")
    assert card["balance"] == 22.0


async def test_when_a_delivered_item_is_exchanged_then_the_gift_card_settles_the_difference(
    tau_client: TestClient,
) -> None:
    # #W4817420 (ava_moore_2033): paid with gift_card_8168843, which now holds 69.00.
    _, order = await _get(tau_client, f"/api/v1/orders/{quote('#W4817420')}")
    line = order["lines"][0]
    _, product = await _get(tau_client, f"/api/v1/products/{line['product_id']}")
    other = min(
        (v for v in product["variants"] if v["sku"] != line["sku"] and v["stock"] > 0),
        key=lambda v: abs(v["price"] - line["unit_price"]),
    )
    difference = round(other["price"] - line["unit_price"], 2)

    reply = await poster(tau_client)(
        "#W4817420",
        "returns",
        {
            "line_ids": [1],
            "reason": "wrong colour",
            "resolution": "exchange",
            "exchanges": [{"line_id": 1, "new_sku": other["sku"]}],
            "payment_method_id": "gift_card_8168843",
        },
    )
    _, methods = await _get(tau_client, "/api/v1/customers/ava_moore_2033/payment-methods")

    assert reply.status == 201, reply.body
    assert reply.body["order_status"] == "exchange_requested"
    card = next(m for m in methods["payment_methods"] if m["type"] == "gift_card")
    charged = max(difference, 0)
    assert card["balance"] == round(69.0 - charged, 2)
    assert reply.body["refund_amount"] == max(-difference, 0)
