"""What callers send: request bodies as pydantic models, and the idempotency key.

A body is read in two steps, as before: `read_json_object` (400 `invalid_json` for text that
is not JSON, 422 `invalid_request` for JSON that is not an object), then `parse_body` into its
model, whose first broken rule becomes a 422 `invalid_request` naming the field
(`reason must be at most 200 characters.`). A model may name the domain error that problems
inside one of its fields raise instead (an address: `InvalidAddress`), so the error table of
`commerce.api` answers them like the same problem found deeper down. The models are also the request
schemas of the OpenAPI document, so a documented limit is the enforced one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar, TypeVar

from aiohttp import web
from pydantic import Field, StrictInt, StrictStr, ValidationError, root_validator, validator

from commerce import changes as domain
from commerce.errors import CommerceError, InvalidAddress
from commerce.models import CANCEL_REASONS, CLAIM_KINDS, CLAIM_REMEDIES, RETURN_RESOLUTIONS
from commerce.schemas import Body, choice, example

MAX_REASON_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 2000
MAX_LINES_PER_REQUEST = 50
IDEMPOTENCY_HEADER = "Idempotency-Key"
_IDEMPOTENCY_KEY = re.compile(r"^[\x20-\x7e]{1,100}$")
_ID = re.compile(r"^[A-Za-z0-9_#.\-]{1,64}$")

ModelT = TypeVar("ModelT", bound=Body)


class BadRequest(Exception):
    """Input the handler cannot use; carries the status and error code to answer with."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def invalid_request(message: str) -> BadRequest:
    """A 422 `invalid_request` naming what is wrong with the input."""
    return BadRequest(422, "invalid_request", message)


# --- Field types -----------------------------------------------------------------------


class Text(StrictStr):
    """A string with something in it; surrounding spaces are dropped before length checks."""

    strip_whitespace = True
    min_length = 1


class LineId(StrictInt):
    """A line of the order (`line_id` of its lines); `true` is not 1."""

    ge = 1
    le = 10**6


class Position(StrictInt):
    """Where the suggestion was in its list."""

    ge = 1
    le = 50


class Identifier(str):
    """An id as the store spells them: 1 to 64 letters, digits or `-_#.`."""

    @classmethod
    def __get_validators__(cls) -> Iterator[Callable[[Any], str]]:
        yield cls.looks_like_an_id

    @classmethod
    def __modify_schema__(cls, field_schema: dict[str, Any]) -> None:
        field_schema.update(type="string", pattern=_ID.pattern)

    @classmethod
    def looks_like_an_id(cls, value: Any) -> str:
        if not isinstance(value, str) or not _ID.match(value.strip()):
            raise ValueError("must be 1 to 64 letters, digits or -_#.")
        return value.strip()


def _unique(values: list[Any], what: str) -> list[Any]:
    if len(set(values)) != len(values):
        raise ValueError(what)
    return values


def _each_line_once(line_ids: list[int]) -> list[int]:
    return _unique(line_ids, "must not repeat a line")


LINE_IDS = Field(
    ...,
    min_items=1,
    max_items=MAX_LINES_PER_REQUEST,
    description="Lines of the order, each once.",
    example=[1],
)
PAYMENT_METHOD_ID = "One of the customer's payment methods."


# --- Bodies ----------------------------------------------------------------------------


class VerifyRequest(Body):
    answer: Text = example(
        "94107",
        "The customer's e-mail (case-insensitive, trimmed) or the order's shipping or billing "
        "postcode (spaces ignored, ZIP+4 compared on its first five digits).",
    )


class CancelRequest(Body):
    """Why the shopper cancels."""

    reason: str = choice(CANCEL_REASONS)


class _UsAddress(Body):
    """The fields every US address has; blank ones count as missing, inner spaces collapse."""

    line1: Text = Field(..., max_length=domain.ADDRESS_LIMITS["line1"])
    line2: Text | None = Field(None, max_length=domain.ADDRESS_LIMITS["line2"])
    city: Text = Field(..., max_length=domain.ADDRESS_LIMITS["city"])
    region: Text = example("CA", "Two-letter US state code.")
    postcode: Text = example("94107", "A US ZIP or ZIP+4.", regex=domain.US_ZIP.pattern)
    country: Text = example("US", "`US` (`USA` is accepted).")


class NewAddress(_UsAddress):
    """A US address with the recipient's name."""

    name: Text = Field(..., max_length=domain.ADDRESS_LIMITS["name"])

    @root_validator(pre=True)
    def _deliverable(cls, values: dict[str, Any]) -> dict[str, Any]:  # noqa: N805 - pydantic
        """The domain's address rule (`domain.validate_address`) decides, and normalises."""
        try:
            address = domain.validate_address(values)
        except InvalidAddress as error:
            raise ValueError(str(error)) from None
        return vars(address).copy()


