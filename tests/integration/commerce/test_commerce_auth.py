"""Bearer-token authentication on /api/v1, and the open routes that need none."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

API_ROUTES = [
    ("GET", "/api/v1/orders/AC-100001"),
    ("POST", "/api/v1/orders/AC-100001/verify"),
    ("GET", "/api/v1/customers?email=a@example.com"),
    ("GET", "/api/v1/customers/C-10001"),
    ("GET", "/api/v1/customers/C-10001/orders"),
    ("GET", "/api/v1/products/P-1001"),
    ("GET", "/api/v1/customers/C-10001/payment-methods"),
    ("GET", "/api/v1/customers/C-10001/refunds"),
    ("GET", "/api/v1/customers/C-10001/claims"),
    ("GET", "/api/v1/recommendations/conversions"),
    *(
        ("POST", f"/api/v1/orders/AC-100001/{action}")
        for action in ("cancel", "address", "payment-method", "items", "returns", "claims")
    ),
    ("GET", "/api/v1/no-such-route"),
]


@pytest.mark.parametrize(("method", "path"), API_ROUTES)
async def test_when_token_is_missing_then_every_api_route_answers_401(
    client: TestClient, method: str, path: str
) -> None:
    response = await client.request(method, path, json={"answer": "x"})

    assert response.status == 401
    assert (await response.json())["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer wrong-token",
        "Bearer integration-test-token-and-more",
        "Bearer",
        "Basic aW50ZWdyYXRpb24tdGVzdC10b2tlbg==",
        "integration-test-token",
        "",
    ],
)
async def test_when_token_is_wrong_then_the_api_answers_401(
    client: TestClient, header: str
) -> None:
    response = await client.get("/api/v1/products/P-1001", headers={"Authorization": header})

    assert response.status == 401
    assert (await response.json())["error"]["code"] == "unauthorized"


async def test_when_token_is_right_then_the_scheme_is_case_insensitive(
    client: TestClient, auth: dict[str, str]
) -> None:
    token = auth["Authorization"].split(" ", 1)[1]

    response = await client.get(
        "/api/v1/products/P-1001", headers={"Authorization": f"bearer {token}"}
    )

    assert response.status == 200


async def test_when_health_is_asked_then_no_token_is_needed(client: TestClient) -> None:
    response = await client.get("/health")

    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_when_openapi_is_asked_then_no_token_is_needed(client: TestClient) -> None:
    response = await client.get("/openapi.json")

    assert response.status == 200
    assert (await response.json())["openapi"].startswith("3.0.")
