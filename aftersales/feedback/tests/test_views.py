"""The follow-up pages: success, forbidden and invalid input for each; the customer's survey page
(once, grace period, expiry); the request page's card; query counts pinned on the lists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.feedback.models import FollowUp, FollowUpAttempt, Survey
from aftersales.feedback.services import followup_record
from aftersales.tickets.choices import Status

from .factories import GOOD, LOW, completed_request

pytestmark = pytest.mark.django_db


def web(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def quality(make_user):
    return make_user(Role.QUALITY)


@pytest.fixture
def followup(manager, technician, agent):
    return completed_request({Role.MANAGER: manager}, technician=technician)[1]


@pytest.fixture
def link(followup, agent):
    moment = followup.due_from
    for _ in range(3):
        followup = followup_record(actor=agent, followup=followup, outcome="no_answer", now=moment)
        moment = followup.next_call_at
    return Survey.objects.get(followup=followup)


def _post_answers(answers: dict, **extra) -> dict:
    data = {k: v for k, v in answers.items() if k not in ("reasons", "extra")}
    data["reasons"] = answers.get("reasons", [])
    data.update(extra)
    return data


# --- the call list and a call --------------------------------------------------------------------


def test_the_agent_sees_his_calls_soonest_due_first(followup, agent, make_user, manager, technician):
    make_user(Role.AGENT)
    other = completed_request({Role.MANAGER: manager}, technician=technician)[1]
    assert other.agent != agent  # spread by load
    page = web(agent).get(reverse("feedback:worklist") + "?view=later")
    assert page.status_code == 200
    body = page.content.decode()
    assert followup.request.number in body and other.request.number not in body
    page = web(agent).get(reverse("feedback:worklist") + "?view=later&who=all")
    assert other.request.number in page.content.decode()


def test_technicians_and_customers_may_not_open_the_list(followup, technician, customer_user):
    assert web(technician).get(reverse("feedback:worklist")).status_code == 403
    assert web(customer_user).get(reverse("feedback:worklist")).status_code == 403
    assert web().get(reverse("feedback:worklist")).status_code == 302


def test_the_call_page_shows_the_script_and_the_story(followup, agent):
    page = web(agent).get(reverse("feedback:followup", args=[followup.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert followup.request.number in body and "call-script" in body
    assert followup.request.customer.name in body  # the script names the customer
    assert followup.request.description in body and 'id="timeline"' in body
    assert 'name="overall"' in body and 'value="not_fixed"' in body


def test_recording_a_reached_call_with_the_survey(followup, agent):
    data = _post_answers(GOOD, outcome="reached", note="客户满意")
    response = web(agent).post(reverse("feedback:followup_call", args=[followup.pk]), data)
    assert response.status_code == 302 and response.url == reverse("feedback:worklist")
    followup.refresh_from_db()
    assert followup.status == "done" and followup.survey.overall == 4
    followup.request.refresh_from_db()
    assert followup.request.status == Status.FOLLOWED_UP


def test_reached_needs_the_answers_or_the_customers_refusal(followup, agent):
    url = reverse("feedback:followup_call", args=[followup.pk])
    response = web(agent).post(url, {"outcome": "reached"})
    assert response.status_code == 400 and "did not want to answer" in response.content.decode()
    response = web(agent).post(url, {"outcome": "reached", "no_survey": "on"})
    assert response.status_code == 302
    followup.refresh_from_db()
    assert followup.result == "reached" and not Survey.objects.exists()


def test_bad_input_is_shown_on_the_page_and_nothing_is_written(followup, agent):
    url = reverse("feedback:followup_call", args=[followup.pk])
    assert web(agent).post(url, {"outcome": "fax"}).status_code == 400
    response = web(agent).post(url, _post_answers(GOOD, outcome="reached", overall="9"))
    assert response.status_code == 400
    assert "Choose a whole number from 1 to 5." in response.content.decode()
    response = web(agent).post(url, _post_answers({"overall": 5, "reasons": ["late"]}, outcome="reached"))
    assert response.status_code == 400 and "is not a reason for an overall score of 5" in response.content.decode()
    followup.refresh_from_db()
    assert followup.attempts == 0 and not FollowUpAttempt.objects.exists()


def test_a_retry_too_early_is_refused_on_the_page(followup, agent):
    url = reverse("feedback:followup_call", args=[followup.pk])
    assert web(agent).post(url, {"outcome": "no_answer"}).status_code == 302
    response = web(agent).post(url, {"outcome": "busy"})
    assert response.status_code == 400 and "The next call is due from" in response.content.decode()


def test_a_technician_may_not_record_a_call(followup, technician):
    url = reverse("feedback:followup_call", args=[followup.pk])
    assert web(technician).post(url, {"outcome": "reached", "no_survey": "on"}).status_code == 403
    assert web(technician).get(reverse("feedback:followup", args=[followup.pk])).status_code == 403


def test_a_missing_follow_up_is_404(agent):
    assert web(agent).get(reverse("feedback:followup", args=[987654])).status_code == 404


def test_adding_the_survey_after_a_reached_call(followup, agent):
    followup_record(actor=agent, followup=followup, outcome="reached")
    page = web(agent).get(reverse("feedback:followup", args=[followup.pk]))
    assert 'id="survey-add-form"' in page.content.decode()
    url = reverse("feedback:followup_survey", args=[followup.pk])
    response = web(agent).post(url, _post_answers({"overall": "6"}))
    assert response.status_code == 400
    response = web(agent).post(url, _post_answers(GOOD))
    assert response.status_code == 302
    assert web(agent).post(url, _post_answers(GOOD)).status_code == 409


def test_handing_over_is_for_supervisors(followup, agent, manager, make_user):
    other = make_user(Role.AGENT)
    url = reverse("feedback:followup_assign", args=[followup.pk])
    assert web(agent).post(url, {"agent": other.pk}).status_code == 403
    assert web(manager).post(url, {"agent": other.pk}).status_code == 302
    followup.refresh_from_db()
    assert followup.agent == other
    web(manager).post(url, {"agent": "nonsense"})
    followup.refresh_from_db()
    assert followup.agent == other


# --- the customer's page -------------------------------------------------------------------------


def test_the_customer_answers_once_then_may_change_it_for_a_while(link):
    url = reverse("feedback:survey_public", args=[link.token])
    client = web()
    page = client.get(url)
    assert page.status_code == 200 and 'id="survey-form"' in page.content.decode()
    assert page["Cache-Control"] == "private, no-store"
    response = client.post(url, _post_answers(GOOD))
    assert response.status_code == 302
    page = client.get(url)
    body = page.content.decode()
    assert "You can still change them until" in body and 'value="4"' in body
    assert client.post(url, _post_answers({**GOOD, "overall": 5, "reasons": []})).status_code == 302
    link.refresh_from_db()
    assert link.overall == 5 and link.revised_at is not None
    # The grace period is over: read-only thanks.
    Survey.objects.filter(pk=link.pk).update(revisable_until=timezone.now() - dt.timedelta(seconds=1))
    page = client.get(url)
    assert 'id="survey-thanks"' in page.content.decode() and 'id="survey-form"' not in page.content.decode()
    assert client.post(url, _post_answers(LOW)).status_code == 410
    link.refresh_from_db()
    assert link.overall == 5


def test_a_bad_answer_on_the_customers_page(link):
    url = reverse("feedback:survey_public", args=[link.token])
    response = web().post(url, _post_answers({"overall": ""}))
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    link.refresh_from_db()
    assert link.status == "sent"


def test_an_expired_link(link):
    Survey.objects.filter(pk=link.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    url = reverse("feedback:survey_public", args=[link.token])
    page = web().get(url)
    assert page.status_code == 410 and 'id="survey-expired"' in page.content.decode()
    assert web().post(url, _post_answers(GOOD)).status_code == 410
    link.refresh_from_db()
    assert link.status == "sent" and link.overall is None


def test_an_unknown_token_is_404():
    assert web().get(reverse("feedback:survey_public", args=["no-such-token"])).status_code == 404


# --- answers, remedies, figures -------------------------------------------------------------------


@pytest.fixture
def remedy(followup, agent, quality):
    followup = followup_record(actor=agent, followup=followup, outcome="reached", answers=LOW)
    return followup.survey.remedy


def test_the_answers_list_and_one_answer(remedy, agent, technician):
    page = web(agent).get(reverse("feedback:surveys"))
    assert page.status_code == 200 and remedy.request.number in page.content.decode()
    page = web(agent).get(reverse("feedback:survey", args=[remedy.survey.pk]))
    body = page.content.decode()
    assert technician.display_name in body and remedy.number in body
    assert web(technician).get(reverse("feedback:surveys")).status_code == 403
    assert web(agent).get(reverse("feedback:surveys") + "?start=2026-13-01").status_code == 400


def test_the_quality_worklist_and_recording_the_outcome(remedy, quality, agent):
    page = web(quality).get(reverse("feedback:remedies"))
    assert page.status_code == 200 and remedy.number in page.content.decode()
    assert web(agent).get(reverse("feedback:remedies")).status_code == 403
    url = reverse("feedback:remedy_resolve", args=[remedy.pk])
    assert web(quality).post(url, {"outcome": "fixed"}).status_code == 400
    response = web(quality).post(url, {"outcome": "fixed", "note": "二次上门更换主板"})
    assert response.status_code == 302
    remedy.refresh_from_db()
    assert remedy.status == "resolved" and FollowUp.objects.filter(remedy=remedy).exists()
    page = web(quality).get(reverse("feedback:remedy", args=[remedy.pk]))
    assert "二次上门更换主板" in page.content.decode()


def test_the_figures(remedy, manager, agent, technician):
    page = web(manager).get(reverse("feedback:figures"))
    body = page.content.decode()
    assert page.status_code == 200
    assert 'id="figures-agents"' in body and agent.display_name in body and technician.display_name in body
    assert web(agent).get(reverse("feedback:figures")).status_code == 403
    assert web(manager).get(reverse("feedback:figures") + "?start=2026-03-10&end=2026-03-01").status_code == 400


def test_the_request_page_shows_the_follow_up_card(remedy, agent, quality):
    page = web(quality).get(reverse("tickets:detail", args=[remedy.request_id]))
    body = page.content.decode()
    assert 'id="feedback-panel"' in body and remedy.number in body
    assert 'id="feedback-panel"' not in web().get(reverse("tickets:detail", args=[remedy.request_id])).content.decode()


def test_the_list_pages_cost_a_fixed_number_of_queries(
    manager, technician, agent, quality, django_assert_max_num_queries
):
    for _ in range(3):
        followup = completed_request({Role.MANAGER: manager}, technician=technician)[1]
        followup_record(actor=agent, followup=followup, outcome="reached", answers=LOW)
    client = web(quality)
    for name in ("feedback:worklist", "feedback:surveys", "feedback:remedies", "feedback:figures"):
        with django_assert_max_num_queries(14):
            assert (
                client.get(reverse(name) + ("?view=done&who=all" if name == "feedback:worklist" else "")).status_code
                == 200
            )