class AddressChangeRequest(Body):
    """The new shipping address."""

    FIELD_ERRORS: ClassVar[dict[str, type[CommerceError]]] = {"address": InvalidAddress}

    address: NewAddress

    def to_input(self) -> domain.NewAddress:
        return domain.NewAddress(**self.address.dict())


class AccountAddress(_UsAddress):
    """A US address for the account; ``name`` may be left out (the account keeps its own)."""

    name: Text | None = Field(None, max_length=domain.ADDRESS_LIMITS["name"])

    @root_validator(pre=True)
    def _deliverable(cls, values: dict[str, Any]) -> dict[str, Any]:  # noqa: N805 - pydantic
        """The same rule as an order's address, with no recipient to check."""
        try:
            address = domain.validate_address({**values, "name": values.get("name") or "-"})
        except InvalidAddress as error:
            raise ValueError(str(error)) from None
        return {**vars(address), "name": values.get("name") or None}


class DefaultAddressRequest(Body):
    """The new default address of the account."""

    FIELD_ERRORS: ClassVar[dict[str, type[CommerceError]]] = {"address": InvalidAddress}

    address: AccountAddress

    def to_input(self) -> domain.NewAddress:
        return domain.NewAddress(**{**self.address.dict(), "name": self.address.name or ""})


class PaymentMethodChangeRequest(Body):
    """The method that pays the whole order from now on."""

    payment_method_id: Text = example("PM-482913", PAYMENT_METHOD_ID, max_length=64)


class ItemSwap(Body):
    line_id: LineId
    new_sku: Text = Field(..., max_length=64, description="Another variant of the line's product.")


class ItemChangeRequest(Body):
    """Every item change at once; the price difference is settled through
    `payment_method_id`."""

    changes: list[ItemSwap] = Field(..., min_items=1, max_items=MAX_LINES_PER_REQUEST)
    payment_method_id: Text = example("PM-482913", PAYMENT_METHOD_ID, max_length=64)

    @validator("changes")
    def _one_change_a_line(cls, swaps: list[ItemSwap]) -> list[ItemSwap]:  # noqa: N805
        _unique([swap.line_id for swap in swaps], "must not change a line twice")
        return swaps

    def swaps(self) -> tuple[domain.ItemSwap, ...]:
        return tuple(domain.ItemSwap(swap.line_id, swap.new_sku) for swap in self.changes)


class ReturnCreateRequest(Body):
    """Lines to send back and what the shopper wants instead."""

    line_ids: list[LineId] = LINE_IDS
    reason: Text = example("too small", max_length=MAX_REASON_LENGTH)
    resolution: str = choice(RETURN_RESOLUTIONS)
    payment_method_id: Text | None = Field(
        None,
        max_length=64,
        description="refund: the original method (the default) or a gift card of the customer; "
        "store_credit: a gift card (default: the customer's, or a new one); exchange: settles "
        "a price difference (required if there is one).",
    )
    exchanges: list[ItemSwap] | None = Field(
        None,
        max_items=MAX_LINES_PER_REQUEST,
        description="exchange only: a new SKU for every line in line_ids.",
    )

    _lines_once = validator("line_ids", allow_reuse=True)(_each_line_once)

    @root_validator(skip_on_failure=True)
    def _exchanges_match(cls, values: dict[str, Any]) -> dict[str, Any]:  # noqa: N805
        swaps: list[ItemSwap] = values.get("exchanges") or []
        if values["resolution"] != "exchange":
            if swaps:
                raise ValueError("exchanges are only for resolution exchange.")
            return values
        lines = [swap.line_id for swap in swaps]
        _unique(lines, "exchanges must not change a line twice.")
        if set(lines) != set(values["line_ids"]):
            raise ValueError("exchanges must name a new_sku for every line in line_ids.")
        return values

    def to_input(self) -> domain.ReturnInput:
        swaps = tuple(domain.ItemSwap(s.line_id, s.new_sku) for s in self.exchanges or ())
        return domain.ReturnInput(
            tuple(self.line_ids), self.reason, self.resolution, self.payment_method_id, swaps
        )


