"""Query parameters as pydantic models: what each route accepts after the `?`.

Like the request bodies of `commerce.requests`, each model is both the parser (its first
broken rule is a 422 `invalid_request` naming the parameter) and the documentation (the
route table lists the model, and `commerce.openapi` turns its fields into parameters).
Every value arrives as text, so the field types below read numbers and ids from strings.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar, TypeVar

from pydantic import Field, root_validator

from commerce.config import MERCHANT_KEY
from commerce.recommendations import (
    DEFAULT_PAGE,
    DEFAULT_WINDOW_DAYS,
    MAX_PAGE,
    MAX_WINDOW_DAYS,
    Cursor,
)
from commerce.requests import Identifier, parse_body
from commerce.schemas import Body

DEFAULT_ORDER_LIST_LIMIT = 5
DEFAULT_CLAIM_DAYS = 90
MAX_MENTION = 60
MAX_SEARCH_TEXT = 200
DEFAULT_SEARCH_LIMIT = 5
_WHOLE = re.compile(r"^[0-9]{1,6}$")
_MENTION = re.compile(r"^[\w \-']+$")

QueryT = TypeVar("QueryT", bound="Query")


class Query(Body):
    """A route's query parameters; ones it does not know are ignored."""


class WholeNumber(int):
    """A count typed as digits (`" 7 "` is 7; `5.0`, `-1` or `1e3` are not), within a range."""

    lowest: ClassVar[int] = 1
    highest: ClassVar[int] = 10**6

    @classmethod
    def __get_validators__(cls) -> Iterator[Callable[[Any], int]]:
        yield cls.read

    @classmethod
    def __modify_schema__(cls, field_schema: dict[str, Any]) -> None:
        field_schema.update(type="integer", minimum=cls.lowest, maximum=cls.highest)

    @classmethod
    def read(cls, value: Any) -> int:
        text = value.strip() if isinstance(value, str) else str(value)
        if not _WHOLE.match(text) or not cls.lowest <= int(text) <= cls.highest:
            raise ValueError(f"must be an integer between {cls.lowest} and {cls.highest}")
        return int(text)


class OrderLimit(WholeNumber):
    highest = 50


class ClaimDays(WholeNumber):
    highest = 3650


class RecommendationLimit(WholeNumber):
    highest = 10


class Mention(str):
    """What the shopper called a product: up to 60 characters of plain text; blank is none."""

    @classmethod
    def __get_validators__(cls) -> Iterator[Callable[[Any], str | None]]:
        yield cls.read

    @classmethod
    def __modify_schema__(cls, field_schema: dict[str, Any]) -> None:
        field_schema.update(type="string", maxLength=MAX_MENTION)

    @classmethod
    def read(cls, value: Any) -> str | None:
        if not isinstance(value, str) or not value.strip():
            return None
        if len(value) > MAX_MENTION or not _MENTION.match(value):
            raise ValueError(f"must be up to {MAX_MENTION} letters, digits, spaces or -'")
        return value.strip()


