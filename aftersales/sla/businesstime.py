"""Business-time arithmetic on an in-memory calendar snapshot (R-SLA-3). Pure: no database.

A :class:`CalendarSnapshot` holds a calendar's weekly working hours (split shifts allowed)
and its per-date overrides (holidays: no hours; make-up working days 调休 and special
days: their own hours), all as seconds since local midnight in the calendar's time zone.
Working spans are turned into absolute instants (integer microseconds since the epoch)
once per date and cached on the snapshot, so the two functions below are plain integer
walks over a few days.

Conventions:
- A working span is half-open ``[open, close)``: at 12:00 sharp a 09:00–12:00 shift is
  over, so a clock started then starts at the next opening.
- ``add_business_time`` lands on the earliest instant at which ``duration`` of working
  time has elapsed; that may be the very end of a shift (11:00 + 1 h = 12:00).
- ``business_time_between(a, b)`` is antisymmetric: negative when ``b`` is before ``a``.
- Results are aware datetimes in the calendar's time zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo

UTC = dt.UTC
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
ONE_US = dt.timedelta(microseconds=1)
ONE_DAY = dt.timedelta(days=1)
DAY_SECONDS = 86400
# How far ahead add_business_time looks for working time before giving up.
MAX_SCAN_DAYS = 3700
# Per-snapshot cache of absolute spans per date; cleared when it grows past this.
MAX_CACHED_DAYS = 50000

Span = tuple[int, int]


class NoWorkingTime(ValueError):
    """The calendar has no working time in the period searched."""


def to_us(value: dt.datetime) -> int:
    """Microseconds since the epoch of an aware datetime."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("An aware datetime is required.")
    return (value - EPOCH) // ONE_US


def time_to_seconds(value: dt.time, *, end: bool = False) -> int:
    """Seconds since midnight; as an end, 00:00 means midnight at the end of the day."""
    seconds = value.hour * 3600 + value.minute * 60 + value.second
    if end and seconds == 0:
        return DAY_SECONDS
    return seconds


def normalise_spans(spans: Iterable[tuple[int, int]]) -> tuple[Span, ...]:
    """Sort, validate and merge overlapping or touching spans (seconds since midnight)."""
    ordered = sorted((int(s), int(e)) for s, e in spans)
    merged: list[list[int]] = []
    for start, end in ordered:
        if not (0 <= start < end <= DAY_SECONDS):
            raise ValueError(f"Bad working span {start}-{end}.")
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((s, e) for s, e in merged)


