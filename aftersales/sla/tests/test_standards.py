"""The standards' write services (rules, calendars, escalation matrix) and the previews the
settings pages show: checked before anything is written, audited, deadlines recomputed."""

import datetime as dt

import pytest
from django.utils import translation

from aftersales.accounts.choices import Role
from aftersales.core.errors import PermissionDeniedError, ValidationFailed
from aftersales.core.models import AuditEvent
from aftersales.customers.tests.factories import CustomerFactory
from aftersales.sla.escalation import escalation_schedule
from aftersales.sla.models import Calendar, CalendarDay, EscalationLevel, SlaClock, SlaPolicy
from aftersales.sla.selectors import calendar_days_ahead, calendar_deadlines, calendar_snapshot, rule_deadlines
from aftersales.sla.services import (
    calendar_create,
    calendar_day_delete,
    calendar_day_save,
    calendar_update,
    escalation_level_create,
    escalation_level_set_active,
    escalation_level_update,
    policy_create,
    policy_set_active,
    policy_update,
    sla_refresh,
)
from aftersales.tickets.services import request_create

from .calendars import at

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)
MIN = dt.timedelta(minutes=1)
T = dt.time
SHIFTS = [(T(9), T(12)), (T(13, 30), T(18))]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def audits(action):
    return AuditEvent.objects.filter(action=action)


def standard():
    return Calendar.objects.get(code="standard")


# --- rules -------------------------------------------------------------------------


def test_policy_create_audited_and_recomputes_open_clocks(manager, agent, django_capture_on_commit_callbacks):
    request = request_create(
        actor=agent, customer=CustomerFactory(), channel="phone", service_type="complaint", description="态度差"
    )
    sla_refresh(request.pk)
    assert SlaClock.objects.get(request=request, kind="first_response").target_seconds == 24 * 3600
    with django_capture_on_commit_callbacks(execute=True):
        rule = policy_create(actor=manager, name="Complaints: 2 h", service_type="complaint", first_response=2 * H)
    assert rule.is_active and rule.pause_statuses == [] and rule.precedence == 100
    assert audits("sla.policy_create").get().changes["first_response"] == [None, 7200.0]
    # the open request's clock now counts the new rule's 2 h (the worker ran after commit)
    assert SlaClock.objects.get(request=request, kind="first_response").policy_id == rule.pk


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "first_response": H}, "name"),
        ({"name": "No target"}, "__all__"),
        ({"name": "Zero", "first_response": dt.timedelta(0)}, "first_response"),
        ({"name": "Long", "arrival": dt.timedelta(days=400)}, "arrival"),
        ({"name": "Odd", "arrival": dt.timedelta(seconds=90)}, "arrival"),
        ({"name": "Bad type", "service_type": "nonsense", "first_response": H}, "service_type"),
        ({"name": "Warn", "warning_percent": 0, "first_response": H}, "warning_percent"),
        ({"name": "Pause", "pause_statuses": ["closed"], "first_response": H}, "pause_statuses"),
    ],
)
def test_policy_create_refuses_bad_input_and_writes_nothing(manager, data, field):
    before = SlaPolicy.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        policy_create(actor=manager, **data)
    assert field in exc.value.fields
    assert SlaPolicy.objects.count() == before and not audits("sla.policy_create").exists()


def test_business_target_needs_a_calendar_with_working_time(manager, admin_user):
    empty = calendar_create(actor=admin_user, code="empty", name="Empty", is_24x7=True)
    Calendar.objects.filter(pk=empty.pk).update(is_24x7=False)  # no hours at all (as an old row could be)
    empty.refresh_from_db()
    with pytest.raises(ValidationFailed) as exc:
        policy_create(actor=manager, name="Web", calendar=empty, first_response=30 * MIN, first_response_business=True)
    assert "calendar" in exc.value.fields


def test_policy_write_needs_manager_or_admin(agent, dispatcher):
    for user in (agent, dispatcher):
        with pytest.raises(PermissionDeniedError):
            policy_create(actor=user, name="x", first_response=H)


def test_policy_update_diff_audited(manager):
    rule = SlaPolicy.objects.get(priority="urgent")
    policy_update(actor=manager, policy=rule, first_response=2 * H, first_response_business=True)
    rule.refresh_from_db()
    assert rule.first_response == 2 * H and rule.first_response_business
    change = audits("sla.policy_update").get().changes
    assert change["first_response"] == [3600.0, 7200.0] and change["first_response_business"] == [False, True]
    # nothing changed: no audit row
    policy_update(actor=manager, policy=rule, first_response=2 * H)
    assert audits("sla.policy_update").count() == 1


def test_policy_update_refused_keeps_the_rule(manager):
    rule = SlaPolicy.objects.get(priority="urgent")
    with pytest.raises(ValidationFailed):
        policy_update(actor=manager, policy=rule, name=" ", first_response=5 * H)
    rule.refresh_from_db()
    assert rule.first_response == H and rule.name.startswith("Urgent")


