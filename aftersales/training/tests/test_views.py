"""Training pages: a manager plans a session, marks it held, records attendance and scores, closes it;
the due list, a person's record (own, a manager's view, a partner's), the technician page's card."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.dispatch.tests.factories import tech_profile
from aftersales.training.choices import Presence, SessionStatus
from aftersales.training.models import Attendance, Course, Session

from .factories import closed_session, make_course, passed, planned

pytestmark = pytest.mark.django_db


def web(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_manager_plans_holds_records_and_closes_a_session(qm, technician, make_user):
    other = make_user(Role.TECHNICIAN, last_name="王")
    course = make_course(qm, pass_score=60)
    c = web(qm)
    assert c.get(reverse("training:session_create") + f"?course={course.pk}").status_code == 200
    start = timezone.localtime() - dt.timedelta(hours=2)
    r = c.post(
        reverse("training:session_create"),
        {
            "course": course.pk,
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "duration_minutes": 90,
            "place": "总部三楼",
            "trainer": qm.pk,
        },
    )
    session = Session.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("training:session_detail", args=[session.pk])
    assert timezone.localtime(session.starts_at).strftime("%H:%M") == start.strftime("%H:%M")
    page = c.get(r["Location"]).content.decode()
    assert 'id="action-hold"' in page and "attendance-form" not in page
    c.post(reverse("training:session_transition", args=[session.pk, "hold"]))
    page = c.get(r["Location"]).content.decode()
    assert 'id="attendance-form"' in page and technician.display_name in page and other.display_name in page
    r = c.post(
        reverse("training:attendance", args=[session.pk]),
        {
            f"presence_{technician.pk}": "present",
            f"score_{technician.pk}": "75",
            f"presence_{other.pk}": "excused",
            f"score_{other.pk}": "",
        },
    )
    assert r.status_code == 302
    rows = {a.person_id: a for a in Attendance.objects.all()}
    assert (rows[technician.pk].score, rows[technician.pk].passed) == (75, True)
    assert (rows[other.pk].presence, rows[other.pk].passed) == (Presence.EXCUSED, False)
    c.post(reverse("training:session_transition", args=[session.pk, "close"]))
    session.refresh_from_db()
    assert session.status == SessionStatus.CLOSED
    page = c.get(reverse("training:session_detail", args=[session.pk])).content.decode()
    assert 'id="results"' in page and "1 of 2 present, 1 passed" in page


def test_a_bad_score_comes_back_with_the_message_and_writes_nothing(qm, technician):
    session = planned(qm, make_course(qm), day=timezone.localdate() - dt.timedelta(days=1))
    c = web(qm)
    c.post(reverse("training:session_transition", args=[session.pk, "hold"]))
    r = c.post(
        reverse("training:attendance", args=[session.pk]),
        {f"presence_{technician.pk}": "present", f"score_{technician.pk}": "150"},
        follow=True,
    )
    assert not Attendance.objects.exists()
    assert "Ensure this value is less than or equal to 100." in r.content.decode()


def test_a_course_is_added_with_its_kinds_defaults(qm):
    c = web(qm)
    assert c.get(reverse("training:course_create")).status_code == 200
    r = c.post(
        reverse("training:course_create"),
        {"title": "产品知识培训", "kind": "product", "audience": ["technician", "agent"], "pass_score": "70"},
    )
    course = Course.objects.get()
    assert r.status_code == 302 and (course.recurrence_months, course.format) == (6, "lecture")
    r = c.post(
        reverse("training:course_edit", args=[course.pk]),
        {
            "title": "产品知识",
            "kind": "product",
            "audience": ["technician"],
            "recurrence_months": "3",
            "is_active": "on",
        },
    )
    course.refresh_from_db()
    assert (course.title, course.recurrence_months, course.audience) == ("产品知识", 3, ["technician"])
    r = c.post(
        reverse("training:course_create"),
        {"title": "x", "kind": "skills", "audience": ["technician"], "validity_months": "12"},
    )
    assert r.status_code == 400 and "Choose the service type the course certifies." in r.content.decode()


def test_the_due_list_shows_overdue_and_due_people(qm, technician, make_user):
    late = make_user(Role.TECHNICIAN, last_name="迟")
    course = make_course(qm)  # monthly
    today = timezone.localdate()
    passed(qm, course, technician, today - dt.timedelta(days=2))
    passed(qm, course, late, today - dt.timedelta(days=70))
    c = web(qm)
    page = c.get(reverse("training:overview")).content.decode()
    assert f'data-person="{late.pk}"' in page and f'data-person="{technician.pk}"' not in page
    assert re.search(r'data-count="overdue">1<', page)
    page = c.get(reverse("training:overview") + "?state=due").content.decode()
    assert f'data-person="{late.pk}"' not in page


def test_the_overview_makes_a_fixed_number_of_queries(qm, make_user, django_assert_max_num_queries):
    course = make_course(qm)
    people = [make_user(Role.TECHNICIAN) for _ in range(6)]
    for n, p in enumerate(people):
        passed(qm, course, p, timezone.localdate() - dt.timedelta(days=40 + n))
    c = web(qm)
    c.get(reverse("training:overview"))
    with django_assert_max_num_queries(14):
        assert c.get(reverse("training:overview")).status_code == 200


def test_my_training_and_the_records_of_others(qm, technician, make_user, partner_org, dispatcher):
    course = make_course(qm, pass_score=60)
    closed_session(qm, course, timezone.localdate() - dt.timedelta(days=3), {technician: (Presence.PRESENT, 88)})
    page = web(technician).get(reverse("training:me")).content.decode()
    assert course.title in page and ">88<" in page
    assert web(technician).get(reverse("training:person", args=[qm.pk])).status_code == 403
    assert web(dispatcher).get(reverse("training:person", args=[technician.pk])).status_code == 200
    station = make_user(Role.PARTNER, organization=partner_org)
    own_tech = make_user(Role.TECHNICIAN, organization=partner_org)
    assert web(station).get(reverse("training:person", args=[own_tech.pk])).status_code == 200
    assert web(station).get(reverse("training:person", args=[technician.pk])).status_code == 404
    customer = make_user(Role.CUSTOMER)
    assert web(qm).get(reverse("training:person", args=[customer.pk])).status_code == 404


def test_the_technician_page_shows_the_training_card(qm, dispatcher, technician):
    tech_profile(dispatcher, technician)
    course = make_course(
        qm, title="燃气热水器安装资质", kind="skills", certifies_service_type="installation", validity_months=12
    )
    passed(qm, course, technician, timezone.localdate() - dt.timedelta(days=400))
    page = web(dispatcher).get(reverse("dispatch:technician_edit", args=[technician.pk])).content.decode()
    assert 'id="training-card"' in page and 'data-cert-state="lapsed"' in page


def test_cancel_needs_a_reason_on_the_page(qm):
    session = planned(qm, make_course(qm))
    c = web(qm)
    r = c.post(reverse("training:session_transition", args=[session.pk, "cancel"]), {"reason": ""}, follow=True)
    assert Session.objects.get().status == SessionStatus.PLANNED
    r = c.post(reverse("training:session_transition", args=[session.pk, "cancel"]), {"reason": "讲师请假"})
    assert r.status_code == 302 and Session.objects.get().status == SessionStatus.CANCELLED
    assert c.post(reverse("training:session_transition", args=[session.pk, "nap"])).status_code == 302


def test_certifications_page_filters_by_state(qm, dispatcher, technician):
    course = make_course(qm, kind="skills", certifies_service_type="installation", validity_months=12)
    passed(qm, course, technician, timezone.localdate() - dt.timedelta(days=400))
    c = web(dispatcher)
    assert 'data-cert-state="lapsed"' in c.get(reverse("training:certifications") + "?state=lapsed").content.decode()
    assert "data-cert-state" not in c.get(reverse("training:certifications") + "?state=valid").content.decode()


def test_the_suggestions_say_who_is_not_proposed_and_why(qm, dispatcher, technician):
    from aftersales.dispatch.tests.factories import job

    tech_profile(dispatcher, technician)
    course = make_course(
        qm, title="燃气热水器安装资质", kind="skills", certifies_service_type="installation", validity_months=12
    )
    passed(qm, course, technician, timezone.localdate() - dt.timedelta(days=400))
    sr = job(dispatcher, service_type="installation")
    page = web(dispatcher).get(reverse("dispatch:suggestions", args=[sr.pk])).content.decode()
    assert 'id="training-blocked"' in page and technician.display_name in page and "lapsed on" in page
    repair = job(dispatcher, service_type="repair")
    page = web(dispatcher).get(reverse("dispatch:suggestions", args=[repair.pk])).content.decode()
    assert 'id="training-blocked"' not in page


def test_a_session_is_edited_on_its_page(qm):
    session = planned(qm, make_course(qm))
    c = web(qm)
    assert c.get(reverse("training:session_edit", args=[session.pk])).status_code == 200
    start = timezone.localtime(session.starts_at) + dt.timedelta(days=1)
    r = c.post(
        reverse("training:session_edit", args=[session.pk]),
        {"starts_at": start.strftime("%Y-%m-%dT%H:%M"), "duration_minutes": 120, "place": "", "online": "on"},
    )
    assert r.status_code == 302
    session.refresh_from_db()
    assert (session.online, session.duration_minutes, session.place) == (True, 120, "")
    r = c.post(
        reverse("training:session_edit", args=[session.pk]),
        {"starts_at": start.strftime("%Y-%m-%dT%H:%M"), "duration_minutes": 120, "place": ""},
    )
    assert r.status_code == 400 and "Say where, or that it is online." in r.content.decode()


def test_list_and_record_pages_make_a_fixed_number_of_queries(qm, make_user, dispatcher, django_assert_max_num_queries):
    course = make_course(qm, kind="skills", certifies_service_type="installation", validity_months=12)
    people = [make_user(Role.TECHNICIAN) for _ in range(5)]
    for n, p in enumerate(people):
        passed(qm, course, p, timezone.localdate() - dt.timedelta(days=30 * n))
    c = web(qm)
    for url, most in (
        (reverse("training:session_list"), 8),
        (reverse("training:certifications"), 8),
        (reverse("training:person", args=[people[0].pk]), 14),
        (reverse("training:course_detail", args=[course.pk]), 14),
    ):
        c.get(url)
        with django_assert_max_num_queries(most):
            assert c.get(url).status_code == 200, url


def test_the_mean_score_counts_every_exam(qm, technician):
    from aftersales.training.selectors import training_record_for

    course = make_course(qm, pass_score=60)
    for n, score in enumerate([60, 70, 80, 90, 100, 50]):
        closed_session(
            qm, course, timezone.localdate() - dt.timedelta(days=10 + n), {technician: (Presence.PRESENT, score)}
        )
    assert training_record_for(technician, history=2).mean_score == 75.0
