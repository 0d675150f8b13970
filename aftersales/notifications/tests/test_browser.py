"""The same events read in each reader's language, in headless Chromium: a request escalated
by the SLA sweep (notes, priority raised, notifications) is opened by the same supervisor
in an English browser and in a Chinese one. Everything the system wrote reads in English
in the first and in Chinese in the second.

Screenshots go to /tmp/shots/i18n-*.png."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.customers.services import customer_create
from aftersales.sla.escalation import sla_sweep
from aftersales.sla.services import sla_refresh
from aftersales.sla.tests.calendars import seed_migration_data
from aftersales.tickets.services import request_create

SHOTS = Path("/tmp/shots")
PASSWORD = "pw-Test-123"  # set by UserFactory
H = dt.timedelta(hours=1)


@pytest.fixture
def escalated(transactional_db, agent, make_user, settings):
    settings.LANGUAGE_CODE = "zh-hans"  # the product default: the worker runs in Chinese
    seed_migration_data()
    supervisor = make_user(Role.DISPATCHER, last_name="赵", first_name="主管")
    customer = customer_create(actor=agent, name="王建国", phone="13800138001")
    request = request_create(
        actor=agent,
        customer=customer,
        channel="phone",
        service_type="consultation",
        description="空调不制冷。",
        now=timezone.now() - 27 * H,  # first response due 24 h after: breached 3 h ago
    )
    sla_refresh(request.pk)
    sla_sweep()  # level 1 (tell the supervisors), level 2 (priority → high)
    return supervisor, request


def _page(browser, live_server, user, locale):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale=locale)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/?next=/notifications/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/notifications/$"))
    return page


CJK = re.compile(r"[\u4e00-\u9fff]")


def _without_names(text: str) -> str:
    """The text without people's names (data, not text written by the system)."""
    from aftersales.accounts.models import User

    for user in User.objects.all():
        text = text.replace(user.display_name, "")
    return text.replace("王建国", "")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_timeline_and_notifications_in_each_readers_language(browser, live_server, escalated):
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    supervisor, request = escalated

    # English
    page = _page(browser, live_server, supervisor, "en-US")
    inbox = page.locator("#notifications")
    expect(inbox.locator(".list-group-item")).to_have_count(2)
    expect(inbox).to_contain_text("SLA escalation level 2 (Level 2: supervisor): First response overdue by 3 h since")
    expect(inbox).to_contain_text("SLA escalation level 1 (Level 1: agent and supervisor)")
    expect(inbox).to_contain_text("priority Normal → High")
    texts = inbox.locator(".text-break").all_inner_texts()
    assert not any(CJK.search(_without_names(t)) for t in texts), texts
    page.screenshot(path=str(SHOTS / "i18n-notifications-en.png"), full_page=True)
    inbox.locator(f"a[href='/requests/{request.pk}/']").first.click()
    page.wait_for_url(re.compile(rf"/requests/{request.pk}/$"))
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("SLA escalation level 1 (Level 1: agent and supervisor)")
    expect(timeline).to_contain_text("Priority: Normal → High")
    expect(timeline).to_contain_text("SLA system")
    panel = page.locator("#sla-panel")
    expect(panel).to_contain_text("Default: first response within 24 h")
    expect(panel).to_contain_text("matched: any request; 0 criteria")
    for text in timeline.locator("li").all_inner_texts():
        assert not CJK.search(_without_names(text)), text
    page.screenshot(path=str(SHOTS / "i18n-timeline-en.png"), full_page=True)

    # Chinese: the same rows
    page = _page(browser, live_server, supervisor, "zh-CN")
    inbox = page.locator("#notifications")
    expect(inbox.locator(".list-group-item")).to_have_count(2)
    expect(inbox).to_contain_text("SLA 2 级升级（二级：主管）：首次响应自")
    expect(inbox).to_contain_text("SLA 1 级升级（一级：客服与主管）")
    expect(inbox).to_contain_text("优先级 普通 → 高")
    expect(inbox).to_contain_text("SLA 升级")  # the kind
    page.screenshot(path=str(SHOTS / "i18n-notifications-zh.png"), full_page=True)
    for leak in ("SLA escalation", "Level", "Normal", "High", "priority", "overdue", "notified"):
        expect(inbox).not_to_contain_text(leak)
    page.goto(f"{live_server.url}/requests/{request.pk}/")
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("SLA 1 级升级（一级：客服与主管）")
    expect(timeline).to_contain_text("优先级：普通 → 高")
    expect(timeline).to_contain_text("SLA 系统")
    panel = page.locator("#sla-panel")
    expect(panel).to_contain_text("默认：24 小时内首次响应")
    expect(panel).to_contain_text("匹配：任意工单")
    for leak in ("SLA escalation", "Level", "Director", "Normal", "High", "priority", "type=", "matched", "Default"):
        expect(timeline).not_to_contain_text(leak)
        expect(panel).not_to_contain_text(leak)
    page.screenshot(path=str(SHOTS / "i18n-timeline-zh.png"), full_page=True)
