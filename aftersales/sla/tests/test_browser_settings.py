"""The service standards edited in the app's own pages (issue 11), in headless Chromium: a
manager edits an SLA rule, a calendar (a holiday, a 调休 make-up working day, weekly hours)
and an escalation level, and watches the deadline preview follow each change.

Screenshots go to $SHOTS_DIR (default /tmp/shots/reqadmin)."""

import datetime as dt
import os
import re
from pathlib import Path

import pytest

from aftersales.accounts.choices import Role
from aftersales.core.models import AuditEvent
from aftersales.sla.models import Calendar, CalendarDay, EscalationLevel, SlaPolicy

from .calendars import seed_migration_data

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots/reqadmin"))
PASSWORD = "pw-Test-123"  # set by UserFactory
H = dt.timedelta(hours=1)


@pytest.fixture
def manager_page(browser, live_server, transactional_db, make_user):
    seed_migration_data()
    manager = make_user(Role.MANAGER)
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-US")
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/?next=/sla/rules/")
    page.fill("#id_username", manager.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/sla/rules/$"))
    SHOTS.mkdir(parents=True, exist_ok=True)
    return page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_manager_edits_a_rule_with_the_preview(manager_page, live_server):
    from playwright.sync_api import expect

    page = manager_page
    urgent = SlaPolicy.objects.get(priority="urgent")
    page.locator(f'#rule-list tr[data-rule="{urgent.pk}"] a').first.click()
    page.wait_for_url(re.compile(rf"/sla/rules/{urgent.pk}/$"))
    page.fill("#preview-received", "2026-03-06T17:00")  # a Friday
    preview = page.locator("#rule-preview")
    expect(preview.locator('[data-target="first_response"] [data-due]')).to_have_attribute(
        "data-due", "2026-03-06 18:00"
    )

    # 2 hours: the preview follows before anything is saved
    page.fill("#id_first_response_0", "2")
    expect(preview.locator('[data-target="first_response"] [data-due]')).to_have_attribute(
        "data-due", "2026-03-06 19:00"
    )
    # on working time: 1 h on Friday, 1 h on Monday morning
    page.check("#id_first_response_business")
    expect(preview.locator('[data-target="first_response"] [data-due]')).to_have_attribute(
        "data-due", "2026-03-09 10:00"
    )
    # a resolution target appears in the preview as soon as it is typed
    page.fill("#id_resolution_0", "3")
    page.select_option("#id_resolution_1", "d")
    expect(preview.locator('[data-target="resolution"] [data-due]')).to_have_attribute("data-due", "2026-03-09 17:00")
    assert SlaPolicy.objects.get(pk=urgent.pk).first_response == H  # nothing saved yet
    page.screenshot(path=str(SHOTS / "test-rule-edit-en-desktop.png"), full_page=True)

    # bad input: refused, said why, nothing changed
    page.fill("#id_first_response_0", "0")
    page.click("#rule-save")
    expect(page.locator("#rule-form")).to_contain_text("A target must be longer than zero.")
    assert SlaPolicy.objects.get(pk=urgent.pk).first_response == H
    page.fill("#id_first_response_0", "2")
    page.click("#rule-save")
    page.wait_for_url(re.compile(r"/sla/rules/$"))
    expect(page.locator(".alert-success")).to_contain_text("saved")
    expect(page.locator(f'#rule-list tr[data-rule="{urgent.pk}"]')).to_contain_text("2 h of working time")
    urgent.refresh_from_db()
    assert (urgent.first_response, urgent.first_response_business, urgent.resolution) == (2 * H, True, 72 * H)
    assert AuditEvent.objects.filter(action="sla.policy_update", object_id=str(urgent.pk)).exists()

    # deactivate from the list
    page.locator(f'#rule-list tr[data-rule="{urgent.pk}"] button:has-text("Deactivate")').click()
    expect(page.locator(f'#rule-list tr[data-rule="{urgent.pk}"]')).to_contain_text("inactive")
    assert not SlaPolicy.objects.get(pk=urgent.pk).is_active


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_manager_edits_a_calendar_with_the_preview(manager_page, live_server):
    from playwright.sync_api import expect

    page = manager_page
    standard = Calendar.objects.get(code="standard")
    page.click('.nav-tabs a[href="/sla/calendars/"]')
    page.locator(f'[data-calendar="standard"] a[href="/sla/calendars/{standard.pk}/"]').first.click()
    page.wait_for_url(re.compile(rf"/sla/calendars/{standard.pk}/$"))

    def due_after(hours):
        return page.locator(f'#calendar-deadlines [data-duration="{hours * 3600}"] [data-due]')

    page.fill("#preview-received", "2026-03-06T17:00")  # Friday 17:00
    expect(due_after(4)).to_have_attribute("data-due", "2026-03-09 12:00")  # 1 h Friday, 3 h Monday

    # a company holiday on Monday moves it to Tuesday
    page.fill("#id_day-date", "2026-03-09")
    page.select_option("#id_day-kind", "holiday")
    page.fill("#id_day-name", "公司年会")
    page.click("#day-save")
    page.wait_for_url(re.compile(r"year=2026"))
    expect(page.locator('#day-list tr[data-date="2026-03-09"]')).to_contain_text("公司年会")
    page.fill("#preview-received", "2026-03-06T17:00")
    expect(due_after(4)).to_have_attribute("data-due", "2026-03-10 12:00")

    # a 调休 make-up Saturday brings it back to the weekend
    page.fill("#id_day-date", "2026-03-07")
    page.select_option("#id_day-kind", "workday")
    page.fill("#id_day-name", "调休上班")
    page.click("#day-save")
    page.wait_for_url(re.compile(r"year=2026"))
    page.fill("#preview-received", "2026-03-06T17:00")
    expect(due_after(4)).to_have_attribute("data-due", "2026-03-07 12:00")
    expect(page.locator('#calendar-days-ahead [data-date="2026-03-07"]')).to_have_attribute("data-working", "1")
    expect(page.locator('#calendar-days-ahead [data-date="2026-03-09"]')).to_have_attribute("data-working", "0")
    assert CalendarDay.objects.get(calendar=standard, date=dt.date(2026, 3, 7)).kind == "workday"

    # a bad day: refused with the reason, nothing written
    page.fill("#id_day-date", "2026-03-14")
    page.select_option("#id_day-kind", "holiday")
    page.fill("#id_day-periods", "09:00-12:00")
    page.click("#day-save")
    expect(page.locator("#day-form")).to_contain_text("A holiday has no working hours.")
    assert not CalendarDay.objects.filter(calendar=standard, date=dt.date(2026, 3, 14)).exists()

    # weekly hours typed but not saved: the preview follows at once
    # (the moment comes in the address: a fill right after the page loads can race htmx's start)
    page.goto(f"{live_server.url}/sla/calendars/{standard.pk}/?received_at=2026-03-13T17:00")  # the next Friday
    expect(page.locator("#preview-received")).to_have_value("2026-03-13T17:00")
    expect(due_after(4)).to_have_attribute("data-due", "2026-03-16 12:00")
    page.fill("#id_weekday_5", "09:00-18:00")
    expect(due_after(4)).to_have_attribute("data-due", "2026-03-14 12:00")
    page.screenshot(path=str(SHOTS / "test-calendar-edit-en-desktop.png"), full_page=True)
    page.fill("#id_weekday_5", "18:00-09:00")
    page.click("#calendar-save")
    expect(page.locator("#calendar-form")).to_contain_text("a shift must start before it ends")
    assert not standard.periods.filter(weekday=5).exists()
    page.fill("#id_weekday_5", "09:00-18:00")
    page.click("#calendar-save")
    expect(page.locator(".alert-success")).to_be_visible()
    assert standard.periods.filter(weekday=5).count() == 1
    actions = set(AuditEvent.objects.filter(object_type="sla.calendar").values_list("action", flat=True))
    assert {"sla.calendar_day_save", "sla.calendar_update"} <= actions


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_manager_edits_the_escalation_matrix_with_the_preview(manager_page, live_server):
    from playwright.sync_api import expect

    page = manager_page
    level = EscalationLevel.objects.get(level=2, kind="")
    page.click('.nav-tabs a[href="/sla/escalation/"]')
    page.wait_for_url(re.compile(r"/sla/escalation/$"))
    page.fill("#id_preview-received_at", "2026-03-09T09:00")
    schedule = page.locator("#level-schedule")
    # the default rule: due 24 h later; level 2 two hours after the breach
    expect(schedule.locator('[data-level="2"] [data-at]')).to_have_attribute("data-at", "2026-03-10 11:00")
    page.screenshot(path=str(SHOTS / "test-levels-en-desktop.png"), full_page=True)

    page.locator(f'#level-list a[href="/sla/escalation/{level.pk}/"]').first.click()
    page.wait_for_url(re.compile(rf"/sla/escalation/{level.pk}/$"))
    page.fill("#id_preview-received_at", "2026-03-09T09:00")
    expect(page.locator('#level-schedule [data-level="2"] [data-at]')).to_have_attribute("data-at", "2026-03-10 11:00")
    page.fill("#id_delay_0", "30")
    page.select_option("#id_delay_1", "min")
    expect(page.locator('#level-schedule [data-level="2"] [data-at]')).to_have_attribute("data-at", "2026-03-10 09:30")
    assert EscalationLevel.objects.get(pk=level.pk).delay == 2 * H  # not saved yet
    page.screenshot(path=str(SHOTS / "test-level-edit-en-desktop.png"), full_page=True)

    # a level number another row has: refused, nothing changed
    page.fill("#id_level", "1")
    page.click("#level-save")
    expect(page.locator("#level-form")).to_contain_text("already has a row for this level")
    assert EscalationLevel.objects.get(pk=level.pk).level == 2
    page.fill("#id_level", "2")
    page.click("#level-save")
    page.wait_for_url(re.compile(r"/sla/escalation/$"))
    expect(page.locator('#level-list tr[data-level="2"][data-kind=""]')).to_contain_text("30 min")
    assert EscalationLevel.objects.get(pk=level.pk).delay == dt.timedelta(minutes=30)
    # switch it off: the preview no longer lists it
    page.locator('#level-list tr[data-level="2"][data-kind=""] button:has-text("Switch off")').click()
    expect(page.locator('#level-list tr[data-level="2"][data-kind=""]')).to_contain_text("inactive")
    expect(page.locator('#level-schedule [data-level="2"]')).to_have_count(0)
    assert AuditEvent.objects.filter(action="sla.escalation_level_deactivate").exists()
