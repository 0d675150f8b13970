"""Months as the management pages use them: the first day stands for the month."""

from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import gettext as _

from aftersales.core.errors import ValidationFailed
from aftersales.core.ranges import EARLIEST_DAY, LATEST_DAY

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def month_first(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_last(first: dt.date) -> dt.date:
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def month_bounds(first: dt.date) -> tuple[dt.date, dt.date]:
    first = month_first(first)
    return first, month_last(first)


def month_add(first: dt.date, months: int) -> dt.date:
    index = first.year * 12 + first.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_parse(text: str, *, field: str = "month") -> dt.date:
    """ "2026-11" → 2026-11-01; anything else is refused with a message on ``field``."""
    m = MONTH_RE.match((text or "").strip())
    if m:
        year, month = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12:
            day = dt.date(year, month, 1)
            if EARLIEST_DAY <= day <= LATEST_DAY:
                return day
    raise ValidationFailed(fields={field: [_("Enter a month as YYYY-MM.")]})


def month_label(first: dt.date) -> str:
    return f"{first:%Y-%m}"
