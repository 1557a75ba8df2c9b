"""Bad input gets a 4xx JSON error, never a 5xx; an unseeded store fails at start."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import text

from commerce.app import SchemaMissing, create_app
from commerce.config import CommerceConfig
from commerce.db import Database
from commerce.models import Order

VERIFY = "/api/v1/orders/AC-100001/verify"


def _is_error(body: dict) -> bool:
    error = body.get("error", {})
    return isinstance(error.get("code"), str) and isinstance(error.get("message"), str)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{bad json", 400, "invalid_json"),
        (b"\xff\xfe\x00garbage", 400, "invalid_json"),
        (b'{"answer": "x"', 400, "invalid_json"),
        (b"", 422, "invalid_request"),
        (b"   ", 422, "invalid_request"),
        (b"[]", 422, "invalid_request"),
        (b'"94107"', 422, "invalid_request"),
        (b"null", 422, "invalid_request"),
    ],
)
async def test_when_verify_body_is_malformed_or_empty_then_a_4xx_json_error_comes_back(
    client: TestClient, auth: dict[str, str], body: bytes, status: int, code: str
) -> None:
    headers = {**auth, "Content-Type": "application/json"}

    response = await client.post(VERIFY, data=body, headers=headers)

    assert response.status == status
    assert (await response.json())["error"]["code"] == code


async def test_when_body_is_oversized_then_413_payload_too_large(
    client: TestClient, auth: dict[str, str]
) -> None:
    body = b'{"answer": "' + b"a" * 64 * 1024 + b'"}'

    response = await client.post(VERIFY, data=body, headers=auth)

    assert response.status == 413
    assert (await response.json())["error"]["code"] == "payload_too_large"


async def test_when_route_is_unknown_then_404_not_found_as_json(
    client: TestClient, auth: dict[str, str]
) -> None:
    for path in ("/api/v1/nothing-here", "/nothing-here", "/api/v2/orders/AC-100001"):
        response = await client.get(path, headers=auth)
        assert response.status == 404, path
        assert (await response.json())["error"]["code"] == "not_found"


async def test_when_method_is_wrong_then_405_as_json_with_allow(
    client: TestClient, auth: dict[str, str]
) -> None:
    response = await client.delete("/api/v1/orders/AC-100001", headers=auth)

    assert response.status == 405
    assert (await response.json())["error"]["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize(
    "reference",
    [
        "A" * 2000,
        "../../etc/passwd",
        "'; DROP TABLE orders; --",
        "ÄC-10000１",
        "\x00",
        "%",
        "AC-100001?x=1",
        "🙂",
    ],
)
async def test_when_reference_is_hostile_then_the_answer_is_still_a_4xx(
    client: TestClient, auth: dict[str, str], reference: str
) -> None:
    path = quote(reference, safe="")

    got = await client.get(f"/api/v1/orders/{path}", headers=auth)
    verified = await client.post(
        f"/api/v1/orders/{path}/verify", json={"answer": reference}, headers=auth
    )
    customer = await client.get(f"/api/v1/customers/{path}/orders?limit=5", headers=auth)

    for response in (got, verified, customer):
        assert 400 <= response.status < 500
        assert _is_error(await response.json())


async def test_when_store_was_never_seeded_then_the_service_refuses_to_start(
    tmp_path: Path,
) -> None:
    config = CommerceConfig(db_url=f"sqlite:///{tmp_path / 'empty.db'}", api_token="t")
    server = TestServer(create_app(config))

    with pytest.raises(SchemaMissing, match="python -m commerce.seed"):
        await server.start_server()
    await server.close()


async def test_when_store_was_seeded_by_an_older_version_then_the_service_refuses_to_start(
    store_url: str,
) -> None:
    old = Database(store_url, max_workers=1)
    with old.engine.begin() as connection:
        connection.execute(text("ALTER TABLE orders DROP COLUMN items_modified"))
    old.close()
    server = TestServer(create_app(CommerceConfig(db_url=store_url, api_token="t")))

    with pytest.raises(SchemaMissing, match="older version"):
        await server.start_server()
    await server.close()


async def test_when_the_backend_itself_breaks_then_a_500_reveals_nothing(
    client: TestClient,
    auth: dict[str, str],
    store: Database,
    order_of: Callable[[str], Order],
) -> None:
    order_id = order_of("delivered").id
    with store.engine.begin() as connection:  # a bug on our side: a table went missing
        connection.execute(text("DROP TABLE tracking_events"))

    response = await client.get(f"/api/v1/orders/{order_id}", headers=auth)
    body = await response.json()

    assert response.status == 500
    assert body == {
        "error": {"code": "internal_error", "message": "Something went wrong on our side."}
    }
