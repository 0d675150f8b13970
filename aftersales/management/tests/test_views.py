"""Management pages and API: success, forbidden, invalid input; the kpis dashboard's "raise a
plan" link; the person's page and drill-down links; the report's progress fragment."""

import datetime as dt
import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.customers.models import Region
from aftersales.management.choices import PlanStatus, ReportStatus, RunStatus
from aftersales.management.models import Plan, Report, Run
from aftersales.management.periods import month_add, month_first
from aftersales.management.services import plan_create, run_approve, run_compute

from .helpers import daily

pytestmark = pytest.mark.django_db
LAST_MONTH = month_add(month_first(timezone.localdate()), -1)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_json(client, url, body, method="post"):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def tech(make_user):
    t = make_user(Role.TECHNICIAN, last_name="张", first_name="师傅")
    daily("satisfaction", LAST_MONTH + dt.timedelta(days=3), 9, 10, technician=t.pk)
    daily("resolution_rate", LAST_MONTH + dt.timedelta(days=3), 8, 10, technician=t.pk)
    return t


# --- scorecards ------------------------------------------------------------------------------------


def test_a_manager_computes_approves_and_drills_down(manager, tech, schemes):
    client = login(manager)
    page = client.get(reverse("management:scorecards"))
    assert page.status_code == 200 and "技师月度考核" in page.content.decode()
    r = client.post(
        reverse("management:run_create"), {"scheme": schemes["technician"].pk, "month": f"{LAST_MONTH:%Y-%m}"}
    )
    run = Run.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("management:run_detail", args=[run.pk])
    html = client.get(r["Location"]).content.decode()
    assert 'id="approve-form"' in html and tech.display_name in html
    rows_link = re.search(r'href="(/kpis/satisfaction/rows\?[^"]+)"', html).group(1)
    assert f"technician={tech.pk}" in rows_link and f"start={LAST_MONTH}" in rows_link
    assert client.get(rows_link.replace("&amp;", "&")).status_code == 200
    client.post(reverse("management:run_approve", args=[run.pk]))
    assert Run.objects.get().status == RunStatus.APPROVED
    html = client.get(reverse("management:run_detail", args=[run.pk])).content.decode()
    assert 'id="approve-form"' not in html and "bi-lock" in html


def test_quality_managers_read_but_do_not_approve(qm, manager, tech, schemes):
    run = run_compute(actor=manager, scheme=schemes["technician"], month=LAST_MONTH)
    client = login(qm)
    assert client.get(reverse("management:run_detail", args=[run.pk])).status_code == 200
    assert client.post(reverse("management:run_approve", args=[run.pk])).status_code == 403
    assert Run.objects.get().status == RunStatus.DRAFT


def test_scheme_page_refuses_weights_not_adding_up(manager, schemes):
    scheme = schemes["technician"]
    client = login(manager)
    data = {
        "name": scheme.name,
        "is_active": "on",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-0-kpi": "satisfaction",
        "lines-0-weight": "50",
        "lines-0-method": "linear",
        "lines-0-floor": "60",
        "lines-0-target": "90",
        "lines-1-kpi": "first_time_fix",
        "lines-1-weight": "40",
        "lines-1-method": "threshold",
        "lines-1-target": "90",
    }
    bad = client.post(reverse("management:scheme_detail", args=[scheme.pk]), data)
    assert bad.status_code == 400 and "they must add up to 100" in bad.content.decode()
    assert scheme.lines.count() == 3
    data["lines-1-weight"] = "50"
    ok = client.post(reverse("management:scheme_detail", args=[scheme.pk]), data)
    assert ok.status_code == 302
    assert [(ln.kpi, ln.weight, ln.floor) for ln in scheme.lines.all()] == [
        ("satisfaction", 50, 60),
        ("first_time_fix", 50, None),
    ]
    assert login(make_qm := manager).get(reverse("management:scheme_create")).status_code == 200
    del make_qm


