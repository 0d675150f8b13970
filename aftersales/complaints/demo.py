"""Demo complaints, relative to now, through the real services (``manage.py demo_data``):
one on time, one at risk, one overdue and escalated by the sweep, a major one escalated at
intake, an anonymous one, one waiting for the customer's answer, one closed with the customer's
acceptance and lessons learned, one closed by a manager's decision. Some are about completed
demo requests (their customer, technician and partner come from the request)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from aftersales.tickets.choices import Status as RequestStatus
from aftersales.tickets.permissions import request_list_for

from .escalation import complaint_sweep
from .models import Complaint
from .services import (
    complaint_assign,
    complaint_close,
    complaint_create,
    complaint_decide,
    complaint_follow_up,
    complaint_note,
    complaint_propose,
    complaint_respond,
)

DEMO_ORDER = 85
H = dt.timedelta(hours=1)


def demo_present() -> bool:
    return Complaint.objects.exists()


def demo_load(ctx) -> None:
    users = ctx.data.get("users") or {}
    agent, handler, qm, manager = (users.get(k) for k in ("agent", "quality", "qmanager", "manager"))
    if not all((agent, handler, qm, manager)):
        return
    now = timezone.now()
    # The latest serviced requests; a complaint is about one whose last step came before it was filed.
    done = list(
        request_list_for(manager)
        .filter(
            status__in=[RequestStatus.COMPLETED, RequestStatus.FOLLOWED_UP, RequestStatus.CLOSED],
            assigned_technician__isnull=False,
        )
        .select_related("customer", "assigned_technician", "assigned_organization")
        .order_by("-status_changed_at", "-id")[:200]
    )

    def about(filed):
        sr = next((sr for sr in done if sr.status_changed_at <= filed), None)
        if sr is not None:
            done.remove(sr)
        return sr

    def take(ago, **kw):
        sr = about(now - ago) if kw.pop("from_request", True) else None
        if sr is None and not kw.get("anonymous"):
            kw.setdefault("contact_name", "郑先生")
            kw.setdefault("contact_phone", "13761234567")
        return complaint_create(actor=agent, request=sr, now=now - ago, **kw)

    # On time: taken 2 h ago, being investigated.
    c = take(2 * H, category="attitude", description="师傅上门没穿鞋套，说话不耐烦。", demand="要求道歉。")
    c = complaint_assign(actor=handler, complaint=c, investigator=handler, now=now - 1.5 * H)
    complaint_note(actor=handler, complaint=c, text="已联系技师了解情况，技师承认未穿鞋套。", now=now - H)

    # At risk: 40 of its 48 hours gone, still without an investigator.
    take(40 * H, category="quality", description="新换的压缩机一周内又不制冷。", demand="要求换机。")

    # Overdue: a billing complaint nobody answered in 72 h; the sweep escalates it to the quality manager.
    take(74 * H, category="billing", description="上门费收了两次，发票金额不对。", demand="退还多收的费用。")

    # Major: escalated to the quality manager at intake.
    c = take(
        5 * H,
        category="delay",
        severity="major",
        description="预约三次都没上门，家里漏水一周。",
        demand="今天必须上门，赔偿损失。",
    )
    complaint_assign(actor=qm, complaint=c, investigator=handler, now=now - 4 * H)

    # Anonymous: no name, no phone — a tracking code instead.
    c = take(
        3 * H,
        from_request=False,
        anonymous=True,
        category="attitude",
        channel="web",
        description="服务网点的技师私下收费，不开发票。",
        demand="希望公司查处。",
    )
    complaint_assign(actor=handler, complaint=c, investigator=handler, now=now - 2 * H)

    # Waiting for the customer's answer through his link.
    c = take(20 * H, category="quality", description="沙发扶手开裂。", demand="免费维修。")
    c = complaint_assign(actor=handler, complaint=c, investigator=handler, now=now - 19 * H)
    complaint_propose(
        actor=handler,
        complaint=c,
        investigation="属材料质量问题，在保修期内。",
        solution="三天内免费更换扶手面板，并赠送一次保养。",
        now=now - 6 * H,
    )

    # Closed with the customer's acceptance, follow-up and lessons learned.
    c = take(6 * 24 * H, category="attitude", description="客服电话里态度生硬。", demand="道歉。")
    c = complaint_assign(actor=handler, complaint=c, investigator=handler, now=now - 143 * H)
    c = complaint_propose(actor=handler, complaint=c, solution="客服主管电话致歉，赠送延保三个月。", now=now - 130 * H)
    c = complaint_respond(actor=handler, complaint=c, accepted=True, note="接受。", now=now - 128 * H)
    c = complaint_follow_up(actor=handler, complaint=c, note="回访：客户表示满意。", now=now - 100 * H)
    complaint_close(
        actor=handler, complaint=c, lessons="高峰时段客服排班不足；话术培训加入投诉处理演练。", now=now - 99 * H
    )

    # Closed by the manager's decision after two rejections.
    c = take(10 * 24 * H, category="other", description="要求赔偿误工费。", demand="赔偿 500 元。")
    c = complaint_assign(actor=handler, complaint=c, investigator=handler, now=now - 239 * H)
    for n, amount in enumerate(("100", "200")):
        c = complaint_propose(actor=handler, complaint=c, solution=f"补偿 {amount} 元。", now=now - (230 - 20 * n) * H)
        c = complaint_respond(actor=handler, complaint=c, accepted=False, note="太少。", now=now - (225 - 20 * n) * H)
    complaint_decide(
        actor=manager,
        complaint=c,
        decision="按公司赔偿政策补偿 200 元已是上限，客户不接受，经理决定结案并保留记录。",
        lessons="预约改期须提前告知客户，避免误工。",
        now=now - 150 * H,
    )

    complaint_sweep(now=now)
    ctx.log(f"{Complaint.objects.count()} complaints")
