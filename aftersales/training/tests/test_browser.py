"""End to end in headless Chromium: a quality manager plans a session, marks it held, records the
attendance and the exam scores, and closes it; the due list, a person's record and the
certifications follow.

- Desktop (1440×900, Chinese) and phone (390×844, English): the whole job.
- Every page also in the other language on each device (the overview, a session, a record,
  courses, certifications, a technician's "My training").

Screenshots go to /work/wt/notes/shots/training/.
"""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.quality.services import case_create, case_transition
from aftersales.tickets.choices import ServiceType
from aftersales.training.choices import CourseKind, Presence
from aftersales.training.models import Attendance, Course, Session

from .factories import closed_session, make_course, passed

SHOTS = Path("/work/wt/notes/shots/training")
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
    page.goto(f"{url}/accounts/login/?next=/training/me/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/training/me/"))
    return page


@pytest.fixture
def scene(make_user, qm):
    """Three technicians and an agent; a monthly philosophy course, a product course with an exam,
    a certifying course with one lapsed and one expiring certification; a published case."""
    techs = [
        make_user(Role.TECHNICIAN, last_name=last, first_name="师傅", username=f"t{n}")
        for n, last in enumerate(["张", "李", "王"], start=1)
    ]
    agent = make_user(Role.AGENT, last_name="刘", first_name="小梅")
    today = timezone.localdate()
    philosophy = make_course(qm, title="服务理念集体学习：顾客至上", audience=[Role.TECHNICIAN, Role.AGENT])
    product = make_course(
        qm, title="产品知识培训与考核", kind=CourseKind.PRODUCT, pass_score=70, audience=[Role.TECHNICIAN]
    )
    heater = make_course(
        qm,
        title="燃气热水器安装资质培训",
        kind=CourseKind.SKILLS,
        pass_score=80,
        audience=[Role.TECHNICIAN],
        certifies_service_type=ServiceType.INSTALLATION,
        validity_months=12,
    )
    closed_session(
        qm,
        philosophy,
        today - dt.timedelta(days=3),
        {techs[0]: (Presence.PRESENT, None), techs[1]: (Presence.PRESENT, None), agent: (Presence.PRESENT, None)},
    )
    passed(qm, philosophy, techs[2], today - dt.timedelta(days=45))  # overdue
    closed_session(
        qm, product, today - dt.timedelta(days=100), {t: (Presence.PRESENT, 80 + n) for n, t in enumerate(techs)}
    )
    passed(qm, heater, techs[0], today - dt.timedelta(days=30), score=92)
    passed(qm, heater, techs[1], today - dt.timedelta(days=350), score=85)  # expires within 30 days
    passed(qm, heater, techs[2], today - dt.timedelta(days=400), score=88)  # lapsed
    case = case_create(
        actor=qm,
        title="热水器底部漏水",
        kind="bad",
        summary="安装后第二天底部漏水。",
        lessons="安装后试水十分钟。",
    )
    case_transition(actor=qm, case=case, action="publish")
    return {"techs": techs, "agent": agent, "product": product, "case": case}


