"""Demo quality data: the case library (``manage.py demo_data``): two hand-written cases (a good one published, a bad
one about a demo request as a draft) and a bad case from every closed demo complaint with lessons
learned (through ``case_from_complaint``: no complainant identity); inspections sampled from
the last month's completed jobs, one recorded with a failed norm and a corrective action."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from aftersales.complaints.permissions import complaint_list_for
from aftersales.complaints.selectors import complaint_lessons_handoff
from aftersales.tickets.permissions import request_list_for

from .models import Case
from .services import (
    case_create,
    case_from_complaint,
    case_transition,
    corrective_action_add,
    inspection_record,
    inspection_sample,
)

DEMO_ORDER = 90


def demo_present() -> bool:
    return Case.objects.exists()


def demo_load(ctx) -> None:
    users = ctx.data.get("users") or {}
    author = users.get("quality") or users.get("manager")
    if author is None:
        ctx.log("case library skipped: no quality user")
        return
    good = case_create(
        actor=author,
        title="雨天上门主动穿鞋套并铺垫布",
        kind="good",
        summary="雨天上门维修空调，师傅进门前穿鞋套，在工作区铺垫布，完工后清理现场并向客户讲解保养要点。",
        analysis="严格执行上门服务规范，客户当场表扬并在回访中给出满分。",
        lessons="上门规范（工装、工牌、鞋套、垫布、清理现场、讲解）是满意度的基础，雨天更要做到位。",
        tags="上门规范, 鞋套, 表扬",
    )
    case_transition(actor=author, case=good, action="publish")
    case_create(
        actor=author,
        title="热水器底部漏水",
        kind="bad",
        summary="热水器安装后第二天底部漏水，客户投诉二次上门。",
        analysis="安装后未试水，进水接口生料带缠绕不足。",
        lessons="安装完成后必须试水十分钟并逐一检查接口，再请客户签字确认。",
        tags="漏水, 热水器, 安装",
        request=request_list_for(author).order_by("id").first(),
    )
    for complaint in complaint_list_for(author).order_by("id"):
        if complaint_lessons_handoff(complaint) is not None:
            case_from_complaint(actor=author, complaint=complaint)
    ctx.log(f"{Case.objects.count()} cases")
    _demo_inspections(ctx, author, users.get("manager") or author)


def _demo_inspections(ctx, author, manager) -> None:
    """Sample the last month's completed demo jobs and record the first inspection (one norm
    failed, a corrective action for the technician)."""
    now = timezone.now()
    sampled = inspection_sample(start=now - dt.timedelta(days=30), end=now, seed=1, actor=manager)
    if not sampled:
        return
    first = sampled[0]
    results = {i.pk: i.code != "shoe_covers" for i in first.template.items.all()}
    inspection_record(actor=author, inspection=first, method="call", results=results, findings="客户反映未穿鞋套。")
    corrective_action_add(
        actor=author,
        inspection=first,
        text="复习上门服务规范，下次上门前自查鞋套。",
        owner=first.technician,
        due_date=timezone.localdate() + dt.timedelta(days=7),
    )
    ctx.log(f"{len(sampled)} inspections sampled")