def test_person_page_and_my_scorecard(manager, tech, schemes):
    draft_month = month_first(timezone.localdate())
    run_approve(actor=manager, run=run_compute(actor=manager, scheme=schemes["technician"], month=LAST_MONTH))
    run_compute(actor=manager, scheme=schemes["technician"], month=draft_month)
    html = login(manager).get(reverse("management:person", args=[tech.pk])).content.decode()
    assert html.count('data-run="') == 2 and 'id="score-trend"' in html and "/kpis/satisfaction/rows?" in html
    assert 'id="training-card"' in html  # the training app's card: his training record
    chart = json.loads(re.search(r'<script id="score-chart" type="application/json">(.*?)</script>', html).group(1))
    assert chart["months"] == [f"{LAST_MONTH:%Y-%m}", f"{draft_month:%Y-%m}"]
    mine = login(tech).get(reverse("management:me"))
    assert mine.status_code == 200
    html = mine.content.decode()
    assert html.count('data-run="') == 1  # his approved scorecards only
    assert "/kpis/satisfaction/rows?" not in html  # the rows pages are the managers'


def test_person_page_is_for_technicians_and_agents_only(manager, qm):
    assert login(manager).get(reverse("management:person", args=[qm.pk])).status_code == 404


# --- improvement plans -----------------------------------------------------------------------------


def test_raise_a_plan_from_the_kpis_dashboard(manager, make_user, partner_user):
    region = Region.objects.create(code="E", name="华东")
    html = login(manager).get(reverse("kpis:dashboard"), {"region": region.pk, "k": "first_time_fix"}).content.decode()
    link = re.search(r'id="raise-plan" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "kpi=first_time_fix" in link and f"region={region.pk}" in link and "origin=dashboard" in link
    assert 'id="raise-plan"' not in login(partner_user).get(reverse("kpis:dashboard")).content.decode()
    client = login(manager)
    form = client.get(link + "&technician=42").content.decode()
    assert 'value="first_time_fix" selected' in form and 'name="technician" value="42"' in form
    r = client.post(
        reverse("management:plan_create"),
        {
            "problem": "一次修复率低",
            "measure": "备件随车",
            "department": "技术部",
            "owner": manager.pk,
            "deadline": "2027-01-31",
            "kpi": "first_time_fix",
            "period_days": "30",
            "region": region.pk,
            "technician": "42",
            "origin": "dashboard",
        },
    )
    plan = Plan.objects.get()
    assert r.status_code == 302 and plan.origin == "dashboard"
    assert plan.filters == {"region": region.pk, "technician": 42}


def test_plan_page_and_transitions(manager, quality_user):
    plan = plan_create(
        actor=manager,
        problem="满意度低",
        measure="培训",
        department="客服部",
        owner=manager,
        deadline=timezone.localdate() - dt.timedelta(days=1),
        kpi="satisfaction",
    )
    daily("satisfaction", timezone.localdate() - dt.timedelta(days=2), 3, 4)
    client = login(quality_user)
    html = client.get(reverse("management:plan_detail", args=[plan.pk])).content.decode()
    assert "75.0 %" in html and "overdue" in html and 'data-action="start"' in html
    client.post(reverse("management:plan_transition", args=[plan.pk, "start"]))
    assert Plan.objects.get().status == PlanStatus.IN_PROGRESS and Plan.objects.get().baseline_value == 75.0
    client.post(reverse("management:plan_transition", args=[plan.pk, "cancel"]), {"reason": ""})
    assert Plan.objects.get().status == PlanStatus.IN_PROGRESS  # a reason is required
    assert client.get(reverse("management:plan_list"), {"overdue": "1"}).content.decode().count("data-plan=") == 1
    assert login(quality_user).get(reverse("management:scorecards")).status_code == 403


def test_plan_from_an_unknown_complaint_is_a_field_error(manager):
    r = login(manager).post(
        reverse("management:plan_create"),
        {
            "problem": "p",
            "measure": "m",
            "department": "d",
            "owner": manager.pk,
            "deadline": "2027-01-31",
            "kpi": "satisfaction",
            "period_days": "30",
            "complaint_number": "TS-NOPE",
        },
    )
    assert r.status_code == 400 and "No such complaint." in r.content.decode() and not Plan.objects.exists()


def test_list_pages_pin_their_queries(manager, django_assert_max_num_queries, schemes):
    for i in range(5):
        plan_create(
            actor=manager,
            problem=f"p{i}",
            measure="m",
            department="d",
            owner=manager,
            deadline=timezone.localdate(),
            kpi="satisfaction",
        )
    client = login(manager)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("management:plan_list")).status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(reverse("management:scorecards")).status_code == 200


