"""The monthly management report (R-KPI-2 "a periodic report to management", issue 14 item 8).

``report_request`` queues a report; the worker's ``report_generate`` reads everything through
``kpis.selectors`` (headline measures against their targets and the month before, twelve months
of trends, the worst regions, product categories and people, complaints), adds the improvement
plans and the approved scorecards, writes the PDF and the Excel file, keeps them with the
content, and tells the managers through the outbox. ``progress`` (%) is saved after each step so
the page can show it while the worker runs.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.models import User
from aftersales.core.audit import audit_record
from aftersales.core.errors import ValidationFailed
from aftersales.core.states import transition_apply
from aftersales.kpis.definitions import KPIS, LOWER
from aftersales.kpis.selectors import kpi_breakdown, kpi_series, kpi_values
from aftersales.notifications.services import message_send

from ..choices import OPEN_PLAN_STATUSES, REPORT_TRANSITIONS, PlanStatus, ReportAction, ReportStatus, RunStatus
from ..models import Plan, Report, Run
from ..periods import month_add, month_bounds, month_first, month_label
from .plans import plan_effect, plan_periods

logger = logging.getLogger(__name__)

# The measures drawn as twelve-month trends, and the (measure, dimension) pairs whose worst
# values the report lists.
TREND_KPIS = (
    "satisfaction",
    "resolution_rate",
    "first_time_fix",
    "first_response_on_time",
    "resolution_time",
    "complaint_rate",
)
WORST = (
    ("satisfaction", "region"),
    ("satisfaction", "category"),
    ("satisfaction", "technician"),
    ("resolution_rate", "region"),
    ("resolution_rate", "category"),
    ("first_time_fix", "technician"),
    ("complaint_rate", "region"),
    ("complaint_rate", "category"),
    ("followup_rate", "agent"),
)
WORST_MIN_ROWS = 3  # a value over fewer rows says nothing about a region or a person
WORST_SHOWN = 5
TREND_MONTHS = 12
RECIPIENT_ROLES = ("manager", "quality_manager")


def _step(report: Report, progress: int) -> None:
    """Save the progress at once (outside any transaction: the page polls it)."""
    Report.objects.filter(pk=report.pk).update(progress=progress, updated_at=timezone.now())


def _headline(start, end) -> list[dict]:
    prev_start, prev_end = month_bounds(month_add(start, -1))
    now = kpi_values([k.key for k in KPIS], start=start, end=end)
    before = kpi_values([k.key for k in KPIS], start=prev_start, end=prev_end)
    rows = []
    for kpi in KPIS:
        num, den, value = now[kpi.key]
        rows.append(
            {
                "key": kpi.key,
                "num": num,
                "den": den,
                "value": value,
                "prev": before[kpi.key][2],
                "target": kpi.target,
                "meets": kpi.meets(value),
            }
        )
    return rows


def _trends(first: dt.date) -> list[dict]:
    start = month_add(first, -(TREND_MONTHS - 1))
    end = month_bounds(first)[1]
    out = []
    for key in TREND_KPIS:
        points = kpi_series(key, start=start, end=end, grain="month")
        out.append({"key": key, "points": [{"month": month_label(p.start), "value": p.value} for p in points]})
    return out


def _worst(start, end) -> list[dict]:
    out = []
    by_key = {k.key: k for k in KPIS}
    for key, dim in WORST:
        kpi = by_key[key]
        slices = [
            s
            for s in kpi_breakdown(key, dim, start=start, end=end, limit=None)
            if s.value not in (0, "", None) and s.measure is not None and s.den >= WORST_MIN_ROWS
        ]
        worse_first = kpi.direction == LOWER
        slices.sort(key=lambda s: (-s.measure if worse_first else s.measure, -s.den))
        out.append(
            {
                "kpi": key,
                "dimension": dim,
                "items": [
                    {"id": s.value, "label": s.label, "value": s.measure, "num": s.num, "den": s.den}
                    for s in slices[:WORST_SHOWN]
                ],
            }
        )
    return out


def _plans(start, end, today) -> dict:
    plans = list(Plan.objects.select_related("owner").order_by("deadline", "pk"))
    rows = []
    for p in plans:
        if p.status == PlanStatus.CANCELLED:
            continue
        effect, verdict = plan_effect(p)
        periods = plan_periods(p, today=today)
        rows.append(
            {
                "id": p.pk,
                "problem": p.problem[:120],
                "department": p.department,
                "owner": p.owner.display_name,
                "status": p.status,
                "deadline": p.deadline.isoformat(),
                "overdue": p.status in OPEN_PLAN_STATUSES and p.deadline < today,
                "kpi": p.kpi,
                "baseline": p.baseline_value,
                "after": p.after_value,
                "effect": effect,
                "verdict": verdict,
                "after_period": [d.isoformat() for d in periods["after"]] if periods["after"] else None,
            }
        )
    return {
        "open": sum(1 for r in rows if r["status"] in OPEN_PLAN_STATUSES),
        "overdue": sum(1 for r in rows if r["overdue"]),
        "evaluated": sum(1 for r in rows if r["status"] == PlanStatus.EVALUATED),
        "rows": rows,
    }


def _scorecards(first: dt.date) -> list[dict]:
    out = []
    for run in Run.objects.filter(month=first).select_related("scheme").order_by("scheme__role", "scheme__name"):
        scores = list(run.scores.select_related("person").filter(total__isnull=False).order_by("rank", "pk"))
        row = lambda s: {"name": s.person.display_name, "total": str(s.total), "rank": s.rank}  # noqa: E731
        out.append(
            {
                "run": run.pk,
                "scheme": run.scheme.name,
                "approved": run.status == RunStatus.APPROVED,
                "people": len(scores),
                "top": [row(s) for s in scores[:3]],
                "bottom": [row(s) for s in scores[3:][-3:]],
            }
        )
    return out


def report_content(month: dt.date, *, today: dt.date | None = None, progress=None) -> dict:
    """Everything the report says about ``month``, as JSON-able data (names of measures are
    keys: the page and the files show them in their reader's language)."""
    today = today or timezone.localdate()
    step = progress or (lambda pct: None)
    start, end = month_bounds(month)
    content = {"month": month_label(start), "start": start.isoformat(), "end": end.isoformat()}
    content["headline"] = _headline(start, end)
    step(20)
    content["trends"] = _trends(start)
    step(45)
    content["worst"] = _worst(start, end)
    step(65)
    by_key = {r["key"]: r for r in content["headline"]}
    content["complaints"] = {
        "count": by_key["complaint_rate"]["num"],
        "requests": by_key["complaint_rate"]["den"],
        "rate": by_key["complaint_rate"]["value"],
        "answered": by_key["complaints_on_time"]["den"],
        "on_time": by_key["complaints_on_time"]["value"],
    }
    content["plans"] = _plans(start, end, today)
    content["scorecards"] = _scorecards(start)
    step(75)
    content["summary"] = {
        "measures": sum(1 for r in content["headline"] if r["meets"] is not None),
        "met": sum(1 for r in content["headline"] if r["meets"] is True),
        "missed": [r["key"] for r in content["headline"] if r["meets"] is False],
    }
    return content


@transaction.atomic
def report_request(*, actor, month: dt.date, language: str = "zh-hans", now=None) -> Report:
    """Queue a monthly report; the worker makes it (``tasks.report_generate_task``)."""
    month = month_first(month)
    if month > month_first(timezone.localdate(now)):
        raise ValidationFailed(fields={"month": [_("This month has not begun.")]})
    report = Report.objects.create(month=month, language=language, requested_by=actor)
    audit_record(actor=actor, action="management.report.request", obj=report, changes={"month": [None, month]})
    from ..tasks import report_generate_task

    transaction.on_commit(lambda: report_generate_task(report.pk))
    return report


def _move(report_id: int, action: str, **fields) -> Report:
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report_id)
        transition_apply(report, REPORT_TRANSITIONS, action)
        for name, value in fields.items():
            setattr(report, name, value)
        report.save()
        return report


