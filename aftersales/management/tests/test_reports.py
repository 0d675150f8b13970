"""The monthly management report: content from ``kpis.selectors`` (hand-built daily figures),
made by the worker with progress, kept with its PDF and Excel files, sent to the managers."""

import datetime as dt
import io
import subprocess
import zipfile

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from aftersales.accounts.choices import Role
from aftersales.customers.models import Region
from aftersales.management.choices import ReportStatus
from aftersales.management.models import Report
from aftersales.management.services import (
    plan_create,
    plan_transition,
    report_content,
    report_request,
    run_approve,
    run_compute,
)
from aftersales.notifications.models import OutboxMessage

from .helpers import daily

pytestmark = pytest.mark.django_db
MONTH = dt.date(2026, 10, 1)


def pdf_text(data: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=bytes(data), capture_output=True, check=True
    ).stdout.decode()


@pytest.fixture
def figures(make_user):
    north = Region.objects.create(code="N", name="华北")
    south = Region.objects.create(code="S", name="华南")
    tiny = Region.objects.create(code="T", name="西藏")
    d = dt.date(2026, 10, 10)
    daily("satisfaction", d, 18, 20, region=north.pk)  # 90 %
    daily("satisfaction", d, 12, 20, region=south.pk)  # 60 %: the worst region
    daily("satisfaction", d, 0, 2, region=tiny.pk)  # 0 %, but over two answers only: left out
    daily("satisfaction", dt.date(2026, 9, 10), 8, 10, region=north.pk)  # the month before: 80 %
    daily("complaint_rate", d, 3, 0, region=south.pk)
    daily("complaint_rate", d, 0, 200, region=south.pk)
    daily("complaints_on_time", d, 2, 3)
    return {"north": north, "south": south, "tiny": tiny}


def test_content_headline_worst_complaints(figures):
    content = report_content(MONTH, today=dt.date(2026, 11, 2))
    head = {r["key"]: r for r in content["headline"]}
    assert head["satisfaction"]["num"] == 30 and head["satisfaction"]["den"] == 42
    assert head["satisfaction"]["value"] == 71.4 and head["satisfaction"]["prev"] == 80.0
    assert head["satisfaction"]["meets"] is False and "satisfaction" in content["summary"]["missed"]
    worst = next(w for w in content["worst"] if w["kpi"] == "satisfaction" and w["dimension"] == "region")
    assert [i["label"] for i in worst["items"]] == ["华南", "华北"]  # worst first; 西藏 has too few rows
    cr = next(w for w in content["worst"] if w["kpi"] == "complaint_rate" and w["dimension"] == "region")
    assert cr["items"][0]["label"] == "华南" and cr["items"][0]["value"] == 1.5
    assert content["complaints"] == {"count": 3, "requests": 200, "rate": 1.5, "answered": 3, "on_time": 66.7}
    sat_trend = next(t for t in content["trends"] if t["key"] == "satisfaction")
    assert len(sat_trend["points"]) == 12 and sat_trend["points"][-1] == {"month": "2026-10", "value": 71.4}
    assert sat_trend["points"][-2] == {"month": "2026-09", "value": 80.0}


def test_content_has_the_plans_effect_and_the_scorecards(figures, manager, make_user):
    from .world import seed_default_schemes

    seed_default_schemes()
    from aftersales.management.models import Scheme

    t = make_user(Role.TECHNICIAN, last_name="张")
    daily("satisfaction", dt.date(2026, 10, 3), 9, 10, technician=t.pk)
    run_approve(
        actor=manager, run=run_compute(actor=manager, scheme=Scheme.objects.get(role="technician"), month=MONTH)
    )
    plan = plan_create(
        actor=manager,
        problem="华南满意度低",
        measure="回访培训",
        department="客服部",
        owner=manager,
        deadline=dt.date(2026, 9, 30),
        kpi="satisfaction",
        filters={"region": figures["south"].pk},
    )
    daily("satisfaction", dt.date(2026, 8, 20), 5, 10, region=figures["south"].pk)  # baseline 50 %
    plan = plan_transition(actor=manager, plan=plan, action="start", today=dt.date(2026, 9, 1))
    plan = plan_transition(actor=manager, plan=plan, action="complete", today=dt.date(2026, 9, 15))
    plan = plan_transition(actor=manager, plan=plan, action="evaluate", today=dt.date(2026, 10, 20))
    content = report_content(MONTH, today=dt.date(2026, 11, 2))
    (row,) = content["plans"]["rows"]
    assert row["baseline"] == 50.0 and row["after"] == 60.0 and row["effect"] == 10.0 and row["verdict"] == "better"
    assert content["plans"]["evaluated"] == 1
    (card,) = content["scorecards"]
    assert card["approved"] and card["top"][0]["total"] == "100.00"


