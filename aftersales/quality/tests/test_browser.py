"""End to end in headless Chromium.

- Desktop (1440×900, Chinese): a quality inspector searches the case library for 漏水, opens the
  case, adds a good case; opens a sampled inspection, records it with one failed norm, and sees
  the technician's compliance rate.
- Phone (390×844, English): the case library and a case.

Screenshots go to /work/wt/notes/shots/quality/.
"""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone

from aftersales.quality.models import Case, Inspection

from .factories import make_case

SHOTS = Path("/work/wt/notes/shots/quality")
PASSWORD = "pw-Test-123"  # set by UserFactory
DESKTOP = {"viewport": {"width": 1440, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def login(browser, url, user, *, locale, **device):
    context = browser.new_context(locale=locale, **device)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{url}/accounts/login/?next=/quality/cases/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/quality/cases/"))
    return page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_inspector_uses_the_case_library_and_records_an_inspection_on_a_desktop(
    browser, live_server, quality_user, technician, manager
):
    from aftersales.field.tests.factories import field_job, visit_complete
    from aftersales.quality.services import inspection_sample

    make_case(quality_user)
    make_case(quality_user, title="空调安装规范讲解", kind="good", summary="讲解到位", lessons="讲解", tags="讲解")
    visit_complete(field_job(technician, manager), now=timezone.now() - dt.timedelta(hours=3))
    now = timezone.now()
    inspection_sample(start=now - dt.timedelta(days=1), end=now, seed=1)
    inspection = Inspection.objects.get()

    page = login(browser, live_server.url, quality_user, locale="zh-CN", **DESKTOP)
    page.fill("#q", "漏水")
    page.click("#case-search button[type=submit]")
    page.wait_for_url(re.compile(r"q="))
    assert page.locator("#case-results article").count() == 1
    shot(page, "case-list-desktop-zh")
    page.click("#case-results article a.fw-semibold")
    page.wait_for_selector("#case-lessons")
    shot(page, "case-detail-desktop-zh")
    page.goto(f"{live_server.url}/quality/cases/new/")
    page.fill("#id_title", "雨天上门铺垫布")
    page.select_option("#id_kind", "good")
    page.fill("#id_summary", "雨天上门，师傅铺垫布并清理现场。")
    page.fill("#id_lessons", "雨天更要注意现场整洁。")
    page.fill("#id_tags", "上门规范, 现场整洁")
    shot(page, "case-form-desktop-zh")
    page.click("#case-form button[type=submit]")
    page.wait_for_selector("#case-lessons")
    assert Case.objects.filter(title="雨天上门铺垫布", tags=",上门规范,现场整洁,").exists()

    page.goto(f"{live_server.url}/quality/inspections/{inspection.pk}/")
    page.check("#record-form input[name=method][value=call]")
    for item in inspection.template.items.all():
        value = "0" if item.code == "shoe_covers" else "1"
        page.check(f"#record-form input[name=item_{item.pk}][value='{value}']")
    page.fill("#id_findings", "客户反映未穿鞋套")
    shot(page, "inspection-record-desktop-zh")
    page.click("#record-form button[type=submit]")
    page.wait_for_selector("#results")
    shot(page, "inspection-done-desktop-zh")
    page.goto(f"{live_server.url}/quality/inspections/")
    assert "90.9%" in page.locator("#compliance-table").inner_text()
    shot(page, "inspection-list-desktop-zh")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_case_library_on_a_phone(browser, live_server, quality_user):
    case = make_case(quality_user)
    page = login(browser, live_server.url, quality_user, locale="en", **PHONE)
    assert page.locator("#case-results article").count() == 1
    shot(page, "case-list-phone-en")
    page.goto(f"{live_server.url}/quality/cases/{case.pk}/")
    page.wait_for_selector("#case-lessons")
    shot(page, "case-detail-phone-en")