class SearchText(str):
    """What the shopper wrote about a product: 1 to 200 characters, blank is missing."""

    @classmethod
    def __get_validators__(cls) -> Iterator[Callable[[Any], str]]:
        yield cls.read

    @classmethod
    def __modify_schema__(cls, field_schema: dict[str, Any]) -> None:
        field_schema.update(type="string", minLength=1, maxLength=MAX_SEARCH_TEXT)

    @classmethod
    def read(cls, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ValueError("must not be blank")
        if len(value) > MAX_SEARCH_TEXT:
            raise ValueError(f"must be at most {MAX_SEARCH_TEXT} characters")
        return value.strip()


class SearchLimit(WholeNumber):
    highest = 20


class MerchantKey(str):
    """A merchant's key (a tenant of `channels/tenants.yml`)."""

    @classmethod
    def __get_validators__(cls) -> Iterator[Callable[[Any], str]]:
        yield cls.read

    @classmethod
    def __modify_schema__(cls, field_schema: dict[str, Any]) -> None:
        field_schema.update(type="string", pattern=MERCHANT_KEY.pattern)

    @classmethod
    def read(cls, value: Any) -> str:
        if not isinstance(value, str) or not MERCHANT_KEY.match(value.strip()):
            raise ValueError("must be 1 to 63 lower-case letters, digits or dashes")
        return value.strip()


class UtcTime(dt.datetime):
    """A moment as ISO 8601 (`2026-11-20T14:03:00Z`, an offset, or none: UTC) or a UTC day
    (`2026-11-20`: its midnight); read as naive UTC, the store's time."""

    @classmethod
    def __get_validators__(cls) -> Iterator[Callable[[Any], dt.datetime]]:
        yield cls.read

    @classmethod
    def __modify_schema__(cls, field_schema: dict[str, Any]) -> None:
        field_schema.pop("format", None)  # a date alone is accepted too
        field_schema.update(type="string", maxLength=40)

    @classmethod
    def read(cls, value: Any) -> dt.datetime:
        text = value.strip() if isinstance(value, str) else ""
        try:
            if len(text) == 10:
                return dt.datetime.combine(dt.date.fromisoformat(text), dt.time())
            if len(text) > 40 or "T" not in text:
                raise ValueError(text)
            moment = dt.datetime.fromisoformat(text.removesuffix("Z").removesuffix("z"))
        except ValueError:
            raise ValueError("must be an ISO 8601 time or a YYYY-MM-DD date") from None
        if text[-1] in "Zz" and moment.tzinfo is not None:
            raise ValueError("must be an ISO 8601 time or a YYYY-MM-DD date")
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return moment


class WindowDays(WholeNumber):
    highest = MAX_WINDOW_DAYS


class PageLimit(WholeNumber):
    highest = MAX_PAGE


class PageCursor(str):
    """The `next` of the page before, as it was answered."""

    @classmethod
    def __get_validators__(cls) -> Iterator[Callable[[Any], str]]:
        yield cls.read

    @classmethod
    def __modify_schema__(cls, field_schema: dict[str, Any]) -> None:
        field_schema.update(type="string", maxLength=100)

    @classmethod
    def read(cls, value: Any) -> str:
        if not isinstance(value, str) or len(value) > 100:
            raise ValueError("is not the next of an earlier page")
        Cursor.decode(value)
        return value


class CustomerLookup(Query):
    """`email` alone, `phone` alone, `name` with `postcode`, or `email` with `postcode`."""

    email: str | None = Field(None, format="email", example="jane.doe@example.com")
    phone: str | None = Field(None, example="+14155550101")
    name: str | None = Field(None, example="Noah Brown")
    postcode: str | None = Field(None, example="80279")


class OrderListQuery(Query):
    limit: OrderLimit = Field(DEFAULT_ORDER_LIST_LIMIT)


class ClaimListQuery(Query):
    days: ClaimDays = Field(DEFAULT_CLAIM_DAYS)


class ProductSearchQuery(Query):
    q: SearchText = Field(
        ...,
        description="The shopper's words: a product name, or a whole question naming one.",
        example="how many t-shirt options do you have?",
    )
    limit: SearchLimit = Field(DEFAULT_SEARCH_LIMIT)


class RecommendationQuery(Query):
    customer_id: Identifier | None = Field(
        None, description="The shopper (omit for popular items).", example="C-10023"
    )
    product_id: Identifier | None = Field(
        None, description="What the suggestions should go with.", example="P-1042"
    )
    about: Mention | None = Field(
        None,
        description="What the shopper called it: the newest product they bought whose name or "
        "category has these words, else the best-selling such product. Ignored with "
        "product_id, or when nothing matches.",
        example="tent",
    )
    limit: RecommendationLimit | None = Field(
        None, description="Default: the policy's max_results.", example=3
    )
    merchant: MerchantKey | None = Field(
        None,
        description="The merchant (tenant key) the shopper is talking to: its policy file's "
        "rules apply. Omitted: the backend's own policy (MERCHANT_POLICY). A backend that "
        "serves one merchant (no MERCHANT_POLICIES) applies its own policy to every request.",
        example="outdoor",
    )


class ClickListQuery(Query):
    customer_id: Identifier = Field(..., description="The shopper.", example="C-10023")


class ConversionQuery(Query):
    since: UtcTime | None = Field(
        None,
        description="Clicks at or after this time (ISO 8601, UTC unless it has an offset; a "
        "YYYY-MM-DD date is its midnight UTC). Omitted: from the first click.",
        example="2026-11-01T00:00:00Z",
    )
    until: UtcTime | None = Field(
        None,
        description="Clicks before this time (same forms as since). Omitted: up to now.",
        example="2026-12-01",
    )
    window_days: WindowDays = Field(
        DEFAULT_WINDOW_DAYS,
        description="Attribution window: an order counts when it was placed after the click "
        f"and at most this many days after it (1 to {MAX_WINDOW_DAYS}).",
    )
    limit: PageLimit = Field(
        DEFAULT_PAGE,
        description="Clicks read for this page, so at most this many conversions; follow "
        "`next` for the rest.",
    )
    after: PageCursor | None = Field(
        None, description="The `next` of the page before (omit for the first page)."
    )

    @root_validator(skip_on_failure=True)
    def _a_range(cls, values: dict[str, Any]) -> dict[str, Any]:  # noqa: N805 - pydantic
        since, until = values.get("since"), values.get("until")
        if since is not None and until is not None and until <= since:
            raise ValueError("until must be after since")
        return values


def parse_query(model: type[QueryT], query: Mapping[str, str]) -> QueryT:
    """The query string as `model` (the first value of a repeated parameter counts).

    Raises:
        BadRequest: 422 `invalid_request` naming the parameter and its rule.
    """
    return parse_body(model, {key: query[key] for key in query})
