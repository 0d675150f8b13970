"""Improvement plans (R-QA-3): the baseline and the after value are measured with ``kpi_value``
(hand-built daily figures here), the effect is judged by the measure's direction, overdue plans
remind their owner through the outbox."""

import datetime as dt

import pytest

from aftersales.accounts.choices import Role
from aftersales.core.errors import ValidationFailed
from aftersales.core.states import IllegalTransition
from aftersales.management.choices import PlanStatus
from aftersales.management.models import Plan
from aftersales.management.services import (
    plan_create,
    plan_effect,
    plan_periods,
    plan_reminders_send,
    plan_transition,
    plan_update,
)
from aftersales.notifications.models import OutboxMessage

from .helpers import daily, hours

pytestmark = pytest.mark.django_db
START = dt.date(2026, 9, 1)


def make_plan(actor, owner=None, **kw):
    data = {
        "problem": "华东区满意度偏低",
        "measure": "上门前电话确认",
        "department": "售后服务部",
        "owner": owner or actor,
        "deadline": START + dt.timedelta(days=20),
        "kpi": "satisfaction",
        "filters": {"region": 7},
        "period_days": 30,
    }
    data.update(kw)
    return plan_create(actor=actor, **data)


def test_baseline_is_kpi_value_over_the_days_before_the_start(manager):
    daily("satisfaction", START - dt.timedelta(days=1), 6, 10, region=7)  # in: the day before
    daily("satisfaction", START - dt.timedelta(days=30), 2, 10, region=7)  # in: the first day
    daily("satisfaction", START - dt.timedelta(days=31), 0, 50, region=7)  # before the period
    daily("satisfaction", START, 0, 50, region=7)  # the start day itself: after
    daily("satisfaction", START - dt.timedelta(days=3), 0, 50, region=8)  # another region
    plan = make_plan(manager)
    assert plan.baseline_value is None
    plan = plan_transition(actor=manager, plan=plan, action="start", today=START)
    assert (plan.baseline_num, plan.baseline_den, plan.baseline_value) == (8, 20, 40.0)
    assert plan.started_on == START and plan.status == PlanStatus.IN_PROGRESS
    assert plan_periods(plan)["baseline"] == (dt.date(2026, 8, 2), dt.date(2026, 8, 31))
    # Data arriving later does not move a measured baseline.
    daily("satisfaction", START - dt.timedelta(days=2), 10, 10, region=7)
    assert Plan.objects.get(pk=plan.pk).baseline_value == 40.0


def test_after_value_effect_and_verdict(manager):
    daily("satisfaction", START - dt.timedelta(days=5), 7, 10, region=7)  # baseline 70 %
    plan = plan_transition(actor=manager, plan=make_plan(manager), action="start", today=START)
    done = dt.date(2026, 9, 20)
    plan = plan_transition(actor=manager, plan=plan, action="complete", today=done)
    assert plan_periods(plan)["after"] == (dt.date(2026, 9, 21), dt.date(2026, 10, 20))
    daily("satisfaction", dt.date(2026, 9, 21), 9, 10, region=7)  # in
    daily("satisfaction", dt.date(2026, 10, 20), 8, 10, region=7)  # in: the last day
    daily("satisfaction", dt.date(2026, 10, 21), 0, 10, region=7)  # after the period
    daily("satisfaction", dt.date(2026, 9, 20), 0, 10, region=7)  # the day it was done: not after
    with pytest.raises(ValidationFailed):  # the after period is not over yet
        plan_transition(actor=manager, plan=plan, action="evaluate", today=dt.date(2026, 10, 20))
    assert Plan.objects.get(pk=plan.pk).status == PlanStatus.DONE
    plan = plan_transition(actor=manager, plan=plan, action="evaluate", today=dt.date(2026, 10, 21))
    assert (plan.after_num, plan.after_den, plan.after_value) == (17, 20, 85.0)
    assert plan_effect(plan) == (15.0, "better")


