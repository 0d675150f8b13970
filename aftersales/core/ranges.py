"""The ranges every input must stay in, shared by the API schemas and the page forms.

Values outside them are refused at the edge with a clear 4xx: a purchase date in year 1 or a
timestamp near year 9999 would otherwise be stored and later crash day arithmetic (time zones,
"+ warranty months", "+ 1 day"), and an id beyond 64 bits overflows the database's integer.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

EARLIEST_DAY = datetime.date(1900, 1, 1)
LATEST_DAY = datetime.date(2100, 12, 31)
# The same range for moments, in UTC: far from datetime.min/max whatever the time zone.
EARLIEST_MOMENT = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)
LATEST_MOMENT = datetime.datetime(2101, 1, 1, tzinfo=datetime.UTC)
MAX_ID = 2**63 - 1  # BigAutoField / bigint
MAX_MONEY = Decimal("9999999999.99")  # DecimalField(max_digits=12, decimal_places=2)


def day_error() -> str:
    return _("Enter a date between %(start)s and %(end)s.") % {
        "start": EARLIEST_DAY.isoformat(),
        "end": LATEST_DAY.isoformat(),
    }


def day_in_range(value: datetime.date) -> bool:
    if isinstance(value, datetime.datetime):
        value = value.date()
    return EARLIEST_DAY <= value <= LATEST_DAY


def moment_aware(value: datetime.datetime) -> datetime.datetime:
    """A naive moment is read in the site's time zone (as Django would when saving it)."""
    if timezone.is_naive(value):
        try:
            value = timezone.make_aware(value)
        except (OverflowError, ValueError):
            raise ValueError(day_error()) from None
    return value


def moment_in_range(value: datetime.datetime) -> bool:
    """``value`` is aware. Comparing aware moments never builds a new datetime, so never overflows."""
    try:
        return EARLIEST_MOMENT <= value < LATEST_MOMENT
    except (OverflowError, TypeError):
        return False


def parse_id(value) -> int | None:
    """An id from a query string or a form field: ASCII digits from 1 to 2**63 - 1, else None.

    ``str.isdigit`` is not enough: it is true for "²" and "١٢" (``int`` then raises), and for
    a number beyond 64 bits (a lookup by foreign key then overflows the database's integer)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit():
        number = int(value)
    else:
        return None
    return number if 1 <= number <= MAX_ID else None
