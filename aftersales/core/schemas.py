"""Building blocks shared by the django-ninja routers: safe input types and the page shape.

Input types carry the database limits (lengths, id range, date range, money digits) so bad
input is refused with a 4xx before it reaches a service, and never turns into a database
error or an overflow (a 500). Every request body is an ``InputSchema``: unknown fields and
a body that is not a JSON object are refused too. ``core/tests/test_api_inputs.py`` checks
that every operation of the API keeps to this.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field

from .pagination import Page
from .ranges import EARLIEST_DAY, LATEST_DAY, MAX_ID, MAX_MONEY, day_error, moment_aware, moment_in_range


class InputSchema(Schema):
    """A request body. A field the schema does not name is an error (a typo must not be
    silently dropped), and so is a body that is not a JSON object (``[]``, ``null``, ``1``)."""

    model_config = ConfigDict(extra="forbid")


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("Null characters are not allowed.")
    return value


def text(max_length: int | None = None, *, min_length: int | None = None):
    """A string type with no NUL characters (PostgreSQL refuses them) and an optional length cap."""
    return Annotated[str, Field(max_length=max_length, min_length=min_length), AfterValidator(_no_nul)]


def _email(value: str) -> str:
    value = value.strip()
    if value:
        try:
            validate_email(value)
        except DjangoValidationError:
            raise ValueError("Enter a valid e-mail address.") from None
    return value


Text = text()
Email = Annotated[str, Field(max_length=254), AfterValidator(_no_nul), AfterValidator(_email)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PageSize = Annotated[int, Field(ge=1, le=100)]
# Any whole number an IntegerField holds; the service checks the business range and says so.
Integer = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]
# Dates a person could mean; keeps day arithmetic (time zones, +1 day, + warranty months) clear of
# year 1 and 9999.
Day = Annotated[datetime.date, Field(ge=EARLIEST_DAY, le=LATEST_DAY)]


def _moment(value: datetime.datetime) -> datetime.datetime:
    value = moment_aware(value)
    if not moment_in_range(value):
        raise ValueError(day_error())
    return value


# A moment in the same range; a moment without a UTC offset is read in the site's time zone.
Moment = Annotated[datetime.datetime, AfterValidator(_moment)]
Latitude = Annotated[Decimal, Field(ge=-90, le=90, max_digits=9, decimal_places=6)]
Longitude = Annotated[Decimal, Field(ge=-180, le=180, max_digits=9, decimal_places=6)]
# Amounts of money: DecimalField(max_digits=12, decimal_places=2), never negative.
Money = Annotated[Decimal, Field(ge=0, le=MAX_MONEY, max_digits=12, decimal_places=2)]


class TimelineEventOut(Schema):
    """The fields every timeline row's output shares (requests, complaints, …)."""

    id: int
    at: datetime.datetime
    kind: str
    kind_label: str
    action: str
    action_label: str
    from_status: str
    to_status: str

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_action_label(obj) -> str:
        return obj.get_action_display() if obj.action else ""


class ErrorOut(Schema):
    """Every error: a stable code, a translated message, and messages per field."""

    code: str
    message: str
    fields: dict[str, list[str]] = {}


class PageInfo(Schema):
    next_cursor: str | None = None
    prev_cursor: str | None = None


def page_out(page: Page, **extra) -> dict:
    """The body of a keyset-paginated list: {"items", "next_cursor", "prev_cursor", ...}."""
    return {"items": page.items, "next_cursor": page.next_cursor, "prev_cursor": page.prev_cursor, **extra}


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
