"""The main job in headless Chromium: a customer answers the survey on a phone (390×844) through
the link sent after the last unanswered call, with a low score; the remedy appears at once in the
quality team's worklist and in the manager's notifications. Then an agent records a reached call
with the survey on a desktop.

Screenshots go to /tmp/shots/feedback-*.png."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aftersales.accounts.choices import Role
from aftersales.feedback.models import Remedy, Survey
from aftersales.feedback.services import followup_record

from .factories import completed_request

SHOTS = Path("/tmp/shots")
PASSWORD = "pw-Test-123"  # set by UserFactory
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}


@pytest.fixture
def scene(transactional_db, make_user, settings):
    from aftersales.sla.tests.calendars import seed_migration_data

    seed_migration_data()  # the business calendar and the follow-up window (flushed between such tests)
    manager = make_user(Role.MANAGER, last_name="王", first_name="经理")
    quality = make_user(Role.QUALITY, last_name="周", first_name="质检")
    agent = make_user(Role.AGENT, last_name="李", first_name="小梅")
    technician = make_user(Role.TECHNICIAN, last_name="张", first_name="师傅")
    _request, followup = completed_request({Role.MANAGER: manager}, technician=technician)
    moment = followup.due_from
    for _ in range(3):
        followup = followup_record(actor=agent, followup=followup, outcome="no_answer", now=moment)
        moment = followup.next_call_at
    link = Survey.objects.get(followup=followup)
    _request2, waiting = completed_request({Role.MANAGER: manager}, technician=technician)
    return {"manager": manager, "quality": quality, "agent": agent, "link": link, "waiting": waiting}


def _login(browser, live_server, user, locale, viewport, next_url):
    context = browser.new_context(viewport=viewport, locale=locale)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(next_url) + "$"))
    return page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_customer_answers_low_on_a_phone_and_the_remedy_reaches_quality_and_the_manager(browser, live_server, scene):
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    link = scene["link"]

    # The customer, on a phone, in WeChat's browser (no login; a Chinese phone).
    context = browser.new_context(
        viewport=PHONE,
        locale="zh-CN",
        is_mobile=True,
        has_touch=True,
        user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2f) NetType/WIFI Language/zh_CN",
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/feedback/s/{link.token}/")
    expect(page.locator("h1")).to_have_text("服务满意吗？")
    form = page.locator("#survey-form")
    # Before a score is chosen no reason is offered; a low score offers the reasons of dissatisfaction.
    expect(page.locator(".reasons")).to_be_hidden()
    page.locator("label[for='s-overall-2']").click()
    expect(page.locator("label[for='s-reason-not_fixed']")).to_be_visible()
    expect(page.locator("label[for='s-reason-punctual']")).to_be_hidden()
    page.locator("label[for='s-reason-not_fixed']").click()
    for name, score in (("tangibles", 3), ("reliability", 1), ("responsiveness", 3), ("assurance", 3), ("empathy", 2)):
        page.locator(f"label[for='s-{name}-{score}']").click()
    page.locator("label[for='s-recommend-3']").click()
    page.fill("#s-comment", "修完第二天又坏了")
    page.screenshot(path=str(SHOTS / "feedback-survey-phone-zh.png"), full_page=True)
    # Nothing overflows the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    form.locator("button[type=submit]").click()
    expect(page.locator("#survey-thanks")).to_contain_text("谢谢！我们已收到您的回答")
    page.screenshot(path=str(SHOTS / "feedback-survey-phone-zh-thanks.png"), full_page=True)

    remedy = Remedy.objects.get(survey=link)
    assert remedy.kind == "return_visit"

    # The quality team's worklist.
    page = _login(browser, live_server, scene["quality"], "zh-CN", DESKTOP, "/feedback/remedies/")
    row = page.locator(f"#remedy-list [data-remedy='{remedy.number}']")
    expect(row).to_contain_text("返修")
    expect(row).to_contain_text(link.request.number)
    expect(row).to_contain_text("问题没解决")
    page.screenshot(path=str(SHOTS / "feedback-remedies-desktop-zh.png"), full_page=True)
    row.click()
    expect(page.locator("#remedy-why")).to_contain_text("可靠性 1 分（≤ 2）")

    # The manager's notifications (English browser: the same rows in his language).
    page = _login(browser, live_server, scene["manager"], "en-US", DESKTOP, "/notifications/")
    inbox = page.locator("#notifications")
    expect(inbox).to_contain_text("Remedy opened")
    expect(inbox).to_contain_text(
        f"{remedy.number}: Return visit for {link.request.number} after a dissatisfied answer"
    )
    page.screenshot(path=str(SHOTS / "feedback-notifications-desktop-en.png"), full_page=True)
    inbox.locator(f"a[href='/feedback/remedies/{remedy.pk}/']").first.click()
    page.wait_for_url(re.compile(rf"/feedback/remedies/{remedy.pk}/$"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_agent_records_a_reached_call_with_the_survey(browser, live_server, scene):
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    waiting = scene["waiting"]
    page = _login(browser, live_server, scene["agent"], "en-US", DESKTOP, "/feedback/?view=later")
    page.locator(f"#worklist [data-followup='{waiting.pk}']").click()
    expect(page.locator("#call-script")).to_contain_text(waiting.request.number)
    expect(page.locator("#call-survey")).to_be_hidden()  # until "reached" is chosen
    page.locator("label[for='outcome-reached']").click()
    expect(page.locator("#call-survey")).to_be_visible()
    page.locator("label[for='call-overall-5']").click()
    page.locator("label[for='call-reason-professional']").click()
    page.locator("label[for='call-recommend-10']").click()
    page.screenshot(path=str(SHOTS / "feedback-call-desktop-en.png"), full_page=True)
    page.locator("#call-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/feedback/$"))
    expect(page.locator(".alert-success")).to_contain_text("Recorded: Reached")
    waiting.refresh_from_db()
    assert waiting.status == "done" and waiting.survey.overall == 5 and waiting.survey.reasons == ["professional"]
