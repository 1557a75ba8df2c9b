"""JSON shapes: money with two decimals, UTC times with a Z, strict query parsing."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from aiohttp.test_utils import make_mocked_request

from commerce import errors
from commerce.api import ERROR_ANSWERS, domain_error_response
from commerce.changes import ClaimInput, ItemSwap, ReturnInput
from commerce.errors import CustomerNotFound
from commerce.query_params import ClaimListQuery, OrderListQuery, parse_query
from commerce.requests import BadRequest, idempotency_key, parse_claim, parse_return
from commerce.serialize import dumps, iso_date, iso_time, money


@pytest.mark.parametrize(
    ("cents", "text"),
    [(11800, "118.00"), (12345, "123.45"), (5, "0.05"), (0, "0.00"), (545, "5.45")],
)
def test_when_money_is_encoded_then_it_keeps_two_decimals(cents: int, text: str) -> None:
    assert dumps({"total": money(cents)}) == f'{{"total": {text}}}'
    assert json.loads(dumps(money(cents))) == cents / 100


def test_when_a_document_is_encoded_then_it_is_valid_json_with_the_same_content() -> None:
    value = {
        "a": [1, 2.5, True, False, None, 'ü "quoted"'],
        "b": {"nested": Decimal("3.10")},
        "c": (),
    }

    assert json.loads(dumps(value)) == {
        "a": [1, 2.5, True, False, None, 'ü "quoted"'],
        "b": {"nested": 3.1},
        "c": [],
    }


def test_when_an_unknown_type_is_encoded_then_it_is_refused() -> None:
    with pytest.raises(TypeError):
        dumps({"when": dt.date(2026, 1, 1)})


def test_when_times_are_encoded_then_they_are_utc_with_a_z() -> None:
    naive = dt.datetime(2026, 11, 20, 14, 3, 7, 123)
    aware = dt.datetime(2026, 11, 20, 9, 3, tzinfo=dt.timezone(dt.timedelta(hours=-5)))

    assert iso_time(naive) == "2026-11-20T14:03:07Z"
    assert iso_time(aware) == "2026-11-20T14:03:00Z"
    assert iso_time(None) is None
    assert iso_date(dt.date(2026, 11, 24)) == "2026-11-24"
    assert iso_date(None) is None


def _query(raw: str | None, name: str) -> dict[str, str]:
    return {} if raw is None else {name: raw}


@pytest.mark.parametrize(("raw", "limit"), [(None, 5), ("1", 1), ("50", 50), (" 7 ", 7)])
def test_when_limit_is_a_whole_number_then_it_is_parsed(raw: str | None, limit: int) -> None:
    assert parse_query(OrderListQuery, _query(raw, "limit")).limit == limit


@pytest.mark.parametrize("raw", ["", "abc", "5.0", "-1", "+5", "1e3", "0x10", "0", "51", "9999999"])
def test_when_limit_is_not_a_whole_number_in_range_then_it_is_a_422(raw: str) -> None:
    with pytest.raises(BadRequest) as caught:
        parse_query(OrderListQuery, {"limit": raw})

    assert (caught.value.status, caught.value.code) == (422, "invalid_request")
    assert caught.value.message == "limit must be an integer between 1 and 50."


@pytest.mark.parametrize(("raw", "days"), [(None, 90), ("1", 1), ("3650", 3650)])
def test_when_days_is_a_whole_number_then_it_is_parsed(raw: str | None, days: int) -> None:
    assert parse_query(ClaimListQuery, _query(raw, "days")).days == days


@pytest.mark.parametrize(
    ("headers", "outcome"),
    [
        ({"Idempotency-Key": "abc-123"}, "abc-123"),
        ({"Idempotency-Key": "  spaced key  "}, "spaced key"),
        ({"Idempotency-Key": "k" * 100}, "k" * 100),
        ({}, "idempotency_key_required"),
        ({"Idempotency-Key": ""}, "idempotency_key_required"),
        ({"Idempotency-Key": "k" * 101}, "invalid_idempotency_key"),
        ({"Idempotency-Key": "tab\there"}, "invalid_idempotency_key"),
    ],
)
def test_when_the_idempotency_key_is_read_then_only_printable_ascii_up_to_100_passes(
    headers: dict[str, str], outcome: str
) -> None:
    request = make_mocked_request("POST", "/api/v1/orders/AC-1/cancel", headers=headers)

    if outcome.startswith(("idempotency", "invalid")):
        with pytest.raises(BadRequest) as caught:
            idempotency_key(request)
        assert (caught.value.status, caught.value.code) == (422, outcome)
    else:
        assert idempotency_key(request) == outcome


def test_when_a_return_body_is_parsed_then_it_becomes_typed_input() -> None:
    body = {
        "line_ids": [2, 1],
        "reason": " too small ",
        "resolution": "exchange",
        "exchanges": [{"line_id": 1, "new_sku": "A"}, {"line_id": 2, "new_sku": " B "}],
        "payment_method_id": "gift_card_1",
    }

    assert parse_return(body) == ReturnInput(
        line_ids=(2, 1),
        reason="too small",
        resolution="exchange",
        payment_method_id="gift_card_1",
        exchanges=(ItemSwap(1, "A"), ItemSwap(2, "B")),
    )


def test_when_a_claim_body_is_parsed_then_it_becomes_typed_input() -> None:
    body = {"kind": "missing", "line_ids": [3], "remedy": "reship"}

    assert parse_claim(body) == ClaimInput("missing", (3,), "reship", None)


@pytest.mark.parametrize(
    "body",
    [
        {"line_ids": [1], "reason": "x", "resolution": "exchange",
         "exchanges": [{"line_id": 2, "new_sku": "A"}]},
        {"line_ids": [1] * 2, "reason": "x", "resolution": "refund"},
        {"line_ids": list(range(1, 52)), "reason": "x", "resolution": "refund"},
        {"line_ids": [1], "reason": "x" * 201, "resolution": "refund"},
        {"line_ids": [0], "reason": "x", "resolution": "refund"},
    ],
)  # fmt: skip
def test_when_a_return_body_breaks_the_shape_then_it_is_a_422(body: dict) -> None:
    with pytest.raises(BadRequest) as caught:
        parse_return(body)

    assert (caught.value.status, caught.value.code) == (422, "invalid_request")


def test_every_domain_error_has_an_answer_in_the_table() -> None:
    """A new domain error without a status would reach shoppers' clients as a 500."""
    kinds = {
        kind
        for kind in vars(errors).values()
        if isinstance(kind, type) and issubclass(kind, errors.CommerceError)
    } - {errors.CommerceError}
    assert kinds <= set(ERROR_ANSWERS)


def test_a_lookup_error_never_echoes_the_value_looked_up() -> None:
    response = domain_error_response(CustomerNotFound("jane.doe@example.com"))
    assert response.status == 404
    assert response.text is not None and "jane.doe" not in response.text
    assert json.loads(response.text)["error"]["code"] == "customer_not_found"
