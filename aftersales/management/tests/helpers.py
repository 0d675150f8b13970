"""Hand-built measures for the tests: daily deltas added the way the kpis app adds them (to every
table its selectors read: ``KpiDaily``, ``KpiDailyCube``, ``KpiDailyDim``), so a test knows every
figure ``kpi_value`` will answer."""

from __future__ import annotations

import datetime as dt

from aftersales.kpis.models import DIMENSION_FIELDS
from aftersales.kpis.services import _daily_add

NONE = {"channel": "", "service_type": ""}


def daily(kpi: str, day: dt.date, num: int, den: int, **dims) -> None:
    """Add one day's figure of ``kpi`` for the given dimension values (others: none)."""
    key = (day, kpi, *(dims.get(f, NONE.get(f, 0)) for f in DIMENSION_FIELDS))
    _daily_add({key: [num, den]})


def hours(n: float) -> int:
    """Mean-time measures keep seconds in the numerator."""
    return int(n * 3600)
