"""End to end in headless Chromium.

- Desktop (1440×900, Chinese): a manager opens last month's draft run, approves it and opens a
  technician's scorecard (trend across runs); raises an improvement plan from the KPI dashboard;
  makes the monthly report and downloads its PDF.
- Every main page at 1440×900 and 390×844 in Chinese and English.

Screenshots go to /work/wt/notes/shots/mgmt/.
"""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.management.choices import RunStatus
from aftersales.management.models import Plan, Report, Run
from aftersales.management.periods import month_add, month_first

from .helpers import daily
from .world import seed_default_schemes

SHOTS = Path("/work/wt/notes/shots/mgmt")
PASSWORD = "pw-Test-123"  # set by UserFactory
DESKTOP = {"viewport": {"width": 1440, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
THIS = month_first(timezone.localdate())
LAST = month_add(THIS, -1)
NAMES = [("张", "伟"), ("王", "强"), ("刘", "洋"), ("陈", "静")]


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def login(browser, url, user, *, locale, path, **device):
    context = browser.new_context(locale=locale, accept_downloads=True, **device)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{url}/accounts/login/?next={path}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(path.split("?")[0])))
    return page


def scene(manager, make_user):
    """Four technicians and two agents with three months of figures; the two months before last
    approved, last month a draft; two improvement plans."""
    from aftersales.customers.models import Region
    from aftersales.management.models import Scheme
    from aftersales.management.services import plan_create, plan_transition, run_approve, run_compute

    seed_default_schemes()
    east = Region.objects.create(code="E", name="华东")
    techs = [make_user(Role.TECHNICIAN, last_name=last, first_name=first) for last, first in NAMES]
    agents = [
        make_user(Role.AGENT, last_name="李", first_name="小梅"),
        make_user(Role.AGENT, last_name="赵", first_name="敏"),
    ]
    for m, month in enumerate((month_add(LAST, -2), month_add(LAST, -1), LAST)):
        day = month + dt.timedelta(days=9)
        for i, t in enumerate(techs):
            daily("satisfaction", day, 14 + i + m, 20, technician=t.pk, region=east.pk)
            daily("appointment_contact_on_time", day, 15 + 2 * m - i, 20, technician=t.pk)
            daily("resolution_rate", day, 16 + m - i, 20, technician=t.pk)
        for i, a in enumerate(agents):
            daily("satisfaction", day, 15 + m - i, 20, agent=a.pk)
            daily("handled_within_5min", day, 16 + m - 2 * i, 20, agent=a.pk)
            daily("attitude_rate", day, 17 + m - i, 20, agent=a.pk)
    for scheme in Scheme.objects.all():
        for month in (month_add(LAST, -2), month_add(LAST, -1)):
            run_approve(actor=manager, run=run_compute(actor=manager, scheme=scheme, month=month))
        run_compute(actor=manager, scheme=scheme, month=LAST)
    today = timezone.localdate()
    done = plan_create(
        actor=manager,
        problem="华东区满意率低于目标",
        measure="上门前电话确认，完工后讲解保养要点",
        department="售后服务部",
        owner=manager,
        deadline=today - dt.timedelta(days=15),
        kpi="satisfaction",
        filters={"region": east.pk},
        period_days=30,
    )
    plan_transition(actor=manager, plan=done, action="start", today=LAST + dt.timedelta(days=12))
    plan_transition(actor=manager, plan=done, action="complete", today=today - dt.timedelta(days=1))
    plan_create(
        actor=manager,
        problem="24 小时预约联系率偏低",
        measure="派工后 2 小时内电话预约",
        department="调度中心",
        owner=manager,
        deadline=today - dt.timedelta(days=3),
        kpi="appointment_contact_on_time",
    )
    return techs, east


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_manager_approves_raises_a_plan_and_downloads_the_report(browser, live_server, manager, make_user):
    techs, east = scene(manager, make_user)
    run = Run.objects.get(month=LAST, scheme__role="technician")
    page = login(browser, live_server.url, manager, locale="zh-CN", path="/management/", **DESKTOP)
    shot(page, "scorecards-desktop-zh")
    page.click(f'#runs tr[data-run="{run.pk}"] a')
    page.wait_for_selector("#approve-form")
    shot(page, "run-draft-desktop-zh")
    page.click("#approve-form button")
    page.wait_for_selector("#run-status .bi-lock")
    assert Run.objects.get(pk=run.pk).status == RunStatus.APPROVED
    shot(page, "run-approved-desktop-zh")
    page.click(f'#ranking tr[data-person="{techs[3].pk}"] a[href^="/management/people/"]')
    page.wait_for_selector("#score-trend canvas")
    assert page.locator("[data-run]").count() == 3
    shot(page, "person-desktop-zh")

    # Raise a plan from the KPI dashboard, with its measure and filters.
    page.goto(f"{live_server.url}/kpis/?region={east.pk}&k=satisfaction")
    page.click("#raise-plan")
    page.wait_for_selector("#plan-form")
    assert page.locator("#id_kpi").input_value() == "satisfaction"
    assert page.locator("#id_region").input_value() == str(east.pk)
    page.fill("#id_problem", "华东区满意率仍低于 90 %")
    page.fill("#id_measure", "每周抽查 10 单服务录音，问题师傅复训")
    page.fill("#id_department", "售后服务部")
    page.select_option("#id_owner", str(manager.pk))
    shot(page, "plan-form-desktop-zh")
    page.click("#plan-form button[type=submit]")
    page.wait_for_selector("#plan-effect")
    plan = Plan.objects.get(problem="华东区满意率仍低于 90 %")
    assert plan.origin == "dashboard" and plan.filters == {"region": east.pk}
    page.click('[data-action="start"]')
    page.wait_for_selector("#plan-status")
    shot(page, "plan-detail-desktop-zh")

    # The monthly report: made by the worker (inline under test), kept, downloaded.
    page.goto(f"{live_server.url}/management/reports/")
    page.select_option("#id_month", f"{LAST:%Y-%m}")
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#download-pdf")
    shot(page, "report-desktop-zh")
    with page.expect_download() as info:
        page.click("#download-pdf")
    path = info.value.path()
    assert Path(path).read_bytes().startswith(b"%PDF")
    assert Report.objects.get().status == "done"
    page.context.close()


