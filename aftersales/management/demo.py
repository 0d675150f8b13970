"""Demo management data (``manage.py demo_data``, 98: after the measures are rebuilt at 95 and training at 97): the two
seeded scorecard schemes with an approved run for last month and a draft for this month; three
improvement plans (one evaluated with its measured effect, one in progress, one overdue and raised
from a complaint); the monthly report of last month, made here (the worker may not run yet).

Every figure is measured by the services from the demo history (60 days), never typed: the plans
are started, done and evaluated on past days so their periods fall inside the history."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from aftersales.complaints.permissions import complaint_list_for

from .models import Run, Scheme
from .periods import month_add, month_first
from .services import plan_create, plan_transition, report_run_now, run_approve, run_compute

DEMO_ORDER = 98


def demo_present() -> bool:
    return Run.objects.exists()


def _schemes() -> list[Scheme]:
    if not Scheme.objects.exists():  # a flushed database: the data migration's seed
        import importlib

        from django.apps import apps

        importlib.import_module("aftersales.management.migrations.0002_default_schemes").forwards(apps, None)
    return list(Scheme.objects.filter(is_active=True).order_by("role", "name"))


def demo_load(ctx) -> None:
    users = ctx.data.get("users") or {}
    manager = users.get("manager")
    if manager is None:
        ctx.log("management skipped: no manager")
        return
    qmanager = users.get("qmanager") or manager
    today = timezone.localdate()
    this_month = month_first(today)
    last_month = month_add(this_month, -1)
    for scheme in _schemes():
        run_approve(actor=manager, run=run_compute(actor=manager, scheme=scheme, month=last_month))
        run_compute(actor=manager, scheme=scheme, month=this_month)

    day = lambda n: today - dt.timedelta(days=n)  # noqa: E731
    evaluated = plan_create(
        actor=manager,
        problem="上门服务后满意率不稳定，部分客户反映师傅沟通不到位。",
        measure="上门前电话确认时间与故障，完工后向客户讲解保养要点；每周抽查服务录音。",
        department="售后服务部",
        owner=manager,
        deadline=day(20),
        kpi="satisfaction",
        period_days=14,
        origin="dashboard",
    )
    plan_transition(actor=manager, plan=evaluated, action="start", today=day(45))
    plan_transition(actor=manager, plan=evaluated, action="complete", today=day(20))
    plan_transition(actor=manager, plan=evaluated, action="evaluate", today=today)

    running = plan_create(
        actor=qmanager,
        problem="问题解决率偏低：备件未随车，需要二次上门。",
        measure="按工单故障类型预配备件，出发前核对车载库存。",
        department="技术支持部",
        owner=qmanager,
        deadline=today + dt.timedelta(days=20),
        kpi="resolution_rate",
        period_days=14,
    )
    plan_transition(actor=qmanager, plan=running, action="start", today=day(10))

    complaint = complaint_list_for(manager).order_by("id").first()
    overdue = plan_create(
        actor=manager,
        problem="投诉率偏高，多为服务态度与答复不及时。",
        measure="投诉专员每日两次检查待答复投诉，超 24 小时升级到经理；客服话术培训。",
        department="客服部",
        owner=qmanager,
        deadline=day(5),
        kpi="complaint_rate",
        period_days=30,
        complaint=complaint,
    )
    plan_transition(actor=manager, plan=overdue, action="start", today=day(25))

    report = report_run_now(month=last_month, actor=manager, language="zh-hans")
    ctx.log(
        f"management: runs for {last_month:%Y-%m} (approved) and {this_month:%Y-%m} (draft), 3 plans, report {report.status}"
    )
