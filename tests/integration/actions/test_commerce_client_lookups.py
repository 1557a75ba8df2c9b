"""The client's lookups behind item, payment and identity-first flows, over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from actions.services.commerce import ClientSettings, CustomerNotFound, HttpCommerceClient
from tests.integration.actions.conftest import Backend, Store


@pytest_asyncio.fixture
async def client(backend: Backend) -> AsyncIterator[HttpCommerceClient]:
    client = HttpCommerceClient(ClientSettings(base_url=backend.url, token=backend.token))
    yield client


async def test_a_shopper_is_found_by_email_and_by_full_name_and_zip(
    client: HttpCommerceClient, backend: Backend, store: Store
) -> None:
    sample = store.sample("pending")
    profile = await backend.get_json(f"/api/v1/customers/{sample['customer_id']}")
    by_email = await client.find_customer(email=sample["email"])
    by_name = await client.find_customer(name=profile["name"].upper(), postcode=profile["postcode"])
    assert by_email.customer_id == by_name.customer_id == sample["customer_id"]


async def test_a_wrong_zip_finds_nobody(client: HttpCommerceClient, store: Store) -> None:
    sample = store.sample("pending")
    with pytest.raises(CustomerNotFound):
        await client.find_customer(name=sample["customer_name"], postcode="00000")


async def test_payment_methods_and_variants_come_back_typed(
    client: HttpCommerceClient, backend: Backend, store: Store
) -> None:
    sample = store.sample("pending")
    order = await client.get_order(sample["order_id"])
    methods = await client.payment_methods(order.customer_id)
    raw = await backend.get_json(f"/api/v1/customers/{order.customer_id}/payment-methods")
    assert [m.payment_method_id for m in methods] == [
        m["payment_method_id"] for m in raw["payment_methods"]
    ]
    assert set(order.paid_with) <= {m.payment_method_id for m in methods}
    product = await client.get_product(order.lines[0].product_id)
    assert order.lines[0].sku in {v.sku for v in product.variants}
    assert all(v.price > 0 and v.stock >= 0 for v in product.variants)
