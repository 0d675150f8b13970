"""/api/feedback: success, forbidden and invalid input for each operation; a retried call with the
same Idempotency-Key is recorded once."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from aftersales.accounts.choices import Role
from aftersales.feedback.models import FollowUpAttempt, Survey
from aftersales.feedback.services import followup_record

from .factories import GOOD, LOW, completed_request

pytestmark = pytest.mark.django_db
URL = "/api/feedback"


def api(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def post(client, url, body, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


@pytest.fixture
def followup(manager, technician, agent):
    return completed_request({Role.MANAGER: manager}, technician=technician)[1]


@pytest.fixture
def quality(make_user):
    return make_user(Role.QUALITY)


def test_the_call_list(followup, agent, technician):
    r = api(agent).get(f"{URL}/followups?view=later")
    assert r.status_code == 200 and [f["id"] for f in r.json()] == [followup.pk]
    assert r.json()[0]["request"]["number"] == followup.request.number
    assert api(agent).get(f"{URL}/followups?view=nonsense").status_code == 400
    assert api(technician).get(f"{URL}/followups").status_code == 403
    assert api().get(f"{URL}/followups").status_code == 401


def test_recording_a_call_with_the_survey(followup, agent):
    r = post(api(agent), f"{URL}/followups/{followup.pk}/calls", {"outcome": "reached", "answers": GOOD})
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["status"] == "done" and body["survey"]["overall"] == 4 and body["calls"][0]["outcome"] == "reached"
    assert body["survey"]["technician_id"] == followup.request.assigned_technician_id


def test_invalid_calls(followup, agent, technician):
    url = f"{URL}/followups/{followup.pk}/calls"
    assert post(api(agent), url, {"outcome": "fax"}).status_code == 422
    assert post(api(agent), url, {"outcome": "reached", "answers": {"overall": 6}}).status_code == 422
    assert post(api(agent), url, {"outcome": "reached", "extra": 1}).status_code == 422
    r = post(api(agent), url, {"outcome": "reached", "answers": {"overall": 5, "reasons": ["late"]}})
    assert r.status_code == 400 and "reasons" in r.json()["fields"]
    assert post(api(technician), url, {"outcome": "reached"}).status_code == 403
    assert post(api(agent), f"{URL}/followups/987654/calls", {"outcome": "reached"}).status_code == 404
    assert not FollowUpAttempt.objects.exists()


def test_a_retried_call_is_recorded_once(followup, agent):
    url = f"{URL}/followups/{followup.pk}/calls"
    first = post(api(agent), url, {"outcome": "no_answer"}, HTTP_IDEMPOTENCY_KEY="call-1")
    again = post(api(agent), url, {"outcome": "no_answer"}, HTTP_IDEMPOTENCY_KEY="call-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert FollowUpAttempt.objects.count() == 1
    # Without the key the second call is refused: too early.
    r = post(api(agent), url, {"outcome": "busy"})
    assert r.status_code == 400 and r.json()["code"] == "too_early"
    # The same key with another body is a conflict.
    assert post(api(agent), url, {"outcome": "busy"}, HTTP_IDEMPOTENCY_KEY="call-1").status_code == 409


def test_adding_the_survey_and_handing_over(followup, agent, manager, make_user):
    followup_record(actor=agent, followup=followup, outcome="reached")
    r = post(api(agent), f"{URL}/followups/{followup.pk}/survey", GOOD)
    assert r.status_code == 201 and r.json()["overall"] == 4
    assert post(api(agent), f"{URL}/followups/{followup.pk}/survey", GOOD).status_code == 409
    other = make_user(Role.AGENT)
    _r, waiting = completed_request({Role.MANAGER: manager}, technician=followup.request.assigned_technician)
    r = post(api(manager), f"{URL}/followups/{waiting.pk}/assign", {"agent_id": other.pk})
    assert r.status_code == 200 and r.json()["agent"]["id"] == other.pk
    assert post(api(manager), f"{URL}/followups/{waiting.pk}/assign", {"agent_id": 987654}).status_code == 400
    assert post(api(agent), f"{URL}/followups/{waiting.pk}/assign", {"agent_id": other.pk}).status_code == 403


def test_answers_remedies_and_figures(followup, agent, quality, manager, technician):
    followup_record(actor=agent, followup=followup, outcome="reached", answers=LOW)
    survey = Survey.objects.get(followup=followup)
    r = api(agent).get(f"{URL}/surveys")
    assert r.status_code == 200 and r.json()[0]["remedy_id"] == survey.remedy.pk
    assert api(agent).get(f"{URL}/surveys/{survey.pk}").json()["reasons"] == ["not_fixed"]
    assert api(agent).get(f"{URL}/surveys?start=2026-03-10&end=2026-03-01").status_code == 400
    assert api(technician).get(f"{URL}/surveys").status_code == 403

    remedies = api(quality).get(f"{URL}/remedies").json()
    assert [r["number"] for r in remedies] == [survey.remedy.number]
    assert "reason: Problem not fixed" in remedies[0]["why"]
    assert api(agent).get(f"{URL}/remedies").status_code == 403
    url = f"{URL}/remedies/{survey.remedy.pk}/resolve"
    assert post(api(quality), url, {"outcome": "fixed"}).status_code == 422
    r = post(api(quality), url, {"outcome": "fixed", "note": "二次上门已修好"})
    assert r.status_code == 200 and r.json()["status"] == "resolved"
    assert post(api(quality), url, {"outcome": "fixed", "note": "again"}).status_code == 409
    assert api(quality).get(f"{URL}/remedies?resolved=true").json()[0]["outcome"] == "fixed"

    figures = api(manager).get(f"{URL}/figures").json()
    assert figures["total"]["surveys"] == 1 and figures["technicians"][0]["key"] == technician.pk
    assert api(agent).get(f"{URL}/figures").status_code == 403


def test_the_template(agent, technician):
    r = api(agent).get(f"{URL}/template?service_type=repair")
    assert r.status_code == 200
    body = r.json()
    assert body["version"] == 1 and "not_fixed" in [x["code"] for x in body["reasons"]]
    assert {q["service_type"] for q in body["questions"]} == {"repair", ""}
    assert api(technician).get(f"{URL}/template").status_code == 403