def test_deactivate_and_activate(manager):
    rule = SlaPolicy.objects.get(priority="urgent")
    policy_set_active(actor=manager, policy=rule, active=False)
    assert not SlaPolicy.objects.get(pk=rule.pk).is_active
    assert audits("sla.policy_deactivate").exists()
    policy_set_active(actor=manager, policy=rule, active=True)
    assert SlaPolicy.objects.get(pk=rule.pk).is_active


def test_the_last_active_rule_stays(manager):
    keep = SlaPolicy.objects.order_by("pk").first()
    SlaPolicy.objects.exclude(pk=keep.pk).update(is_active=False)
    with pytest.raises(ValidationFailed):
        policy_set_active(actor=manager, policy=keep, active=False)
    assert SlaPolicy.objects.get(pk=keep.pk).is_active


def test_rule_deadlines_of_an_unsaved_draft():
    draft = SlaPolicy(name="draft", calendar=standard(), warning_percent=50)
    draft.first_response, draft.first_response_business = 30 * MIN, True
    draft.arrival = 48 * H
    rows = {r.kind: r for r in rule_deadlines(draft, received_at=at(2026, 2, 13, 17, 50))}  # Friday before 春节
    # 30 min of working time: 10 min left on Friday, the rest on the make-up Saturday 2026-02-14
    assert rows["first_response"].due_at == at(2026, 2, 14, 9, 20)
    assert rows["first_response"].warning_at == at(2026, 2, 14, 9, 5)
    assert rows["arrival"].due_at == at(2026, 2, 15, 17, 50) and not rows["arrival"].business


# --- calendars ---------------------------------------------------------------------


