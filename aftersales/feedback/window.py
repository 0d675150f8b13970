"""When a follow-up call is due, on the business calendar (R-FB-1, seed 001 §3.6.1).

The SLA app owns the calendar (working hours, public holidays, make-up working days 调休) and
the window (``sla.FollowUpWindow``: 24–72 h after completion by default). Here the window's
hours are counted on *working days*: a day off (a weekend, a public holiday) does not count,
a make-up working day does. So a repair completed on Tuesday 15:00 is due from Wednesday
15:00 to Friday 15:00, and one completed on the afternoon before the National Day holiday is
due after it. The call cannot start before the calendar's next working hour.

Nothing here re-implements calendar arithmetic: a calendar snapshot's days are turned into
whole working days and handed to ``sla.businesstime.add_business_time``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from aftersales.sla.businesstime import DAY_SECONDS, CalendarSnapshot, add_business_time
from aftersales.sla.selectors import calendar_default, calendar_snapshot, followup_window_for

_WHOLE_DAYS: dict[object, CalendarSnapshot] = {}
WHOLE_DAY = ((0, DAY_SECONDS),)


def working_days(calendar: CalendarSnapshot) -> CalendarSnapshot:
    """The same calendar with every working day worked around the clock and every day off not
    at all (cached per calendar revision)."""
    if calendar.is_24x7:
        return calendar
    key = ("working-days", calendar.key)
    cached = _WHOLE_DAYS.get(key) if calendar.key is not None else None
    if cached is not None:
        return cached
    snapshot = CalendarSnapshot(
        tz=calendar.tz,
        weekly={wd: WHOLE_DAY for wd in range(7) if calendar.weekly[wd]},
        overrides={day: (WHOLE_DAY if spans else ()) for day, spans in calendar.overrides.items()},
        key=key,
    )
    if calendar.key is not None:
        if len(_WHOLE_DAYS) > 32:
            _WHOLE_DAYS.clear()
        _WHOLE_DAYS[key] = snapshot
    return snapshot


def business_calendar() -> CalendarSnapshot:
    """The default business calendar (24×7 when there is none)."""
    return calendar_snapshot(calendar_default())


def after_working_days(start: dt.datetime, hours: float, *, calendar: CalendarSnapshot | None = None) -> dt.datetime:
    """``hours`` after ``start``, counting only working days (days off are skipped)."""
    calendar = calendar or business_calendar()
    return add_business_time(working_days(calendar), start, dt.timedelta(hours=hours))


def after_working_hours(start: dt.datetime, hours: float, *, calendar: CalendarSnapshot | None = None) -> dt.datetime:
    """``hours`` of working time after ``start`` (a retry at 17:00 + 4 h is 12:30 the next working day)."""
    calendar = calendar or business_calendar()
    return add_business_time(calendar, start, dt.timedelta(hours=hours))


@dataclass(frozen=True)
class Window:
    due_from: dt.datetime
    due_by: dt.datetime


def followup_window(
    completed_at: dt.datetime, service_type: str, *, calendar: CalendarSnapshot | None = None
) -> Window | None:
    """When the follow-up call of a request of ``service_type`` completed at ``completed_at``
    is due; None when no window applies (no follow-up call)."""
    hours = followup_window_for(service_type)
    if hours is None:
        return None
    earliest, latest = hours
    calendar = calendar or business_calendar()
    days = working_days(calendar)
    due_from = add_business_time(days, completed_at, earliest)
    due_by = add_business_time(days, completed_at, latest)
    # The first call is made in working hours: from the next opening on.
    due_from = add_business_time(calendar, due_from, dt.timedelta(0))
    return Window(due_from=due_from, due_by=max(due_by, due_from))