class ClaimCreateRequest(Body):
    """What went wrong with which lines, and the remedy the shopper accepted."""

    kind: str = choice(CLAIM_KINDS)
    line_ids: list[LineId] = LINE_IDS
    remedy: str = choice(CLAIM_REMEDIES)
    description: Text | None = Field(None, max_length=MAX_DESCRIPTION_LENGTH)

    _lines_once = validator("line_ids", allow_reuse=True)(_each_line_once)

    def to_input(self) -> domain.ClaimInput:
        return domain.ClaimInput(self.kind, tuple(self.line_ids), self.remedy, self.description)


class ClickRequest(Body):
    """A shopper picked a suggestion. Recorded once per list and product."""

    recommendation_id: Identifier = example("rec_3f0c5a4e2b514d7f9a39")
    product_id: Identifier = example("P-1042")
    customer_id: Identifier | None = Field(None, example="C-10023")
    position: Position | None = None


# --- Reading ---------------------------------------------------------------------------


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """The request body as a JSON object; an empty body counts as `{}`.

    Raises:
        BadRequest: 400 `invalid_json` for text that is not JSON, 422 `invalid_request` for
            JSON that is not an object. An oversized body raises aiohttp's 413 first.
    """
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BadRequest(400, "invalid_json", "The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise BadRequest(422, "invalid_request", "The request body must be a JSON object.")
    return data


def _where(location: tuple[int | str, ...]) -> str:
    """`('exchanges', 0, 'new_sku')` as `exchanges[0].new_sku`."""
    text = ""
    for part in location:
        if part == "__root__":
            continue
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


# pydantic's words for a broken rule, in the contract's (`limit_value` and the like fill in)
_MESSAGES = {
    "value_error.missing": "is required",
    "type_error.none.not_allowed": "must not be null",
    "type_error.str": "must be a string",
    "type_error.integer": "must be an integer",
    "type_error.list": "must be a list",
    "type_error.dict": "must be an object",
    "value_error.any_str.min_length": "must not be empty",
    "value_error.any_str.max_length": "must be at most {limit_value} characters",
    "value_error.number.not_ge": "must be at least {limit_value}",
    "value_error.number.not_le": "must be at most {limit_value}",
    "value_error.list.min_items": "must have at least {limit_value} item(s)",
    "value_error.list.max_items": "must have at most {limit_value} items",
    "value_error.str.regex": "must match {pattern}",
}


def _message(error: Mapping[str, Any]) -> str:
    template = _MESSAGES.get(error["type"])
    text = template.format(**error.get("ctx", {})) if template else str(error["msg"])
    return text.rstrip(".") + "."


def parse_body(model: type[ModelT], body: Mapping[str, Any]) -> ModelT:
    """`body` as `model`, or the first rule it breaks as a 422 naming the field.

    Raises:
        BadRequest: 422 `invalid_request`.
        CommerceError: the domain error a model names for problems inside one of its fields
            (`FIELD_ERRORS`: an address's `InvalidAddress`), answered through `ERROR_ANSWERS`.
    """
    # unknown keys are ignored anyway; leaving them out keeps one named like pydantic's own
    # `__init__` argument from clashing with it (a TypeError, answered as our bug)
    known = {key: value for key, value in body.items() if key in model.__fields__}
    try:
        return model.parse_obj(known)
    except ValidationError as error:
        first = error.errors()[0]
        location = tuple(first["loc"])
        message = _message(first)
        if location[-1] != "__root__":  # a field's rule reads after its name; a model's alone
            message = f"{_where(location)} {message}"
        field_errors: dict[str, type[CommerceError]] = getattr(model, "FIELD_ERRORS", {})
        if len(location) > 1 and str(location[0]) in field_errors:
            raise field_errors[str(location[0])](message) from None
        raise invalid_request(message) from None


def parse_return(body: Mapping[str, Any]) -> domain.ReturnInput:
    return parse_body(ReturnCreateRequest, body).to_input()


def parse_claim(body: Mapping[str, Any]) -> domain.ClaimInput:
    return parse_body(ClaimCreateRequest, body).to_input()


def idempotency_key(request: web.Request) -> str:
    """The `Idempotency-Key` header: 1 to 100 printable ASCII characters.

    Raises:
        BadRequest: 422 `idempotency_key_required` when missing or blank,
            422 `invalid_idempotency_key` when too long or not printable ASCII.
    """
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if not key:
        raise BadRequest(
            422,
            "idempotency_key_required",
            f"Changes need an {IDEMPOTENCY_HEADER} header (1 to 100 printable ASCII characters).",
        )
    if not _IDEMPOTENCY_KEY.match(key):
        raise BadRequest(
            422,
            "invalid_idempotency_key",
            f"{IDEMPOTENCY_HEADER} must be 1 to 100 printable ASCII characters.",
        )
    return key
