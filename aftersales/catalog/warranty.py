"""Warranty arithmetic (R-SR-5): months added on the calendar, status on a given day."""

from __future__ import annotations

import calendar
import datetime

from .choices import WarrantyStatus


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` plus ``months`` calendar months, clamped to the month's last day (Jan 31 + 1 = Feb 28/29)."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def warranty_status(warranty_end: datetime.date | None, on: datetime.date) -> str:
    if warranty_end is None:
        return WarrantyStatus.UNKNOWN
    return WarrantyStatus.IN_WARRANTY if on <= warranty_end else WarrantyStatus.EXPIRED
