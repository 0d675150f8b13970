"""China's statutory calendar (法定节假日 and 调休 make-up working days) from the
``chinese_calendar`` package, as plain rows for seeding a business calendar."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

import chinese_calendar

HOLIDAY = "holiday"
WORKDAY = "workday"


@dataclass(frozen=True)
class StatutoryDay:
    date: datetime.date
    kind: str  # HOLIDAY or WORKDAY
    name: str


def known_years() -> list[int]:
    """Every year the installed package has statutory data for."""
    return sorted({d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays})


def _chinese_name(value: str) -> str:
    try:
        return chinese_calendar.Holiday(value).chinese
    except ValueError:
        return value


def statutory_days(years: Iterable[int] | None = None) -> list[StatutoryDay]:
    """Holidays (every day off, weekends inside a holiday included) and make-up working days."""
    wanted = set(years) if years is not None else set(known_years())
    rows = [
        StatutoryDay(d, HOLIDAY, _chinese_name(v)) for d, v in chinese_calendar.holidays.items() if d.year in wanted
    ]
    rows += [
        StatutoryDay(d, WORKDAY, f"{_chinese_name(v)}调休上班")
        for d, v in chinese_calendar.workdays.items()
        if d.year in wanted
    ]
    return sorted(rows, key=lambda r: r.date)