def report_generate(report_id: int) -> Report:
    """Make a queued report: content, PDF, Excel; then tell the managers. A failure is kept on the
    report (status "failed" with the error) and logged."""
    from ..exports import report_pdf, report_xlsx

    report = _move(report_id, ReportAction.START, started_at=timezone.now(), progress=1)
    began = time.monotonic()
    try:
        content = report_content(report.month, progress=lambda pct: _step(report, pct))
        pdf = report_pdf(content, language=report.language)
        _step(report, 90)
        xlsx = report_xlsx(content, language=report.language)
        _step(report, 97)
    except Exception as exc:  # noqa: BLE001 - kept on the report, shown on the page, logged
        logger.exception("management report %s failed", report_id)
        return _move(report_id, ReportAction.FAIL, error=str(exc)[:300], finished_at=timezone.now())
    seconds = round(time.monotonic() - began, 2)
    with transaction.atomic():
        report = _move(
            report_id,
            ReportAction.FINISH,
            content=content,
            pdf=pdf,
            xlsx=xlsx,
            progress=100,
            seconds=seconds,
            finished_at=timezone.now(),
        )
        recipients = list(User.objects.filter(role__in=RECIPIENT_ROLES, is_active=True).order_by("pk"))
        if recipients:
            message_send(
                key="management.report_ready",
                params={"month": month_label(report.month)},
                to=recipients,
                channels=("in_app", "email"),
                link=report,
            )
        audit_record(actor=None, action="management.report.done", obj=report, changes={"seconds": [None, seconds]})
    return report


