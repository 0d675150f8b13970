"""Building blocks shared by the django-ninja routers: safe input types and the page shape.

Input types carry the database limits (lengths, id range) so bad input is refused with a
4xx before it reaches a service, and never turns into a database error (a 500).
"""

from __future__ import annotations

import datetime
from typing import Annotated

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from ninja import Schema
from pydantic import AfterValidator, Field

from .pagination import Page

MAX_ID = 2**63 - 1  # BigAutoField


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
# Dates a person could mean; keeps day arithmetic (time zones, +1 day) clear of year 1 and 9999.
Day = Annotated[datetime.date, Field(ge=datetime.date(1900, 1, 1), le=datetime.date(2999, 12, 31))]


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
