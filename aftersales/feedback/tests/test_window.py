"""When the follow-up call is due: 24–72 h after completion counted on working days of the
business calendar (weekends and public holidays skipped, make-up working days 调休 counted), the
first call in working hours. Each case sits next to its neighbour on the other side of a boundary.

The pure cases use the SLA tests' in-memory calendar (Mon–Fri 09:00–12:00, 13:30–18:00 with
China's statutory days); the last ones read the calendar the migrations seed, through the
completion of a real request."""

from __future__ import annotations

import datetime as dt

import pytest

from aftersales.accounts.choices import Role
from aftersales.feedback.window import after_working_days, after_working_hours, followup_window, working_days
from aftersales.sla.tests.calendars import standard

from .factories import at, completed_request

CAL = standard()


def window(completed):
    w = followup_window(completed, "repair", calendar=CAL)
    return w.due_from, w.due_by


def test_working_days_keep_days_and_drop_hours():
    days = working_days(CAL)
    assert days.local_spans(dt.date(2026, 3, 3)) == ((0, 86400),)  # a Tuesday
    assert days.local_spans(dt.date(2026, 3, 7)) == ()  # a Saturday
    assert days.local_spans(dt.date(2025, 10, 1)) == ()  # National Day
    assert days.local_spans(dt.date(2025, 10, 11)) == ((0, 86400),)  # Saturday, make-up working day


@pytest.mark.django_db
def test_an_ordinary_week():
    # Tuesday 15:00 → Wednesday 15:00 to Friday 15:00.
    assert window(at(2026, 3, 3, 15)) == (at(2026, 3, 4, 15), at(2026, 3, 6, 15))


@pytest.mark.django_db
def test_a_weekend_inside_the_window_is_skipped():
    # Wednesday: the window ends on Saturday? No: Friday counts, the weekend does not.
    assert window(at(2026, 3, 4, 15)) == (at(2026, 3, 5, 15), at(2026, 3, 9, 15))
    # Thursday: from Friday to Tuesday.
    assert window(at(2026, 3, 5, 15)) == (at(2026, 3, 6, 15), at(2026, 3, 10, 15))
    # Friday: from Monday to Wednesday.
    assert window(at(2026, 3, 6, 15)) == (at(2026, 3, 9, 15), at(2026, 3, 11, 15))


@pytest.mark.django_db
def test_the_national_day_holiday_and_its_make_up_saturday():
    # 2025: 1–8 October off; Sunday 28 September and Saturday 11 October are working days (调休).
    # Completed on Monday 29 September: the window opens before the holiday and closes after it.
    assert window(at(2025, 9, 29, 15)) == (at(2025, 9, 30, 15), at(2025, 10, 10, 15))
    # Completed on Tuesday 30 September, the last day before the holiday: due after it, and the
    # make-up Saturday 11 October counts as a working day.
    assert window(at(2025, 9, 30, 15)) == (at(2025, 10, 9, 15), at(2025, 10, 11, 15))
    # Completed during the holiday: counted from its end.
    assert window(at(2025, 10, 3, 10)) == (at(2025, 10, 10, 9), at(2025, 10, 12, 0))


@pytest.mark.django_db
def test_a_make_up_sunday_counts_and_an_ordinary_sunday_does_not():
    # Friday 26 September 2025: Sunday 28th is a make-up working day.
    assert window(at(2025, 9, 26, 15)) == (at(2025, 9, 28, 15), at(2025, 9, 30, 15))
    # Friday 19 September 2025, an ordinary weekend: Monday to Wednesday.
    assert window(at(2025, 9, 19, 15)) == (at(2025, 9, 22, 15), at(2025, 9, 24, 15))


@pytest.mark.django_db
def test_spring_festival_2026_with_its_make_up_saturday():
    # Saturday 14 February 2026 is worked (调休); 15–23 February are off.
    assert window(at(2026, 2, 13, 15)) == (at(2026, 2, 14, 15), at(2026, 2, 25, 15))
    # Completed on the make-up Saturday itself.
    assert window(at(2026, 2, 14, 10)) == (at(2026, 2, 24, 10), at(2026, 2, 26, 10))


@pytest.mark.django_db
def test_the_first_call_waits_for_working_hours():
    # Completed at 20:00: 24 h later is 20:00, after closing: the window opens at 09:00 next morning.
    assert window(at(2026, 3, 3, 20)) == (at(2026, 3, 5, 9), at(2026, 3, 6, 20))
    # Completed at 17:59: 24 h later is still inside the working day.
    assert window(at(2026, 3, 3, 17, 59)) == (at(2026, 3, 4, 17, 59), at(2026, 3, 6, 17, 59))
    # At lunch (12:30): the call can start at 13:30.
    assert window(at(2026, 3, 3, 12, 30)) == (at(2026, 3, 4, 13, 30), at(2026, 3, 6, 12, 30))


@pytest.mark.django_db
def test_retry_after_working_hours():
    # No answer at 17:00 on a Tuesday: 1 h that evening + 3 h next morning → Wednesday 12:00.
    assert after_working_hours(at(2026, 3, 3, 17), 4, calendar=CAL) == at(2026, 3, 4, 12)
    # At 14:00 the same four hours end the same afternoon.
    assert after_working_hours(at(2026, 3, 3, 14), 4, calendar=CAL) == at(2026, 3, 3, 18)
    # On the evening before the National Day holiday: after it.
    assert after_working_hours(at(2025, 9, 30, 17), 4, calendar=CAL) == at(2025, 10, 9, 12)
    # Remedies and rechecks: hours on working days.
    assert after_working_days(at(2025, 9, 30, 15), 48, calendar=CAL) == at(2025, 10, 10, 15)


@pytest.mark.django_db
def test_completing_a_request_schedules_its_call_on_the_seeded_calendar(manager, technician):
    request, followup = completed_request({Role.MANAGER: manager}, technician=technician, at=at(2025, 9, 30, 15))
    assert (followup.due_from, followup.due_by) == (at(2025, 10, 9, 15), at(2025, 10, 11, 15))
    assert followup.next_call_at == followup.due_from
    assert followup.completed_at == at(2025, 9, 30, 15)
    assert followup.request == request and followup.status == "open"
