"""Business-time arithmetic: hand-written known cases and properties (hypothesis)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aftersales.sla.businesstime import (
    ALWAYS,
    MAX_SCAN_DAYS,
    CalendarSnapshot,
    NoWorkingTime,
    add_business_time,
    business_time_between,
    is_working_time,
)

from .calendars import SH, SHIFTS, at, standard

CAL = standard()
H = dt.timedelta(hours=1)
MIN = dt.timedelta(minutes=1)


def test_friday_evening_lands_monday_morning():
    assert at(2026, 3, 6).weekday() == 4
    assert add_business_time(CAL, at(2026, 3, 6, 17, 50), H) == at(2026, 3, 9, 9, 50)


def test_friday_evening_before_a_holiday_monday_lands_tuesday():
    # Qingming 2026: Sat 4 – Mon 6 April are off.
    assert add_business_time(CAL, at(2026, 4, 3, 17, 50), H) == at(2026, 4, 7, 9, 50)


def test_spring_festival_2026_eve():
    # 2026: holiday Sun 15 – Mon 23 Feb; make-up working Saturdays 14 Feb and 28 Feb.
    assert is_working_time(CAL, at(2026, 2, 14, 10))  # the eve is a make-up Saturday
    assert add_business_time(CAL, at(2026, 2, 14, 17, 50), H) == at(2026, 2, 24, 9, 50)
    # Filed on the Friday before: the make-up Saturday counts.
    assert add_business_time(CAL, at(2026, 2, 13, 17, 50), H) == at(2026, 2, 14, 9, 50)
    # Filed during the holiday: the clock starts at the first opening after it.
    assert add_business_time(CAL, at(2026, 2, 18, 10), H) == at(2026, 2, 24, 10)
    assert business_time_between(CAL, at(2026, 2, 14, 18), at(2026, 2, 24, 9)) == dt.timedelta(0)


def test_make_up_saturday_counts():
    assert add_business_time(CAL, at(2026, 2, 27, 17, 30), H) == at(2026, 2, 28, 9, 30)
    # An ordinary Saturday does not.
    assert add_business_time(CAL, at(2026, 3, 13, 17, 30), H) == at(2026, 3, 16, 9, 30)


def test_lunch_break_is_skipped():
    assert add_business_time(CAL, at(2026, 3, 10, 11, 30), H) == at(2026, 3, 10, 14, 0)
    assert business_time_between(CAL, at(2026, 3, 10, 11), at(2026, 3, 10, 14)) == 90 * MIN


def test_start_outside_working_time_starts_at_next_opening():
    assert add_business_time(CAL, at(2026, 3, 10, 7), 30 * MIN) == at(2026, 3, 10, 9, 30)
    assert add_business_time(CAL, at(2026, 3, 10, 12, 15), 30 * MIN) == at(2026, 3, 10, 14, 0)
    assert add_business_time(CAL, at(2026, 3, 10, 12), dt.timedelta(0)) == at(2026, 3, 10, 13, 30)
    # A target ending exactly at closing time lands on the closing instant.
    assert add_business_time(CAL, at(2026, 3, 10, 11), H) == at(2026, 3, 10, 12)


def test_long_target_spans_days():
    # 7.5 working hours a day: 16 h from Monday 09:00 → Wednesday 10:00.
    assert add_business_time(CAL, at(2026, 3, 9, 9), 16 * H) == at(2026, 3, 11, 10)


def test_24x7_is_plain_addition():
    start = at(2026, 2, 14, 17, 50)
    assert add_business_time(ALWAYS, start, 49 * H) == start + 49 * H
    assert business_time_between(ALWAYS, start, start + 5 * H) == 5 * H


def test_time_zone_inputs_in_utc_and_other_calendar_zones():
    utc_start = dt.datetime(2026, 3, 9, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai
    result = add_business_time(CAL, utc_start, H)
    assert result == at(2026, 3, 9, 10) and result.tzinfo == SH
    berlin = ZoneInfo("Europe/Berlin")
    cal = CalendarSnapshot.from_times(tz="Europe/Berlin", weekly={wd: SHIFTS for wd in range(5)})
    # Across the spring DST change (29 March 2026): wall-clock hours still count.
    assert add_business_time(cal, at(2026, 3, 27, 17, 30, tz=berlin), H) == at(2026, 3, 30, 9, 30, tz=berlin)
    assert business_time_between(cal, at(2026, 3, 27, 9, tz=berlin), at(2026, 3, 30, 18, tz=berlin)) == 15 * H


def test_shift_until_midnight():
    cal = CalendarSnapshot.from_times(weekly={wd: [(dt.time(20), dt.time(0))] for wd in range(7)})
    assert add_business_time(cal, at(2026, 3, 9, 23), 2 * H) == at(2026, 3, 10, 21)
    assert is_working_time(cal, at(2026, 3, 10, 0), include_close=True)


def test_calendar_without_working_time_raises():
    with pytest.raises(NoWorkingTime):
        add_business_time(CalendarSnapshot(), at(2026, 3, 9), H)


def test_naive_datetime_rejected():
    with pytest.raises(ValueError):
        add_business_time(CAL, dt.datetime(2026, 3, 9, 9), H)


def test_between_is_antisymmetric():
    a, b = at(2026, 3, 9, 10), at(2026, 3, 10, 10)
    assert business_time_between(CAL, b, a) == -business_time_between(CAL, a, b)


# --- properties -----------------------------------------------------------

moments = st.datetimes(
    min_value=dt.datetime(2025, 12, 1), max_value=dt.datetime(2026, 12, 1), timezones=st.just(SH)
).map(lambda d: d.replace(fold=0))
durations = st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(hours=120))


@st.composite
def calendars(draw):
    """Random weekly split shifts (at least one working day) and random holidays /
    make-up days, sometimes 24×7, in a random zone."""
    if draw(st.integers(0, 9)) == 0:
        return ALWAYS
    weekly = {}
    for wd in range(7):
        points = sorted(set(draw(st.lists(st.integers(0, 96), max_size=6))))
        spans = [(a * 900, b * 900) for a, b in zip(points[::2], points[1::2], strict=False) if b > a]
        if spans:
            weekly[wd] = spans
    if not weekly:
        weekly[0] = [(9 * 3600, 17 * 3600)]
    days = draw(st.lists(st.dates(dt.date(2025, 12, 1), dt.date(2027, 1, 31)), max_size=20))
    overrides = {d: ([] if i % 3 else [(8 * 3600, 12 * 3600)]) for i, d in enumerate(days)}
    tz = draw(st.sampled_from(["Asia/Shanghai", "Europe/Berlin", "America/New_York"]))
    return CalendarSnapshot(tz=tz, weekly=weekly, overrides=overrides)


cals = st.one_of(st.just(CAL), calendars())


@settings(max_examples=300, deadline=None)
@given(cals, moments, durations)
def test_lands_in_working_time(cal, start, duration):
    end = add_business_time(cal, start, duration)
    assert end >= start
    if duration == dt.timedelta(0) and is_working_time(cal, start):
        assert end == start
    else:
        assert is_working_time(cal, end, include_close=True)


@settings(max_examples=300, deadline=None)
@given(cals, moments, moments, durations)
def test_monotonic_in_start(cal, a, b, duration):
    a, b = min(a, b), max(a, b)
    assert add_business_time(cal, a, duration) <= add_business_time(cal, b, duration)


@settings(max_examples=300, deadline=None)
@given(cals, moments, durations, durations)
def test_monotonic_in_duration(cal, start, d1, d2):
    d1, d2 = min(d1, d2), max(d1, d2)
    assert add_business_time(cal, start, d1) <= add_business_time(cal, start, d2)


@settings(max_examples=300, deadline=None)
@given(cals, moments, durations)
def test_add_then_between_returns_the_duration(cal, start, duration):
    assert business_time_between(cal, start, add_business_time(cal, start, duration)) == duration


@settings(max_examples=300, deadline=None)
@given(cals, moments, moments)
def test_between_bounded_by_wall_time(cal, a, b):
    a, b = min(a, b), max(a, b)
    assert dt.timedelta(0) <= business_time_between(cal, a, b) <= b - a


@settings(max_examples=200, deadline=None)
@given(cals, moments, durations, durations.filter(lambda d: d > dt.timedelta(0)))
def test_additive(cal, start, d1, d2):
    # A calendar whose working time ends (no weekly hours, only dated make-up days) has no answer
    # past its last working day: then both sides say so, or neither does. The search gives up
    # MAX_SCAN_DAYS after its start, so two steps reach further than one on a calendar with a
    # few minutes of work a week (6 days of work at 15 minutes a week take 11 years): then the
    # two steps' answer lies beyond the one step's horizon.
    def both_ways():
        return add_business_time(cal, add_business_time(cal, start, d1), d2)

    try:
        whole = add_business_time(cal, start, d1 + d2)
    except NoWorkingTime:
        try:
            reached = both_ways()
        except NoWorkingTime:
            return
        assert reached - start >= dt.timedelta(days=MAX_SCAN_DAYS - 1)
        return
    assert both_ways() == whole