def test_lower_is_better_measures_are_judged_the_right_way(manager):
    daily("resolution_time", START - dt.timedelta(days=2), hours(30), 1)
    plan = make_plan(manager, kpi="resolution_time", filters={})
    plan = plan_transition(actor=manager, plan=plan, action="start", today=START)
    plan = plan_transition(actor=manager, plan=plan, action="complete", today=START)
    daily("resolution_time", START + dt.timedelta(days=3), hours(36), 1)
    plan = plan_transition(actor=manager, plan=plan, action="evaluate", today=START + dt.timedelta(days=31))
    assert plan.baseline_value == 30.0 and plan.after_value == 36.0
    assert plan_effect(plan) == (6.0, "worse")


def test_no_figures_means_no_effect(manager):
    plan = plan_transition(actor=manager, plan=make_plan(manager), action="start", today=START)
    plan = plan_transition(actor=manager, plan=plan, action="complete", today=START)
    plan = plan_transition(actor=manager, plan=plan, action="evaluate", today=START + dt.timedelta(days=40))
    assert plan.baseline_value is None and plan_effect(plan) == (None, None)


def test_the_lifecycle_table(manager):
    plan = make_plan(manager)
    with pytest.raises(IllegalTransition):
        plan_transition(actor=manager, plan=plan, action="evaluate", today=START)
    with pytest.raises(ValidationFailed):  # cancelling needs a reason
        plan_transition(actor=manager, plan=plan, action="cancel", today=START)
    plan = plan_transition(actor=manager, plan=plan, action="cancel", reason="合并到另一计划", today=START)
    assert plan.status == PlanStatus.CANCELLED and plan.cancel_reason == "合并到另一计划"
    with pytest.raises(IllegalTransition):
        plan_transition(actor=manager, plan=plan, action="start", today=START)


def test_a_started_plan_keeps_its_measure(manager):
    plan = plan_transition(actor=manager, plan=make_plan(manager), action="start", today=START)
    with pytest.raises(ValidationFailed) as exc:
        plan_update(actor=manager, plan=plan, kpi="resolution_rate")
    assert "kpi" in exc.value.fields
    plan = plan_update(actor=manager, plan=plan, deadline=START + dt.timedelta(days=60))
    assert plan.deadline == START + dt.timedelta(days=60)


def test_bad_input_is_refused(manager, make_user):
    agent = make_user(Role.AGENT)
    with pytest.raises(ValidationFailed) as exc:
        make_plan(manager, owner=agent)
    assert "owner" in exc.value.fields
    for kw, field in (({"kpi": "volume"}, "kpi"), ({"period_days": 3}, "period_days"), ({"problem": " "}, "problem")):
        with pytest.raises(ValidationFailed) as exc:
            make_plan(manager, **kw)
        assert field in exc.value.fields
    assert not Plan.objects.exists()


def test_overdue_plans_remind_their_owner_once_then_weekly(manager, qm):
    overdue = make_plan(manager, owner=qm, deadline=START)
    make_plan(manager, owner=qm, deadline=START + dt.timedelta(days=10))  # not due yet
    done = plan_transition(
        actor=manager, plan=make_plan(manager, owner=qm, deadline=START), action="start", today=START
    )
    plan_transition(actor=manager, plan=done, action="complete", today=START)  # finished: never reminded
    day = START + dt.timedelta(days=1)
    assert plan_reminders_send(today=day) == 1
    msg = OutboxMessage.objects.get(key="management.plan_overdue", channel="in_app")
    assert msg.recipient == qm and msg.params["deadline"] == START.isoformat()
    assert plan_reminders_send(today=day + dt.timedelta(days=1)) == 0
    assert plan_reminders_send(today=day + dt.timedelta(days=7)) == 1
    assert Plan.objects.get(pk=overdue.pk).reminded_on == day + dt.timedelta(days=7)


def test_raised_from_a_complaint_or_an_inspection(manager):
    from aftersales.complaints.services import complaint_create

    complaint = complaint_create(actor=manager, category="attitude", description="态度差", demand="道歉")
    plan = make_plan(manager, complaint=complaint)
    assert plan.origin == "complaint" and plan.complaint == complaint