def report_run_now(*, month: dt.date, actor=None, language: str = "zh-hans") -> Report:
    """Queue and make a report in this process (``manage.py monthly_report``)."""
    with transaction.atomic():
        report = Report.objects.create(month=month_first(month), language=language, requested_by=actor)
    return report_generate(report.pk)


# A running report saves its progress every few seconds; one silent this long lost its worker
# (restarted or killed mid-report). A queued one this old lost its task.
STALLED_AFTER = dt.timedelta(minutes=15)
QUEUE_LOST_AFTER = dt.timedelta(hours=1)
STALLED = "stalled"  # ``Report.error`` of a report given up by ``reports_stalled_fail`` (shown translated)


def reports_stalled_fail(*, now: dt.datetime | None = None) -> int:
    """Mark as failed the reports whose worker stopped mid-report (running, no progress for
    ``STALLED_AFTER``) or whose task was lost (queued for ``QUEUE_LOST_AFTER``), so their page
    offers "Try again" instead of a progress bar that never moves. Returns how many."""
    now = now or timezone.now()
    stalled = Q(status=ReportStatus.RUNNING, updated_at__lt=now - STALLED_AFTER) | Q(
        status=ReportStatus.QUEUED, updated_at__lt=now - QUEUE_LOST_AFTER
    )
    done = 0
    for pk in Report.objects.filter(stalled).values_list("pk", flat=True):
        with transaction.atomic():
            # Again under the lock: the worker may have saved progress or finished meanwhile.
            if not Report.objects.select_for_update().filter(stalled, pk=pk).exists():
                continue
            report = _move(pk, ReportAction.FAIL, error=STALLED, finished_at=now)
            audit_record(actor=None, action="management.report.stalled", obj=report)
            done += 1
    return done


def report_retry(*, actor, report: Report) -> Report:
    with transaction.atomic():
        report = _move(report.pk, ReportAction.RETRY, progress=0, error="")
        audit_record(actor=actor, action="management.report.retry", obj=report)
        from ..tasks import report_generate_task

        transaction.on_commit(lambda: report_generate_task(report.pk))
    return report


__all__ = [
    "report_content",
    "report_generate",
    "report_request",
    "report_retry",
    "report_run_now",
    "reports_stalled_fail",
]