def test_calendar_create_with_weekly_hours(admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        cal = calendar_create(actor=admin_user, code="shop", name="Shop", weekly={0: SHIFTS, 5: [(T(10), T(0))]})
    periods = sorted((p.weekday, p.start, p.end) for p in cal.periods.all())
    assert periods == [(0, T(9), T(12)), (0, T(13, 30), T(18)), (5, T(10), T(0))]
    assert audits("sla.calendar_create").get().changes["weekly"][1]["5"] == [["10:00", "00:00"]]


@pytest.mark.parametrize(
    ("weekly", "field"),
    [
        ({0: [(T(12), T(9))]}, "weekday_0"),
        ({1: [(T(9), T(12)), (T(11), T(13))]}, "weekday_1"),
        ({}, "__all__"),
    ],
)
def test_calendar_refuses_bad_hours(admin_user, weekly, field):
    with pytest.raises(ValidationFailed) as exc:
        calendar_create(actor=admin_user, code="shop", name="Shop", weekly=weekly)
    assert field in exc.value.fields
    assert not Calendar.objects.filter(code="shop").exists()


def test_calendar_update_default_moves_and_hours_replace(admin_user):
    shop = calendar_create(actor=admin_user, code="shop", name="Shop", weekly={0: SHIFTS})
    revision = shop.revision
    calendar_update(actor=admin_user, calendar=shop, is_default=True, weekly={0: [(T(8), T(20))]})
    shop.refresh_from_db()
    assert shop.is_default and not standard().is_default
    assert shop.revision > revision  # every process rebuilds its snapshot
    assert [(p.start, p.end) for p in shop.periods.all()] == [(T(8), T(20))]
    change = audits("sla.calendar_update").get().changes
    assert change["is_default"] == [False, True] and change["weekly"][1]["0"] == [["08:00", "20:00"]]
    # the default cannot just be switched off: another one takes over instead
    with pytest.raises(ValidationFailed) as exc:
        calendar_update(actor=admin_user, calendar=shop, is_default=False)
    assert "is_default" in exc.value.fields


def test_holiday_and_make_up_day_move_deadlines(admin_user):
    cal = standard()
    received = at(2026, 3, 6, 17)  # Friday 17:00
    before = add(cal, received, 4 * H)
    assert before == at(2026, 3, 9, 12)  # 1 h on Friday, 3 h on Monday
    calendar_day_save(actor=admin_user, calendar=cal, date=dt.date(2026, 3, 9), kind="holiday", name="公司假日")
    assert add(cal, received, 4 * H) == at(2026, 3, 10, 12)
    # a make-up Saturday (调休) with the hours of a Monday
    calendar_day_save(actor=admin_user, calendar=cal, date=dt.date(2026, 3, 7), kind="workday", name="调休上班")
    assert add(cal, received, 4 * H) == at(2026, 3, 7, 12)
    day = CalendarDay.objects.get(calendar=cal, date=dt.date(2026, 3, 7))
    assert day.source == "manual" and audits("sla.calendar_day_save").count() == 2
    # its own short hours replace the weekday's
    calendar_day_save(actor=admin_user, calendar=cal, date=dt.date(2026, 3, 7), kind="workday", periods=[(T(9), T(10))])
    assert add(cal, received, 4 * H) == at(2026, 3, 10, 11)  # 1 h Friday, 1 h Saturday, 2 h Tuesday
    calendar_day_delete(actor=admin_user, day=day)
    assert add(cal, received, 4 * H) == at(2026, 3, 10, 12)  # Saturday off again; Monday still a holiday
    assert audits("sla.calendar_day_delete").exists()


def add(cal, received, duration):
    from aftersales.sla.businesstime import add_business_time

    cal.refresh_from_db()
    return add_business_time(calendar_snapshot(cal), received, duration)


def test_calendar_day_refusals_write_nothing(admin_user):
    cal = standard()
    count = CalendarDay.objects.filter(calendar=cal).count()
    with pytest.raises(ValidationFailed) as exc:
        calendar_day_save(
            actor=admin_user, calendar=cal, date=dt.date(2026, 3, 9), kind="holiday", periods=[(T(9), T(12))]
        )
    assert "periods" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        calendar_day_save(actor=admin_user, calendar=cal, date=dt.date(2026, 3, 9), kind="weekend")
    assert "kind" in exc.value.fields
    assert CalendarDay.objects.filter(calendar=cal).count() == count


def test_calendar_previews():
    cal = standard()
    snapshot = calendar_snapshot(cal)
    rows = {r.duration: r for r in calendar_deadlines(cal, snapshot, received_at=at(2026, 9, 30, 17, 50))}
    # the seeded online-message rules count 30 min on the default calendar; 国庆 (10-01…07) follows
    assert len(rows[30 * MIN].rules) == 3 and rows[30 * MIN].due_at == at(2026, 10, 8, 9, 20)
    assert rows[4 * H].due_at == at(2026, 10, 8, 14, 20) and not rows[4 * H].rules  # a sample length
    days = calendar_days_ahead(snapshot, cal, start=dt.date(2026, 10, 9), days=3)
    assert [(d.date.day, bool(d.spans), d.day.kind if d.day else None) for d in days] == [
        (9, True, None),
        (10, True, "workday"),  # 国庆节调休上班 (Saturday)
        (11, False, None),
    ]


# --- the escalation matrix ----------------------------------------------------------


def test_level_create_update_and_switch_off(manager, make_user):
    boss = make_user(Role.MANAGER)
    level = escalation_level_create(
        actor=manager,
        level=5,
        name="Level 5: owner",
        delay=48 * H,
        notify_users=[boss],
        email=True,
        in_app=False,
        is_active=True,
    )
    assert list(level.notify_users.all()) == [boss]
    assert audits("sla.escalation_level_create").get().changes["notify_users"] == [None, [boss.pk]]
    escalation_level_update(actor=manager, row=level, delay=72 * H, notify_role="manager", notify_users=[])
    with pytest.raises(ValidationFailed):  # nobody told and nothing done
        escalation_level_update(actor=manager, row=level, notify_role="")
    level.refresh_from_db()
    assert level.delay == 72 * H and level.notify_role == "manager" and not level.notify_users.exists()
    assert audits("sla.escalation_level_update").count() == 1
    escalation_level_set_active(actor=manager, row=level, active=False)
    assert not EscalationLevel.objects.get(pk=level.pk).is_active


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"level": 2, "name": "dup", "notify_role": "manager", "in_app": True}, "level"),
        (
            {"level": 0, "name": "warn+", "notify_role": "manager", "raise_priority_to": "high", "in_app": True},
            "raise_priority_to",
        ),
        ({"level": 12, "name": "deep", "notify_role": "manager", "in_app": True}, "level"),
        ({"level": 6, "name": "silent", "notify_role": "manager"}, "in_app"),
        (
            {"level": 6, "name": "late", "notify_role": "manager", "in_app": True, "delay": dt.timedelta(days=40)},
            "delay",
        ),
    ],
)
def test_level_refusals_write_nothing(manager, data, field):
    count = EscalationLevel.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        escalation_level_create(actor=manager, is_active=True, **data)
    assert field in exc.value.fields
    assert EscalationLevel.objects.count() == count


def test_escalation_schedule_with_a_draft():
    rows = list(EscalationLevel.objects.all())
    due = at(2026, 3, 9, 12)
    schedule = {row.level: when for row, when in escalation_schedule(rows, "arrival", due_at=due, warning_at=due - H)}
    assert schedule == {0: due - H, 1: due, 2: due + 2 * H, 3: due + 8 * H, 4: due + 24 * H}
    draft = next(r for r in rows if r.level == 2)
    draft.delay = 30 * MIN
    schedule = dict((row.level, when) for row, when in escalation_schedule(rows, "arrival", due_at=due))
    assert schedule[2] == due + 30 * MIN
    # a row for one target replaces the general rows for it
    only = EscalationLevel(level=1, name="arrival only", kind="arrival", delay=H, is_active=True)
    assert [(r.name, w) for r, w in escalation_schedule([*rows, only], "arrival", due_at=due)] == [
        ("arrival only", due + H)
    ]
