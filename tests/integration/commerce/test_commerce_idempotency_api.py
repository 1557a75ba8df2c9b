"""Idempotency keys: a retry replays the first answer and changes nothing twice."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from aiohttp.test_utils import TestClient

from commerce.db import Database
from commerce.models import Claim, IdempotencyRecord, Order, Refund, ReturnRequest
from tests.integration.commerce.conftest import AUTH, PostChange, count

RETURN = {"line_ids": [1], "reason": "too small", "resolution": "refund"}


async def test_when_a_cancel_is_repeated_with_its_key_then_the_first_answer_is_replayed(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database
) -> None:
    order = order_of("paid")

    first = await post_change(order.id, "cancel", {"reason": "other"}, key="cancel-1")
    again = await post_change(order.id, "cancel", {"reason": "other"}, key="cancel-1")

    assert (first.status, first.replayed) == (200, False)
    assert (again.status, again.replayed) == (200, True)
    assert again.body == first.body
    assert count(store, Refund, Refund.order_id == order.id) == 1
    assert count(store, IdempotencyRecord) == 1


async def test_when_a_return_is_repeated_with_its_key_then_there_is_one_rma(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database
) -> None:
    order = order_of("delivered")

    first = await post_change(order.id, "returns", RETURN, key="rma-1")
    again = await post_change(order.id, "returns", RETURN, key="rma-1")

    assert (first.status, again.status, again.replayed) == (201, 201, True)
    assert again.body == first.body
    assert count(store, ReturnRequest, ReturnRequest.order_id == order.id) == 1


async def test_when_a_claim_refund_is_repeated_with_its_key_then_there_is_one_refund(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database
) -> None:
    order = order_of("delivered")
    body = {"kind": "damaged", "line_ids": [1], "remedy": "refund"}

    first = await post_change(order.id, "claims", body, key="claim-1")
    again = await post_change(order.id, "claims", body, key="claim-1")

    assert again.replayed and again.body == first.body
    assert count(store, Claim, Claim.order_id == order.id) == 1
    assert count(store, Refund, Refund.claim_id == first.body["claim_id"]) >= 1
    refunds_before = count(store, Refund, Refund.order_id == order.id)
    await post_change(order.id, "claims", body, key="claim-1")
    assert count(store, Refund, Refund.order_id == order.id) == refunds_before


async def test_when_the_reference_is_typed_differently_then_the_key_still_replays(
    post_change: PostChange, order_of: Callable[[str], Order]
) -> None:
    order = order_of("pending")
    digits = order.id.removeprefix("AC-")

    first = await post_change(order.id, "cancel", {"reason": "other"}, key="typed")
    again = await post_change(f"#{digits}", "cancel", {"reason": "other"}, key="typed")

    assert again.replayed and again.body == first.body


async def test_when_the_same_body_is_sent_with_other_formatting_then_it_is_the_same_request(
    client: TestClient, order_of: Callable[[str], Order]
) -> None:
    order = order_of("pending")
    headers = {**AUTH, "Idempotency-Key": "fmt", "Content-Type": "application/json"}
    path = f"/api/v1/orders/{order.id}/cancel"

    first = await client.post(path, data=b'{"reason":"other"}', headers=headers)
    again = await client.post(path, data=b'{ "reason" : "other" }\n', headers=headers)

    assert again.headers["Idempotent-Replayed"] == "true"
    assert await again.text() == await first.text()


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("cancel", {"reason": "ordered_by_mistake"}),
        ("address", {"address": {"name": "A", "line1": "1 Main", "city": "Austin",
                                 "region": "TX", "postcode": "78701", "country": "US"}}),
    ],
)  # fmt: skip
async def test_when_a_key_is_reused_for_another_request_then_409_and_nothing_changes(
    post_change: PostChange,
    order_of: Callable[[str], Order],
    store: Database,
    action: str,
    body: dict,
) -> None:
    order = order_of("pending")
    await post_change(order.id, "cancel", {"reason": "other"}, key="shared")
    other = order_of("paid")

    same_route = await post_change(order.id, action, body, key="shared")
    other_order = await post_change(other.id, "cancel", {"reason": "other"}, key="shared")

    for reply in (same_route, other_order):
        assert (reply.status, reply.body["error"]["code"]) == (409, "idempotency_key_reused")
    assert store.run_sync(lambda s: s.get(Order, other.id)).status == "paid"
    assert store.run_sync(lambda s: s.get(Order, order.id)).cancel_reason == "other"


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "idempotency_key_required"),
        ({"Idempotency-Key": "   "}, "idempotency_key_required"),
        ({"Idempotency-Key": "k" * 101}, "invalid_idempotency_key"),
        ({"Idempotency-Key": "naïve-key"}, "invalid_idempotency_key"),
    ],
)
async def test_when_the_key_is_missing_or_malformed_then_422_and_nothing_changes(
    client: TestClient,
    order_of: Callable[[str], Order],
    store: Database,
    headers: dict[str, str],
    code: str,
) -> None:
    order = order_of("pending")

    response = await client.post(
        f"/api/v1/orders/{order.id}/cancel",
        json={"reason": "other"},
        headers={**AUTH, **{k: v.encode().decode("latin-1") for k, v in headers.items()}},
    )

    assert response.status == 422
    assert (await response.json())["error"]["code"] == code
    assert store.run_sync(lambda s: s.get(Order, order.id)).status == "pending"


async def test_when_a_change_is_refused_then_the_key_is_not_spent(
    post_change: PostChange, order_of: Callable[[str], Order], store: Database
) -> None:
    order = order_of("delivered")

    refused = await post_change(order.id, "cancel", {"reason": "other"}, key="refused")

    assert refused.status == 409
    assert count(store, IdempotencyRecord) == 0


async def test_when_duplicates_race_then_exactly_one_changes_and_all_get_its_answer(
    client: TestClient, order_of: Callable[[str], Order], store: Database
) -> None:
    order = order_of("delivered")
    headers = {**AUTH, "Idempotency-Key": "race"}

    async def send() -> tuple[int, str, str | None]:
        response = await client.post(
            f"/api/v1/orders/{order.id}/returns", json=RETURN, headers=headers
        )
        return response.status, await response.text(), response.headers.get("Idempotent-Replayed")

    answers = await asyncio.gather(*(send() for _ in range(8)))

    assert {status for status, _, _ in answers} == {201}
    assert len({text for _, text, _ in answers}) == 1
    assert sorted(str(replayed) for _, _, replayed in answers) == ["None"] + ["true"] * 7
    assert count(store, ReturnRequest, ReturnRequest.order_id == order.id) == 1


async def test_when_different_keys_race_on_one_order_then_only_one_cancel_wins(
    client: TestClient, order_of: Callable[[str], Order], store: Database
) -> None:
    order = order_of("paid")

    async def send(key: str) -> int:
        response = await client.post(
            f"/api/v1/orders/{order.id}/cancel",
            json={"reason": "other"},
            headers={**AUTH, "Idempotency-Key": key},
        )
        return response.status

    statuses = await asyncio.gather(*(send(f"k{i}") for i in range(5)))

    assert sorted(statuses) == [200, 409, 409, 409, 409]
    assert count(store, Refund, Refund.order_id == order.id) == 1
