"""SLA pages in headless Chromium, in Chinese, as a supervisor (dispatcher): the queue's time-left badges,
the request's targets and its escalation notes, at risk, breached, the escalation log,
the deadline preview and the notification inbox.

Screenshots (desktop 1366x900, and the queue on a 390x844 phone) go to /tmp/shots/sla-*.png.
"""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.customers.services import address_create, customer_create
from aftersales.sla.escalation import sla_sweep
from aftersales.sla.services import sla_refresh
from aftersales.tickets.services import request_create, request_transition

from .calendars import seed_migration_data

SHOTS = Path("/tmp/shots")
PASSWORD = "pw-Test-123"  # set by UserFactory
H = dt.timedelta(hours=1)
MIN = dt.timedelta(minutes=1)


def _file(agent, name, phone, ago, *, region_class="urban", **kwargs):
    customer = customer_create(actor=agent, name=name, phone=phone)
    address_create(
        actor=agent,
        customer=customer,
        province="上海市",
        city="上海市",
        street="张杨路500号",
        region_class=region_class,
    )
    fields = dict(channel="phone", service_type="consultation", description="空调不制冷，室外机有异响。")
    fields.update(kwargs)
    request = request_create(actor=agent, customer=customer, now=timezone.now() - ago, **fields)
    sla_refresh(request.pk)
    return request


@pytest.fixture
def sla_data(transactional_db, agent, make_user, settings):
    # The sweep writes its timeline notes in the company's language, the product default.
    settings.LANGUAGE_CODE = "zh-hans"
    seed_migration_data()
    dispatcher = make_user(Role.DISPATCHER, last_name="赵", first_name="主管")
    manager = make_user(Role.MANAGER, last_name="钱", first_name="经理")
    risky = _file(agent, "王建国", "13800138001", 50 * MIN, priority="urgent")
    late = _file(agent, "李秀英", "13800138002", 3 * H, priority="urgent")
    repair = _file(agent, "张伟", "13800138003", 30 * H, service_type="repair")
    request_transition(actor=agent, request=repair, action="acknowledge", now=timezone.now() - 29 * H)
    sla_refresh(repair.pk)
    _file(agent, "刘洋", "13800138004", 2 * H, service_type="repair", region_class="remote")
    paused = _file(agent, "陈静", "13800138005", 3 * H, service_type="repair")
    request_transition(actor=agent, request=paused, action="acknowledge", now=timezone.now() - 170 * MIN)
    request_transition(
        actor=agent, request=paused, action="wait_customer", reason="客户出差", now=timezone.now() - 160 * MIN
    )
    sla_refresh(paused.pk)
    sla_sweep()
    return {"manager": manager, "dispatcher": dispatcher, "risky": risky, "late": late, "repair": repair}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_sla_pages(browser, live_server, sla_data):
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    supervisor, repair = sla_data["dispatcher"], sla_data["repair"]
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/?next=/requests/")
    page.fill("#id_username", supervisor.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/requests/$"))

    # the queue: one coloured badge per row; the unread count arrives in the nav
    table = page.locator("#queue-results table")
    expect(table.locator('[data-sla="breached"]')).to_have_count(2)
    expect(table.locator('[data-sla="warning"]')).to_have_count(1)
    expect(table.locator('[data-sla="paused"]')).to_have_count(1)
    expect(table.locator('[data-sla="ok"]')).to_have_count(1)
    expect(page.locator("#notification-count")).to_be_visible()
    page.screenshot(path=str(SHOTS / "sla-queue-desktop.png"), full_page=True)

    # the request: every target, the rule and why; the escalation notes on the timeline
    page.goto(f"{live_server.url}/requests/{repair.pk}/")
    panel = page.locator("#sla-panel")
    expect(panel.locator('[data-target="first_response"] [data-sla="met"]')).to_be_visible()
    expect(panel.locator('[data-target="arrival"] [data-sla="breached"]')).to_be_visible()
    expect(page.locator("#timeline")).to_contain_text("SLA 2 级升级")
    page.screenshot(path=str(SHOTS / "sla-detail-desktop.png"), full_page=True)

    page.click("nav >> text=SLA")
    page.wait_for_url(re.compile(r"/sla/at-risk/$"))
    expect(page.locator("#clock-list tbody tr")).to_have_count(1)
    page.screenshot(path=str(SHOTS / "sla-at-risk.png"), full_page=True)
    page.click(".nav-tabs a[href='/sla/breached/']")
    page.wait_for_url(re.compile(r"/sla/breached/$"))
    expect(page.locator("#clock-list tbody tr")).to_have_count(3)
    page.screenshot(path=str(SHOTS / "sla-breached.png"), full_page=True)

    page.goto(f"{live_server.url}/sla/escalations/")
    expect(page.locator("#escalation-list tbody tr").first).to_be_visible()
    page.locator('#level-counts [data-level="2"]').click()
    expect(page.locator('#escalation-list tbody tr[data-level="1"]')).to_have_count(0)
    expect(page.locator('#escalation-list tbody tr[data-level="2"]').first).to_be_visible()
    page.goto(f"{live_server.url}/sla/escalations/")
    page.screenshot(path=str(SHOTS / "sla-escalations.png"), full_page=True)

    # the preview: a repair for a ★★ customer in a remote district
    page.goto(f"{live_server.url}/sla/preview/")
    page.select_option("#id_service_type", "repair")
    page.select_option("#id_customer_tier", "2")
    page.select_option("#id_region_class", "remote")
    page.select_option("#id_channel", "wechat")
    page.fill("#id_filed_at", "2026-02-13T17:50")
    page.click("#preview-form button[type=submit]")
    expect(page.locator("#preview-table")).to_contain_text("2026-02-15 17:50")
    expect(page.locator('#preview-table [data-target="first_response"]')).to_contain_text("2026-02-14 09:20")
    page.screenshot(path=str(SHOTS / "sla-preview.png"), full_page=True)

    # the inbox, and marking everything read
    page.goto(f"{live_server.url}/notifications/")
    expect(page.locator("#notifications .list-group-item").first).to_be_visible()
    page.screenshot(path=str(SHOTS / "sla-notifications.png"), full_page=True)
    page.click("text=全部标为已读")
    expect(page.locator("#notifications .list-group-item-warning")).to_have_count(0)

    phone = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    phone.add_cookies(context.cookies())
    mobile = phone.new_page()
    mobile.set_default_timeout(15_000)
    mobile.goto(f"{live_server.url}/requests/")
    expect(mobile.locator('.queue-cards [data-sla="breached"]')).to_have_count(2)
    mobile.screenshot(path=str(SHOTS / "sla-queue-phone.png"), full_page=True)