class CalendarSnapshot:
    """A calendar frozen in memory. Build it once per calendar revision and reuse it."""

    __slots__ = ("key", "tz", "is_24x7", "weekly", "overrides", "_cache", "_weekly_any", "_last_override")

    def __init__(
        self,
        *,
        tz: str | dt.tzinfo = "Asia/Shanghai",
        is_24x7: bool = False,
        weekly: Mapping[int, Iterable[tuple[int, int]]] | None = None,
        overrides: Mapping[dt.date, Iterable[tuple[int, int]]] | None = None,
        key: object = None,
    ):
        self.key = key
        self.tz = ZoneInfo(tz) if isinstance(tz, str) else tz
        self.is_24x7 = bool(is_24x7)
        weekly = weekly or {}
        self.weekly: tuple[tuple[Span, ...], ...] = tuple(normalise_spans(weekly.get(i, ())) for i in range(7))
        self.overrides: dict[dt.date, tuple[Span, ...]] = {
            d: normalise_spans(spans) for d, spans in (overrides or {}).items()
        }
        self._cache: dict[dt.date, tuple[Span, ...]] = {}
        self._weekly_any = any(self.weekly)
        self._last_override = max((d for d, spans in self.overrides.items() if spans), default=dt.date.min)

    @classmethod
    def from_times(
        cls,
        *,
        tz: str | dt.tzinfo = "Asia/Shanghai",
        is_24x7: bool = False,
        weekly: Mapping[int, Iterable[tuple[dt.time, dt.time]]] | None = None,
        overrides: Mapping[dt.date, Iterable[tuple[dt.time, dt.time]]] | None = None,
        key: object = None,
    ) -> CalendarSnapshot:
        """Build from ``datetime.time`` pairs (an end of 00:00 means midnight)."""

        def conv(pairs):
            return [(time_to_seconds(s), time_to_seconds(e, end=True)) for s, e in pairs]

        return cls(
            tz=tz,
            is_24x7=is_24x7,
            weekly={wd: conv(p) for wd, p in (weekly or {}).items()},
            overrides={d: conv(p) for d, p in (overrides or {}).items()},
            key=key,
        )

    def local_spans(self, day: dt.date) -> tuple[Span, ...]:
        """Working spans of a local date, seconds since local midnight."""
        if self.is_24x7:
            return ((0, DAY_SECONDS),)
        spans = self.overrides.get(day)
        if spans is None:
            spans = self.weekly[day.weekday()]
        return spans

    def day_spans(self, day: dt.date) -> tuple[Span, ...]:
        """Working spans of a local date as absolute microseconds since the epoch."""
        cached = self._cache.get(day)
        if cached is not None:
            return cached
        out = []
        midnight = dt.datetime(day.year, day.month, day.day)
        previous_end = None
        for start, end in self.local_spans(day):
            a = to_us((midnight + dt.timedelta(seconds=start)).replace(tzinfo=self.tz))
            b = to_us((midnight + dt.timedelta(seconds=end)).replace(tzinfo=self.tz))
            # Wall times skipped by a DST change map out of order: keep spans disjoint.
            if previous_end is not None and a < previous_end:
                a = previous_end
            if b > a:
                out.append((a, b))
                previous_end = b
        result = tuple(out)
        if len(self._cache) >= MAX_CACHED_DAYS:
            self._cache.clear()
        self._cache[day] = result
        return result

    def local_date(self, us: int) -> dt.date:
        # Zone offsets are whole seconds, so the floored second has the same local date.
        return dt.datetime.fromtimestamp(us // 1_000_000, self.tz).date()

    def from_us(self, us: int) -> dt.datetime:
        seconds, micro = divmod(us, 1_000_000)
        return dt.datetime.fromtimestamp(seconds, self.tz).replace(microsecond=micro)

    def has_work_after(self, day: dt.date) -> bool:
        return self.is_24x7 or self._weekly_any or day <= self._last_override


ALWAYS = CalendarSnapshot(is_24x7=True, key="24x7")


def add_business_time(calendar: CalendarSnapshot, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
    """The instant at which ``duration`` of working time has elapsed after ``start``.

    Outside working time the clock starts at the next opening; a zero duration then
    returns that opening (inside working time, ``start`` itself).
    """
    if duration < dt.timedelta(0):
        raise ValueError("The duration must not be negative.")
    if calendar.is_24x7:
        return (start + duration).astimezone(calendar.tz)
    t = to_us(start)
    remaining = duration // ONE_US
    day = calendar.local_date(t)
    for _ in range(MAX_SCAN_DAYS):
        for open_, close in calendar.day_spans(day):
            if close <= t:
                continue
            if open_ < t:
                open_ = t
            available = close - open_
            if remaining <= available:
                return calendar.from_us(open_ + remaining)
            remaining -= available
        day += ONE_DAY
        if not calendar.has_work_after(day):
            break
    raise NoWorkingTime(f"No working time found after {start.isoformat()}.")


def business_time_between(calendar: CalendarSnapshot, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
    """Working time from ``a`` to ``b`` (negative when ``b`` is earlier than ``a``)."""
    if b < a:
        return -business_time_between(calendar, b, a)
    if calendar.is_24x7:
        return b - a
    ta, tb = to_us(a), to_us(b)
    day, last = calendar.local_date(ta), calendar.local_date(tb)
    total = 0
    while day <= last:
        for open_, close in calendar.day_spans(day):
            lo = open_ if open_ > ta else ta
            hi = close if close < tb else tb
            if hi > lo:
                total += hi - lo
        day += ONE_DAY
    return dt.timedelta(microseconds=total)


def is_working_time(calendar: CalendarSnapshot, moment: dt.datetime, *, include_close: bool = False) -> bool:
    """Whether ``moment`` falls in a working span (``include_close``: the closing instant counts)."""
    if calendar.is_24x7:
        return True
    t = to_us(moment)
    for open_, close in calendar.day_spans(calendar.local_date(t)):
        if open_ <= t < close or (include_close and t == close):
            return True
    if include_close:
        # A shift ending at local midnight closes at 00:00 of the next date.
        previous = calendar.local_date(t) - ONE_DAY
        return any(close == t for _, close in calendar.day_spans(previous))
    return False
