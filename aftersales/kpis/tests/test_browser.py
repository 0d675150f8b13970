"""End to end in headless Chromium: a manager opens the KPI dashboard, clicks a region's bar and
lands on the requests behind it. Screenshots of the dashboard at 1440×900 and 390×844, in
Chinese and English, go to /work/wt/notes/shots/kpis/."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone

from aftersales.accounts.choices import Role

SHOTS = Path("/work/wt/notes/shots/kpis")
PASSWORD = "pw-Test-123"  # set by UserFactory
DESKTOP = {"viewport": {"width": 1440, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def login(browser, url, user, *, locale, path="/kpis/", **device):
    context = browser.new_context(locale=locale, **device)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{url}/accounts/login/?next={path}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/kpis/"))
    page.wait_for_function("document.documentElement.dataset.kpiCharts === 'ready'")
    return page


def _scene(manager, technician, agent):
    from aftersales.customers.services import address_create, customer_create, region_create
    from aftersales.feedback.models import FollowUp
    from aftersales.feedback.services import followup_record
    from aftersales.feedback.tests.factories import GOOD
    from aftersales.field.tests.factories import field_job, visit_complete
    from aftersales.sla.models import FollowUpWindow
    from aftersales.sla.tests.calendars import seed_migration_data
    from aftersales.tickets.choices import ServiceType, Status
    from aftersales.tickets.tests.paths import drive_to, unique_phone

    if not FollowUpWindow.objects.exists():
        seed_migration_data()
    regions = [
        region_create(actor=manager, code="SH-PD", name="上海浦东", province="上海市", city="上海市"),
        region_create(actor=manager, code="BJ-CY", name="北京朝阳", province="北京市", city="北京市"),
    ]
    requests = {}
    for i, region in enumerate(regions):
        for n in range(2 + i):
            customer = customer_create(actor=manager, name=f"客户{i}{n}", phone=unique_phone())
            address = address_create(
                actor=manager,
                customer=customer,
                province=region.province,
                city=region.city,
                street=f"测试路{n}号",
                region=region,
                is_default=True,
            )
            sr = drive_to(
                Status.ACKNOWLEDGED,
                users={Role.MANAGER: manager},
                customer=customer,
                address=address,
                service_type=ServiceType.INSTALLATION if n % 2 else ServiceType.REPAIR,
            )
            requests.setdefault(region.pk, []).append(sr)
    for _ in range(2):
        job = field_job(technician, manager, in_warranty=True)
        visit_complete(job, now=timezone.now() - dt.timedelta(hours=3))
        followup_record(
            actor=manager, followup=FollowUp.objects.get(request=job.request), outcome="reached", answers=GOOD
        )
    drive_to(Status.CLOSED, users={Role.AGENT: agent}, service_type=ServiceType.CONSULTATION, description="如何清洗")
    return regions, requests


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_manager_drills_from_a_region_bar_to_its_requests(browser, live_server, manager, technician, agent):
    regions, requests = _scene(manager, technician, agent)
    beijing = regions[1]

    page = login(browser, live_server.url, manager, locale="zh-CN", **DESKTOP)
    assert page.locator("#kpi-cards [data-kpi]").count() >= 18
    shot(page, "dashboard-desktop-zh")
    # The region chart: click Beijing's bar where ECharts drew it.
    point = page.evaluate(
        """(name) => {
            const el = document.getElementById('breakdown-region');
            el.scrollIntoView({block: 'center', behavior: 'instant'});
            const chart = echarts.getInstanceByDom(el);
            const labels = chart.getOption().yAxis[0].data;
            const i = labels.indexOf(name);
            const values = chart.getOption().series[0].data;
            const [x, y] = chart.convertToPixel({seriesIndex: 0}, [values[i] / 2, i]);
            const box = el.getBoundingClientRect();
            return {x: box.left + x, y: box.top + y};
        }""",
        beijing.name,
    )
    page.mouse.click(point["x"], point["y"])
    page.wait_for_url(re.compile(rf"/kpis/volume/rows\?.*region={beijing.pk}"))
    numbers = page.locator("#kpi-rows tbody td:first-child a").all_inner_texts()
    assert sorted(numbers) == sorted(sr.number for sr in requests[beijing.pk])
    assert beijing.name in page.locator("[data-filter]").first.inner_text()
    shot(page, "rows-desktop-zh")
    page.locator("#kpi-rows tbody td:first-child a").first.click()
    page.wait_for_url(re.compile(r"/requests/\d+/"))

    page = login(browser, live_server.url, manager, locale="en-US", path="/kpis/?k=satisfaction", **DESKTOP)
    shot(page, "dashboard-desktop-en")
    page = login(browser, live_server.url, manager, locale="zh-CN", **PHONE)
    shot(page, "dashboard-phone-zh")
    page = login(browser, live_server.url, manager, locale="en-US", **PHONE)
    shot(page, "dashboard-phone-en")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_technician_sees_his_own_figures(browser, live_server, manager, technician, agent):
    _scene(manager, technician, agent)
    context = browser.new_context(locale="zh-CN", **PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/kpis/me/")
    page.fill("#id_username", technician.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/kpis/me/"))
    assert page.locator("#me-figures [data-kpi=first_time_fix]").count() == 1
    shot(page, "me-technician-phone-zh")
