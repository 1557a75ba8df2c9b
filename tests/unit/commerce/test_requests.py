"""Request bodies: the first broken rule becomes a 422 that names the field, as documented."""

from __future__ import annotations

from typing import Any

import pytest

from commerce.changes import NewAddress
from commerce.errors import InvalidAddress
from commerce.openapi import build_openapi
from commerce.requests import (
    AddressChangeRequest,
    BadRequest,
    ClickRequest,
    ItemChangeRequest,
    ReturnCreateRequest,
    VerifyRequest,
    parse_body,
)

RETURN = {"line_ids": [1], "reason": "too small", "resolution": "refund"}
ADDRESS = {
    "name": "Dana Reyes",
    "line1": "12 Elm St",
    "city": "Springfield",
    "region": "IL",
    "postcode": "62704",
    "country": "US",
}


def _refusal(model: type, body: dict[str, Any]) -> BadRequest:
    with pytest.raises(BadRequest) as caught:
        parse_body(model, body)
    return caught.value


@pytest.mark.parametrize(
    ("change", "names"),
    [
        ({"line_ids": None}, "line_ids must not be null"),
        ({"line_ids": []}, "line_ids must have at least 1 item"),
        ({"line_ids": [1, "2"]}, "line_ids[1] must be an integer"),
        ({"line_ids": [True]}, "line_ids[0] must be an integer"),
        ({"line_ids": [3, 3]}, "line_ids must not repeat a line"),
        ({"reason": "   "}, "reason must not be empty"),
        ({"reason": 7}, "reason must be a string"),
        ({"resolution": "keep"}, "resolution must be one of: refund, exchange, store_credit"),
        ({"resolution": "exchange"}, "exchanges must name a new_sku for every line"),
        ({"exchanges": [{"line_id": 1, "new_sku": "A"}]}, "only for resolution exchange"),
    ],
)
def test_when_a_return_breaks_a_rule_then_the_answer_names_the_field_and_the_rule(
    change: dict[str, Any], names: str
) -> None:
    refusal = _refusal(ReturnCreateRequest, {**RETURN, **change})

    assert (refusal.status, refusal.code) == (422, "invalid_request")
    assert names in refusal.message


def test_when_a_nested_field_is_wrong_then_its_path_is_named() -> None:
    body = {
        **RETURN,
        "line_ids": [1, 2],
        "resolution": "exchange",
        "exchanges": [{"line_id": 1, "new_sku": "A"}, {"line_id": 2, "new_sku": ""}],
    }

    assert _refusal(ReturnCreateRequest, body).message == "exchanges[1].new_sku must not be empty."


@pytest.mark.parametrize("key", ["note", "__pydantic_self__", "__fields_set__"])
def test_when_a_body_carries_unknown_keys_then_they_are_ignored(key: str) -> None:
    parsed = parse_body(ReturnCreateRequest, {**RETURN, key: "from the web form"})

    assert parsed.to_input().line_ids == (1,)


def test_when_a_nested_object_carries_a_key_pydantic_reserves_then_it_is_a_422() -> None:
    body = {"changes": [{"__pydantic_self__": 1}], "payment_method_id": "PM-1"}

    assert _refusal(ItemChangeRequest, body).code == "invalid_request"


def test_when_the_address_is_not_an_object_then_it_is_an_invalid_request() -> None:
    refusal = _refusal(AddressChangeRequest, {"address": "12 Elm St, Springfield"})

    assert (refusal.code, refusal.message) == ("invalid_request", "address must be an object.")


@pytest.mark.parametrize(
    ("address", "mentions"),
    [
        ({**ADDRESS, "postcode": "6270"}, "ZIP"),
        ({**ADDRESS, "region": "Illinois"}, "state"),
        ({key: value for key, value in ADDRESS.items() if key != "city"}, "address.city"),
    ],
)
def test_when_a_field_of_the_address_is_wrong_then_it_is_the_domain_address_error(
    address: dict[str, Any], mentions: str
) -> None:
    """The error table answers it (`422 invalid_address`), as for the domain's own check."""
    with pytest.raises(InvalidAddress, match=mentions):
        parse_body(AddressChangeRequest, {"address": address})


def test_when_an_address_is_deliverable_then_it_is_normalised_for_the_change() -> None:
    body = {"address": {**ADDRESS, "name": " Dana   Reyes ", "region": "il", "country": "usa"}}

    assert parse_body(AddressChangeRequest, body).to_input() == NewAddress(
        **{**ADDRESS, "line2": None}
    )


@pytest.mark.parametrize(
    "body",
    [
        {"changes": [{"line_id": 1, "new_sku": "A"}, {"line_id": 1, "new_sku": "B"}]},
        {"changes": [{"line_id": 1, "new_sku": "A"}]},
        {"changes": "A", "payment_method_id": "PM-1"},
    ],
)
def test_when_an_item_change_is_malformed_then_it_is_a_422(body: dict[str, Any]) -> None:
    assert _refusal(ItemChangeRequest, body).code == "invalid_request"


@pytest.mark.parametrize("answer", [None, "", "  ", 94107, ["a@b.c"]])
def test_when_the_verification_answer_is_not_a_non_empty_string_then_it_is_a_422(
    answer: Any,
) -> None:
    assert _refusal(VerifyRequest, {"answer": answer}).code == "invalid_request"


def test_when_a_click_names_ids_with_spaces_around_them_then_they_are_trimmed() -> None:
    click = parse_body(ClickRequest, {"recommendation_id": " rec_1 ", "product_id": "P-1"})

    assert (click.recommendation_id, click.customer_id, click.position) == ("rec_1", None, None)


def test_the_documented_limits_of_a_return_are_the_enforced_ones() -> None:
    """The request schema comes from the model that parses: its limits hold on both sides."""
    schema = build_openapi()["components"]["schemas"]["ReturnCreateRequest"]["properties"]
    longest = schema["reason"]["maxLength"]
    most = schema["line_ids"]["maxItems"]

    parse_body(ReturnCreateRequest, {**RETURN, "reason": "x" * longest})
    parse_body(ReturnCreateRequest, {**RETURN, "line_ids": list(range(1, most + 1))})
    assert _refusal(ReturnCreateRequest, {**RETURN, "reason": "x" * (longest + 1)})
    assert _refusal(ReturnCreateRequest, {**RETURN, "line_ids": list(range(1, most + 2))})
