"""Monthly sums: a long period reads whole months from ``KpiMonthly`` / ``KpiMonthlyCube`` and
the rest from the daily tables, with the same figures; a month whose days change is read from
the daily tables until ``kpi_months_settle`` sums it again (the current month: once it ends)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aftersales.kpis.models import KpiMonthly, KpiMonthlyCube, KpiMonthStale
from aftersales.kpis.selectors import kpi_breakdowns, kpi_series, kpi_value, kpi_values, plan_for
from aftersales.kpis.services import kpi_check, kpi_months_settle, kpi_rebuild, month_first, month_last
from aftersales.management.tests.helpers import daily

pytestmark = pytest.mark.django_db

DIMS = ("region", "category", "channel", "technician", "agent")


def _months_back(n: int) -> dt.date:
    first = month_first(timezone.localdate())
    for _ in range(n):
        first = month_first(first - dt.timedelta(days=1))
    return first


@pytest.fixture
def figures():
    """First-time fix over four months and this one: two regions, two technicians, two channels."""
    start = _months_back(4) + dt.timedelta(days=9)
    day, i = start, 0
    while day <= timezone.localdate():
        daily("first_time_fix", day, i % 3, 3, region=1 + i % 2, category=7, channel="phone", technician=11 + i % 2)
        daily("first_time_fix", day, 1, 2, region=2, category=8, channel="wechat", technician=12, agent=21)
        daily("volume", day, 4, 0, region=1, category=7, technician=11)
        day += dt.timedelta(days=3)
        i += 1
    return start, timezone.localdate()


def _read(start, end):
    flt = {"region": 2}
    two = {"region": 2, "category": 8}
    return (
        kpi_value("first_time_fix", start=start, end=end, filters=two),
        kpi_values(start=start, end=end, filters=two),
        kpi_series("first_time_fix", start=start, end=end, grain="month", filters=two),
        kpi_breakdowns("first_time_fix", DIMS, start=start, end=end, filters=flt),
        kpi_breakdowns("volume", DIMS, start=start, end=end, filters={"category": 7}),
    )


def _sql(fn) -> str:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return " ".join(q["sql"] for q in ctx.captured_queries)


def test_whole_months_read_from_the_monthly_sums_give_the_same_figures(figures):
    start, end = figures
    assert KpiMonthStale.objects.count() == 2 * 5  # two measures, five months: nothing summed yet
    by_days = _read(start, end)
    assert "kpimonthly" not in _sql(lambda: _read(start, end))

    assert kpi_months_settle() == 2 * 4  # the ended months; this month stays stale
    assert set(KpiMonthStale.objects.values_list("month", flat=True)) == {month_first(end)}
    plan = plan_for(["first_time_fix"], start, end)
    assert plan.months == tuple(_months_back(n) for n in (3, 2, 1))  # the first month is partial
    assert plan.days == ((start, month_last(start)), (month_first(end), end))
    sql = _sql(lambda: _read(start, end))
    assert "kpis_kpimonthlycube" in sql and "kpis_kpimonthly" in sql.replace("kpis_kpimonthlycube", "")
    assert _read(start, end) == by_days
    # Summed rows: a month has one row per combination, not one per day.
    assert KpiMonthlyCube.objects.filter(kpi="volume", day=_months_back(2)).count() == 1
    assert KpiMonthly.objects.filter(kpi="volume", day=_months_back(2)).get().num > 4


def test_a_changed_month_is_read_from_the_days_until_summed_again(figures):
    start, end = figures
    kpi_months_settle()
    before = kpi_breakdowns("first_time_fix", ["technician"], start=start, end=end, filters={"region": 2})
    changed = _months_back(2) + dt.timedelta(days=4)
    daily("first_time_fix", changed, 5, 5, region=2, category=7, channel="phone", technician=13)
    assert KpiMonthStale.objects.filter(kpi="first_time_fix", month=_months_back(2)).exists()
    assert _months_back(2) not in plan_for(["first_time_fix"], start, end).months
    after = kpi_breakdowns("first_time_fix", ["technician"], start=start, end=end, filters={"region": 2})
    new = {s.value: (s.num, s.den) for s in after["technician"]}
    assert new[13] == (5, 5)
    assert {s.value: (s.num, s.den) for s in before["technician"]} == {k: v for k, v in new.items() if k != 13}
    assert kpi_months_settle() == 1
    assert _months_back(2) in plan_for(["first_time_fix"], start, end).months
    again = kpi_breakdowns("first_time_fix", ["technician"], start=start, end=end, filters={"region": 2})
    assert again == after


def test_settle_now_includes_the_current_month_on_request(figures):
    start, end = figures
    assert kpi_months_settle(include_current=True) == 2 * 5
    assert not KpiMonthStale.objects.exists()
    whole = plan_for(["volume"], month_first(end), month_last(end))
    assert whole.months == (month_first(end),) and whole.days == ()


def test_the_dashboard_with_a_filter_over_a_year_pins_its_queries(
    client, manager, figures, django_assert_max_num_queries
):
    from aftersales.customers.tests.factories import RegionFactory

    region = RegionFactory()
    end = timezone.localdate()
    daily("first_time_fix", _months_back(3), 2, 3, region=region.pk, category=7, technician=11)
    kpi_months_settle()
    params = {"start": (end - dt.timedelta(days=364)).isoformat(), "end": end.isoformat(), "region": region.pk}
    client.force_login(manager)
    client.get("/kpis/", params)
    # session, user, 3 filter choice lists, values and series (one filter: single dimensions), the
    # stale months of the breakdowns, 8 breakdowns × (whole months + the other days), 3 label lists
    # (at most: the fixture's raw ids may or may not match the region made here, and the label
    # lists asked for depend on the values found).
    with django_assert_max_num_queries(27):
        assert client.get("/kpis/", params).status_code == 200


@pytest.fixture
def sla_defaults(db):
    from aftersales.sla.models import FollowUpWindow
    from aftersales.sla.tests.calendars import seed_migration_data

    if not FollowUpWindow.objects.exists():
        seed_migration_data()


def test_check_compares_a_settled_month_with_the_raw_rows(
    sla_defaults, django_capture_on_commit_callbacks, manager, technician
):
    from aftersales.field.tests.factories import field_job

    with django_capture_on_commit_callbacks(execute=True):
        field_job(technician, manager, in_warranty=True)
    today = timezone.localdate()
    first, last = month_first(today), month_last(today)
    assert kpi_months_settle(include_current=True) > 0
    assert kpi_check(start=first, end=last) == []
    row = KpiMonthlyCube.objects.filter(kpi="volume", day=first).get()
    KpiMonthlyCube.objects.filter(pk=row.pk).update(num=row.num + 2)
    diffs = kpi_check(start=first, end=last)
    assert len(diffs) == 1 and "(month)" in str(diffs[0]) and "volume" in str(diffs[0])
    kpi_rebuild(start=today, end=today)  # sums the months it touched again
    assert kpi_check(start=first, end=last) == []