def plan_and_record(page, url, scene, *, suffix):
    """Plan a product-knowledge session two hours ago, mark it held, record attendance and scores, close."""
    techs = scene["techs"]
    page.goto(f"{url}/training/")
    page.wait_for_selector("#due-rows")
    shot(page, f"overview-{suffix}")
    page.click("#plan-session")
    page.wait_for_selector("#session-form")
    page.select_option("#id_course", str(scene["product"].pk))
    start = timezone.localtime() - dt.timedelta(hours=2)
    page.fill("#id_starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_duration_minutes", "90")
    page.fill("#id_place", "总部三楼培训室")
    page.check(f"#case-choices input[value='{scene['case'].pk}']")
    shot(page, f"session-plan-{suffix}")
    page.click("#session-form button[type=submit]")
    page.wait_for_selector("#action-hold")
    session = Session.objects.order_by("-id").first()
    assert list(session.cases.all()) == [scene["case"]]
    page.click("#action-hold")
    page.wait_for_selector("#attendance-form")
    page.check(f"#id_presence_{techs[2].pk}_1")  # absent
    page.fill(f"#id_score_{techs[0].pk}", "92")
    page.fill(f"#id_score_{techs[1].pk}", "64")  # below the pass score 70
    shot(page, f"attendance-{suffix}")
    page.click("#attendance-form button[type=submit]")
    page.wait_for_selector(".alert-success")
    rows = {a.person_id: a for a in Attendance.objects.filter(session=session)}
    assert (rows[techs[0].pk].passed, rows[techs[1].pk].passed, rows[techs[2].pk].presence) == (True, False, "absent")
    page.click("#action-close")
    page.wait_for_selector("#results")
    shot(page, f"session-closed-{suffix}")
    assert page.locator("#session-status .badge").get_attribute("data-status") == "closed"
    page.goto(f"{url}/training/people/{techs[1].pk}/")
    page.wait_for_selector("#record-courses")
    shot(page, f"person-{suffix}")
    return session


def pages(page, url, scene, *, suffix):
    for path, name, wait in (
        ("/training/", "overview", "#due-counts"),
        ("/training/courses/", "courses", "#course-rows"),
        ("/training/sessions/", "sessions", "#session-rows"),
        ("/training/certifications/", "certifications", "#cert-table"),
        (f"/training/people/{scene['techs'][2].pk}/", "person-lapsed", "#record-certs"),
    ):
        page.goto(f"{url}{path}")
        page.wait_for_selector(wait)
        shot(page, f"{name}-{suffix}")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_manager_runs_a_session_on_a_desktop_in_chinese(browser, live_server, qm, scene):
    page = login(browser, live_server.url, qm, locale="zh-CN", **DESKTOP)
    plan_and_record(page, live_server.url, scene, suffix="desktop-zh")
    assert "不合格" in page.content()
    pages(page, live_server.url, scene, suffix="desktop-zh")
    assert "已失效" in page.locator("#record-certs").inner_text()
    # A new course that certifies a skill: recurrence and format default to the kind's.
    page.goto(f"{live_server.url}/training/courses/new/")
    page.fill("#id_title", "空调安装安全培训")
    page.select_option("#id_kind", "safety")
    page.check("#audience input[value=technician]")
    page.fill("#id_pass_score", "80")
    page.select_option("#id_certifies_service_type", "installation")
    page.fill("#id_validity_months", "24")
    page.check("#id_certification_required")
    shot(page, "course-form-desktop-zh")
    page.click("#course-form button[type=submit]")
    page.wait_for_selector("#course-people")
    shot(page, "course-detail-desktop-zh")
    course = Course.objects.get(title="空调安装安全培训")
    assert (course.recurrence_months, course.validity_months, course.certification_required) == (12, 24, True)
    page = login(browser, live_server.url, qm, locale="en", **DESKTOP)
    pages(page, live_server.url, scene, suffix="desktop-en")
    tech = login(browser, live_server.url, scene["techs"][2], locale="zh-CN", **DESKTOP)
    shot(tech, "me-desktop-zh")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_manager_runs_a_session_on_a_phone_in_english(browser, live_server, qm, scene):
    page = login(browser, live_server.url, qm, locale="en", **PHONE)
    plan_and_record(page, live_server.url, scene, suffix="phone-en")
    assert "Not passed" in page.content()
    pages(page, live_server.url, scene, suffix="phone-en")
    page = login(browser, live_server.url, qm, locale="zh-CN", **PHONE)
    pages(page, live_server.url, scene, suffix="phone-zh")
    tech = login(browser, live_server.url, scene["techs"][1], locale="en", **PHONE)
    assert "Expires soon" in tech.locator("#record-certs").inner_text()
    shot(tech, "me-phone-en")
