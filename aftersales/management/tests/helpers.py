"""Hand-built measures for the tests: daily aggregates written as the kpis app keeps them, so a
test knows every figure ``kpi_value`` will answer."""

from __future__ import annotations

import datetime as dt

from aftersales.kpis.models import KpiDaily


def daily(kpi: str, day: dt.date, num: int, den: int, **dims) -> KpiDaily:
    """One day's figure of ``kpi`` for the given dimension values (others: none)."""
    row, _created = KpiDaily.objects.get_or_create(kpi=kpi, day=day, **dims, defaults={"num": 0, "den": 0})
    KpiDaily.objects.filter(pk=row.pk).update(num=row.num + num, den=row.den + den)
    return row


def hours(n: float) -> int:
    """Mean-time measures keep seconds in the numerator."""
    return int(n * 3600)