# --- reports ---------------------------------------------------------------------------------------


def test_report_page_polls_until_done(manager, django_capture_on_commit_callbacks):
    client = login(manager)
    from aftersales.management.services import report_request

    report = report_request(actor=manager, month=LAST_MONTH)  # on_commit not run: still queued
    frag = client.get(reverse("management:report_progress", args=[report.pk]), headers={"HX-Request": "true"})
    assert 'hx-trigger="every 2s"' in frag.content.decode() and "HX-Refresh" not in frag
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("management:report_create"), {"month": f"{LAST_MONTH:%Y-%m}", "language": "en"})
    done = Report.objects.filter(status=ReportStatus.DONE).get()
    assert r["Location"] == reverse("management:report_detail", args=[done.pk])
    frag = client.get(reverse("management:report_progress", args=[done.pk]) + "?was=running")
    assert frag["HX-Refresh"] == "true"
    html = client.get(r["Location"]).content.decode()
    assert 'id="download-pdf"' in html and 'id="report-headline"' in html
    pdf = client.get(reverse("management:report_pdf", args=[done.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert client.get(reverse("management:report_pdf", args=[report.pk])).status_code == 404  # not made yet
    assert client.post(reverse("management:report_create"), {"month": "2099-01"}).status_code == 302
    assert Report.objects.count() == 2


# --- API -------------------------------------------------------------------------------------------


def test_api_schemes(manager, qm, agent):
    line = {"kpi": "satisfaction", "weight": 60, "method": "linear", "floor": 60, "target": 90}
    body = {"name": "试行", "role": "agent", "lines": [line, {**line, "kpi": "followup_rate", "weight": 30}]}
    bad = post_json(login(manager), "/api/management/schemes", body)
    assert bad.status_code == 400 and "weights" in bad.json()["fields"]
    body["lines"][1]["weight"] = 40
    ok = post_json(login(manager), "/api/management/schemes", body)
    assert ok.status_code == 201, ok.content
    assert [ln["weight"] for ln in ok.json()["lines"]] == [60, 40]
    assert post_json(login(qm), "/api/management/schemes", body).status_code == 403
    assert login(agent).get("/api/management/schemes").status_code == 403
    sid = ok.json()["id"]
    patched = post_json(login(manager), f"/api/management/schemes/{sid}", {"is_active": False}, method="patch")
    assert patched.status_code == 200 and patched.json()["is_active"] is False


def test_api_runs(manager, tech, schemes):
    client = login(manager)
    r = post_json(
        client, "/api/management/runs", {"scheme_id": schemes["technician"].pk, "month": f"{LAST_MONTH:%Y-%m}"}
    )
    assert r.status_code == 200, r.content
    run = r.json()
    (score,) = [s for s in run["scores"] if s["person_id"] == tech.pk]
    assert score["total"] == "78.57" and score["lines"][0]["kpi"] == "satisfaction"  # 40 + 15 of 70
    assert post_json(client, f"/api/management/runs/{run['id']}/approve", {}).json()["status"] == "approved"
    assert post_json(client, f"/api/management/runs/{run['id']}/approve", {}).status_code == 409
    again = post_json(
        client, "/api/management/runs", {"scheme_id": schemes["technician"].pk, "month": f"{LAST_MONTH:%Y-%m}"}
    )
    assert again.status_code == 409
    assert (
        post_json(
            client, "/api/management/runs", {"scheme_id": schemes["technician"].pk, "month": "2026-13"}
        ).status_code
        == 400
    )
    history = client.get(f"/api/management/people/{tech.pk}/scorecards").json()
    assert history[0]["status"] == "approved" and history[0]["total"] == "78.57"


def test_api_plans(manager):
    client = login(manager)
    body = {
        "problem": "满意度低",
        "measure": "培训",
        "department": "客服部",
        "owner_id": manager.pk,
        "deadline": "2027-01-31",
        "kpi": "satisfaction",
        "filters": {"region": 3},
    }
    r = post_json(client, "/api/management/plans", body)
    assert r.status_code == 201, r.content
    plan = r.json()
    assert plan["filters"] == {"region": 3} and plan["baseline"] is None
    daily("satisfaction", timezone.localdate() - dt.timedelta(days=3), 1, 2, region=3)
    started = post_json(client, f"/api/management/plans/{plan['id']}/transition", {"action": "start"})
    assert started.json()["baseline"] == 50.0 and started.json()["status"] == "in_progress"
    bad = post_json(client, f"/api/management/plans/{plan['id']}/transition", {"action": "cancel"})
    assert bad.status_code == 400
    fixed = post_json(client, f"/api/management/plans/{plan['id']}", {"kpi": "resolution_rate"}, method="patch")
    assert fixed.status_code == 400 and "kpi" in fixed.json()["fields"]
    assert post_json(client, "/api/management/plans", {**body, "baseline": 10}).status_code == 422  # never typed
    figures = client.get(f"/api/management/plans/{plan['id']}/figures").json()
    assert figures["baseline_measured"] is True and figures["baseline"] == 50.0


def test_api_reports(manager, technician, django_capture_on_commit_callbacks):
    client = login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        r = post_json(client, "/api/management/reports", {"month": f"{LAST_MONTH:%Y-%m}", "language": "en"})
    assert r.status_code == 201, r.content
    rid = r.json()["id"]
    got = client.get(f"/api/management/reports/{rid}").json()
    assert got["status"] == "done" and got["progress"] == 100
    assert client.get(f"/api/management/reports/{rid}/content").json()["month"] == f"{LAST_MONTH:%Y-%m}"
    assert client.get(f"/api/management/reports/{rid}/pdf").content.startswith(b"%PDF")
    assert login(technician).get("/api/management/reports").status_code == 403


def test_plan_from_an_inspection(manager, technician):
    from aftersales.field.tests.factories import field_job, visit_complete
    from aftersales.quality.services import inspection_create

    job = field_job(technician, manager)
    visit_complete(job)
    from aftersales.field.models import Visit

    inspection = inspection_create(actor=manager, visit=Visit.objects.get(request=job.request))
    client = login(manager)
    form = client.get(reverse("management:plan_create"), {"inspection": inspection.pk}).content.decode()
    assert f'<option value="{inspection.pk}" selected>' in form
    r = client.post(
        reverse("management:plan_create"),
        {
            "problem": "上门未穿鞋套",
            "measure": "复训上门规范",
            "department": "技术部",
            "owner": manager.pk,
            "deadline": "2027-01-31",
            "kpi": "norm_compliance",
            "period_days": "30",
            "technician": str(technician.pk),
            "inspection": str(inspection.pk),
        },
    )
    assert r.status_code == 302, r.content.decode()[:500]
    plan = Plan.objects.get()
    assert (
        plan.origin == "inspection" and plan.inspection == inspection and plan.filters == {"technician": technician.pk}
    )


def test_raise_a_plan_from_a_complaint_and_an_inspection_page(manager, technician, agent, make_user):
    """The complaint's and the inspection's own pages offer "Raise a plan" to the people who may raise
    one; the link opens the plan form starting from that complaint or inspection."""
    from aftersales.complaints.tests.factories import make_complaint
    from aftersales.field.models import Visit
    from aftersales.field.tests.factories import field_job, visit_complete
    from aftersales.quality.services import inspection_create

    job = field_job(technician, manager)
    visit_complete(job)
    complaint = make_complaint(make_user(Role.QUALITY), request=job.request, customer=job.customer)
    inspection = inspection_create(actor=manager, visit=Visit.objects.get(request=job.request))
    client = login(manager)
    for page, expect, form_mark in (
        (
            reverse("complaints:detail", args=[complaint.pk]),
            f"complaint={complaint.number}",
            f'value="{complaint.number}"',
        ),
        (
            reverse("quality:inspection_detail", args=[inspection.pk]),
            f"inspection={inspection.pk}",
            f'<option value="{inspection.pk}" selected>',
        ),
    ):
        html = client.get(page).content.decode()
        link = re.search(r'id="raise-plan" href="([^"]+)"', html).group(1).replace("&amp;", "&")
        assert expect in link
        assert form_mark in client.get(link).content.decode()
    # Who may not raise a plan sees no button: the agent on the complaint, the technician on his inspection.
    assert 'id="raise-plan"' not in login(agent).get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    page = login(technician).get(reverse("quality:inspection_detail", args=[inspection.pk]))
    assert page.status_code == 200 and 'id="raise-plan"' not in page.content.decode()