PAGES = [
    ("scorecards", "/management/"),
    ("run", "RUN"),
    ("person", "PERSON"),
    ("plans", "/management/plans/"),
    ("plan", "PLAN"),
    ("report", "REPORT"),
    ("kpis", "/kpis/?k=satisfaction"),
]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "locale, lang, device, dname",
    [("zh-CN", "zh", PHONE, "phone"), ("en-US", "en", PHONE, "phone"), ("en-US", "en", DESKTOP, "desktop")],
)
def test_pages_on_a_phone_and_a_desktop(browser, live_server, manager, make_user, locale, lang, device, dname):
    from aftersales.management.services import report_run_now

    techs, _east = scene(manager, make_user)
    report = report_run_now(month=LAST, actor=manager, language="zh-hans" if lang == "zh" else "en")
    urls = {
        "RUN": f"/management/runs/{Run.objects.get(month=LAST, scheme__role='technician').pk}/",
        "PERSON": f"/management/people/{techs[0].pk}/",
        "PLAN": f"/management/plans/{Plan.objects.order_by('pk').first().pk}/",
        "REPORT": f"/management/reports/{report.pk}/",
    }
    page = login(browser, live_server.url, manager, locale=locale, path="/management/", **device)
    for name, path in PAGES:
        page.goto(live_server.url + urls.get(path, path))
        page.wait_for_load_state("networkidle")
        if name == "person":
            page.wait_for_selector("#score-trend canvas")
        # Nothing wider than the screen on a phone.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{name} is {overflow}px wider than the screen"
        shot(page, f"{name}-{dname}-{lang}")
    page.context.close()