def test_the_worker_makes_the_report_with_progress_and_tells_the_managers(
    figures, manager, qm, make_user, django_capture_on_commit_callbacks
):
    make_user(Role.AGENT)  # not a recipient
    seen = []
    from aftersales.management.services import reports

    real = reports._step

    def step(report, pct):
        real(report, pct)
        seen.append(Report.objects.get(pk=report.pk).progress)

    reports._step = step
    try:
        with django_capture_on_commit_callbacks(execute=True):
            report = report_request(actor=manager, month=MONTH, language="en")
    finally:
        reports._step = real
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE and report.progress == 100
    assert seen == sorted(seen) and len(seen) >= 4 and seen[-1] < 100
    assert bytes(report.pdf).startswith(b"%PDF")
    text = pdf_text(report.pdf)
    assert "Management report 2026-10" in text and "Satisfaction rate" in text and "华南" in text
    book = load_workbook(io.BytesIO(bytes(report.xlsx)))
    assert {"Measures", "Trends", "Worst", "Complaints", "Improvement plans", "Scorecards"} <= set(book.sheetnames)
    rows = list(book["Measures"].iter_rows(values_only=True))
    assert ("Satisfaction rate", 71.4, 80.0, "≥ 90 %", "no", 30, 42) in rows
    to = set(
        OutboxMessage.objects.filter(key="management.report_ready", channel="in_app").values_list(
            "recipient", flat=True
        )
    )
    assert to == {manager.pk, qm.pk}


def test_the_pdf_in_chinese(figures, manager):
    from aftersales.management.services import report_run_now

    report = report_run_now(month=MONTH, language="zh-hans")
    text = pdf_text(report.pdf)
    assert "管理月报 2026-10" in text and "满意率" in text


def test_excel_cells_never_start_a_formula(manager):
    plan_create(
        actor=manager,
        problem='=HYPERLINK("http://evil","x")',
        measure="m",
        department="@部门",
        owner=manager,
        deadline=dt.date(2026, 12, 1),
        kpi="satisfaction",
    )
    from aftersales.management.exports import report_xlsx

    content = report_content(MONTH, today=dt.date(2026, 11, 2))
    book = load_workbook(io.BytesIO(report_xlsx(content, language="en")))
    cells = [c for row in book["Improvement plans"].iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert '\'=HYPERLINK("http://evil","x")' in cells and "'@部门" in cells
    assert not any(c.startswith(("=", "@", "+")) for c in cells)


def test_a_failure_is_kept_on_the_report(manager, monkeypatch, django_capture_on_commit_callbacks):
    from aftersales.management import exports

    def boom(*a, **k):
        raise RuntimeError("no fonts")

    monkeypatch.setattr(exports, "report_pdf", boom)
    with django_capture_on_commit_callbacks(execute=True):
        report = report_request(actor=manager, month=MONTH)
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED and report.error == "no fonts" and not report.pdf
    assert not OutboxMessage.objects.filter(key="management.report_ready").exists()
    monkeypatch.undo()
    from django.test import Client

    client = Client()
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(f"/api/management/reports/{report.pk}/retry")
    assert again.status_code == 200
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE and report.error == "" and bytes(report.pdf).startswith(b"%PDF")
    assert client.post(f"/api/management/reports/{report.pk}/retry").status_code == 409


def test_a_report_whose_worker_stopped_is_given_up_and_can_be_made_again(manager, django_capture_on_commit_callbacks):
    """The worker died mid-report (or its task was lost): after a quarter of an hour without progress
    the report is marked failed, its page says why in the reader's language and offers "Try again"."""
    from django.test import Client
    from django.utils import timezone

    from aftersales.management.services import reports_stalled_fail
    from aftersales.management.tasks import reports_stalled_task

    now = timezone.now()
    running = Report.objects.create(month=MONTH, status=ReportStatus.RUNNING, progress=40)
    lost = Report.objects.create(month=MONTH, status=ReportStatus.QUEUED)
    busy = Report.objects.create(month=MONTH, status=ReportStatus.RUNNING, progress=60)
    fresh = Report.objects.create(month=MONTH, status=ReportStatus.QUEUED)
    Report.objects.filter(pk=running.pk).update(updated_at=now - dt.timedelta(minutes=16))
    Report.objects.filter(pk=lost.pk).update(updated_at=now - dt.timedelta(minutes=61))
    Report.objects.filter(pk=busy.pk).update(updated_at=now - dt.timedelta(minutes=2))
    assert reports_stalled_fail(now=now) == 2
    assert reports_stalled_task.call_local() == 0  # the periodic task: nothing left to give up
    statuses = dict(Report.objects.values_list("pk", "status"))
    assert statuses[running.pk] == statuses[lost.pk] == ReportStatus.FAILED
    assert statuses[busy.pk] == ReportStatus.RUNNING and statuses[fresh.pk] == ReportStatus.QUEUED
    client = Client()
    client.force_login(manager)
    page = client.get(running.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "重新生成" in page or "重试" in page
    assert "stalled" not in page and "后台任务" in page
    api = client.get("/api/management/reports").json()
    row = next(r for r in api if r["id"] == running.pk)
    assert row["error"] == "stalled" and row["error_text"]
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/api/management/reports/{running.pk}/retry").status_code == 200
    running.refresh_from_db()
    assert running.status == ReportStatus.DONE and running.error == ""


def test_a_month_not_begun_is_refused(manager):
    from aftersales.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        report_request(actor=manager, month=dt.date(2099, 1, 1))
    assert not Report.objects.exists()


def test_the_command(figures, tmp_path, capsys):
    out = tmp_path / "r.pdf"
    call_command("monthly_report", "--month", "2026-10", "--language", "en", "--out", str(out))
    assert out.read_bytes().startswith(b"%PDF")
    assert "report" in capsys.readouterr().out
    assert zipfile.is_zipfile(io.BytesIO(bytes(Report.objects.get().xlsx)))
