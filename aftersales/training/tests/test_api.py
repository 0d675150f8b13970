"""/api/training: the same services and selectors as the pages; success, forbidden, invalid input."""

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.training.models import Certification, Course, Session

from .factories import make_course, passed

pytestmark = pytest.mark.django_db
URL = "/api/training"


def api(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def post(client, url, body, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def test_a_course_session_attendance_and_certification_through_the_api(qm, technician):
    c = api(qm)
    r = post(
        c,
        f"{URL}/courses",
        {
            "title": "燃气热水器安装资质",
            "kind": "skills",
            "audience": ["technician"],
            "pass_score": 80,
            "certifies_service_type": "installation",
            "validity_months": 12,
        },
    )
    assert r.status_code == 201, r.content
    course = r.json()
    assert (course["recurrence_months"], course["format"]) == (12, "hands_on")
    start = (timezone.now() - dt.timedelta(hours=3)).isoformat()
    body = {"course_id": course["id"], "starts_at": start, "place": "实训基地"}
    r = post(c, f"{URL}/sessions", body, HTTP_IDEMPOTENCY_KEY="k-1")
    assert r.status_code == 201, r.content
    sid = r.json()["id"]
    assert post(c, f"{URL}/sessions", body, HTTP_IDEMPOTENCY_KEY="k-1").json()["id"] == sid
    assert Session.objects.count() == 1
    assert post(c, f"{URL}/sessions/{sid}/transition", {"action": "hold"}).status_code == 200
    r = post(
        c,
        f"{URL}/sessions/{sid}/attendance",
        {"rows": [{"person_id": technician.pk, "presence": "present", "score": 92}]},
    )
    assert r.status_code == 200 and r.json()["attendance"][0]["passed"] is True
    r = post(c, f"{URL}/sessions/{sid}/transition", {"action": "close"})
    assert r.json()["status"] == "closed"
    certs = c.get(f"{URL}/certifications").json()
    assert [(x["person_id"], x["state"]) for x in certs] == [(technician.pk, "valid")]
    me = api(technician).get(f"{URL}/me").json()
    assert me["courses"][0]["last_score"] == 92 and me["certifications"][0]["service_type"] == "installation"
    assert c.get(f"{URL}/people/{technician.pk}").json()["person_id"] == technician.pk


def test_due_list_and_filters(qm, technician, make_user):
    late = make_user(Role.TECHNICIAN)
    course = make_course(qm)
    passed(qm, course, technician, timezone.localdate() - dt.timedelta(days=2))
    passed(qm, course, late, timezone.localdate() - dt.timedelta(days=70))
    rows = api(qm).get(f"{URL}/due?state=overdue").json()
    assert [(r["person_id"], r["state"]) for r in rows] == [(late.pk, "overdue")]
    on = (timezone.localdate() + dt.timedelta(days=400)).isoformat()
    assert len(api(qm).get(f"{URL}/due?state=overdue&on={on}").json()) == 2


@pytest.mark.parametrize(
    "body",
    [
        {"title": "", "kind": "philosophy", "audience": ["technician"]},
        {"title": "x", "kind": "nap", "audience": ["technician"]},
        {"title": "x", "kind": "philosophy", "audience": []},
        {"title": "x", "kind": "philosophy", "audience": ["customer"]},
        {"title": "x", "kind": "philosophy", "audience": ["technician"], "pass_score": 101},
        {"title": "x", "kind": "philosophy", "audience": ["technician"], "colour": "red"},
        {"title": "x", "kind": "philosophy", "audience": ["technician"], "certifies_category_id": 987654},
    ],
)
def test_bad_course_input_is_refused(qm, body):
    r = post(api(qm), f"{URL}/courses", body)
    assert r.status_code in (400, 422) and "code" in r.json()
    assert not Course.objects.exists()


def test_bad_attendance_input_is_refused(qm, technician, customer_user):
    course = make_course(qm)
    c = api(qm)
    sid = post(
        c, f"{URL}/sessions", {"course_id": course.pk, "starts_at": timezone.now().isoformat(), "online": True}
    ).json()["id"]
    post(c, f"{URL}/sessions/{sid}/transition", {"action": "hold"})
    for rows in (
        [{"person_id": technician.pk, "presence": "present", "score": 101}],
        [{"person_id": technician.pk, "presence": "maybe"}],
        [{"person_id": customer_user.pk, "presence": "present"}],
        [{"person_id": technician.pk, "presence": "absent", "score": 40}],
        [],
    ):
        r = post(c, f"{URL}/sessions/{sid}/attendance", {"rows": rows})
        assert r.status_code in (400, 422), rows
    assert not Session.objects.get().attendance.exists()


def test_the_api_is_for_the_training_roles(technician, agent, customer_user):
    assert api().get(f"{URL}/courses").status_code == 401
    assert api(technician).get(f"{URL}/courses").status_code == 403
    assert api(agent).get(f"{URL}/due").status_code == 403
    assert api(technician).get(f"{URL}/me").status_code == 200
    assert api(customer_user).get(f"{URL}/me").status_code == 403


def test_a_partner_reads_only_his_organizations_people(qm, make_user, partner_org, technician):
    station = make_user(Role.PARTNER, organization=partner_org)
    mine = make_user(Role.TECHNICIAN, organization=partner_org)
    course = make_course(qm, kind="skills", certifies_service_type="repair", validity_months=6)
    passed(qm, course, mine, timezone.localdate())
    passed(qm, course, technician, timezone.localdate())
    assert Certification.objects.count() == 2
    c = api(station)
    assert [x["person_id"] for x in c.get(f"{URL}/certifications").json()] == [mine.pk]
    assert c.get(f"{URL}/people/{technician.pk}").status_code == 404
