"""Remedies (R-FB-3): which answers open one (each threshold on both sides), what it does (a return
visit reopens the request, a complaint goes to the complaints app when it is installed), who is
told, its own due time on working days, recording its outcome, and asking the customer again."""

from __future__ import annotations

import pytest

from aftersales.accounts.choices import Role
from aftersales.core.errors import PermissionDeniedError, ValidationFailed
from aftersales.core.states import IllegalTransition
from aftersales.feedback.models import FeedbackPolicy, FollowUp, Remedy
from aftersales.feedback.services import followup_record, remedy_resolve
from aftersales.notifications.models import Notification, OutboxMessage
from aftersales.tickets.choices import Status

from .factories import GOOD, LOW, at, completed_request

pytestmark = pytest.mark.django_db
NEUTRAL = {"overall": 4, "tangibles": 3, "reliability": 3, "responsiveness": 3, "assurance": 3, "empathy": 3}


@pytest.fixture
def quality(make_user):
    return make_user(Role.QUALITY)


@pytest.fixture
def answer(manager, technician, agent, quality):
    """Answer a call (completed Tuesday 3 March 2026, reached Wednesday 15:00) with ``answers``."""

    def run(answers):
        _request, followup = completed_request({Role.MANAGER: manager}, technician=technician, at=at(2026, 3, 3, 15))
        followup = followup_record(
            actor=agent, followup=followup, outcome="reached", answers=answers, now=at(2026, 3, 4, 15)
        )
        return followup.survey

    return run


def _remedy(survey):
    return Remedy.objects.filter(survey=survey).first()


@pytest.mark.parametrize(
    ("answers", "opens"),
    [
        ({**NEUTRAL, "overall": 3}, True),  # overall at the threshold
        ({**NEUTRAL, "overall": 4}, False),  # just above
        ({**NEUTRAL, "reliability": 2}, True),  # a dimension at its threshold
        ({**NEUTRAL, "reliability": 3}, False),
        ({**NEUTRAL, "empathy": 1}, True),
        ({**NEUTRAL, "reasons": ["not_fixed"]}, True),  # "not fixed" whatever the scores
        ({**NEUTRAL, "recommend": 0}, False),  # the recommendation opens nothing by default
    ],
)
def test_thresholds(answer, answers, opens):
    assert (_remedy(answer(answers)) is not None) is opens


def test_the_recommendation_threshold_is_configurable(answer):
    FeedbackPolicy.objects.create(remedy_recommend_max=6)
    assert _remedy(answer({**NEUTRAL, "recommend": 6})) is not None
    assert _remedy(answer({**NEUTRAL, "recommend": 7})) is None


def test_the_overall_threshold_is_configurable(answer):
    FeedbackPolicy.objects.create(remedy_overall_max=2)
    assert _remedy(answer({**NEUTRAL, "overall": 3})) is None
    assert _remedy(answer({**NEUTRAL, "overall": 2})) is not None


def test_not_fixed_opens_a_return_visit_that_reopens_the_request(answer, quality, manager):
    survey = answer(LOW)
    remedy = survey.remedy
    assert (remedy.kind, remedy.status, remedy.assignee) == ("return_visit", "open", quality)
    assert remedy.number.startswith("BJ")  # 补救
    # Its own time: 48 h on working days from Wednesday 15:00 → Friday 15:00.
    assert remedy.due_at == at(2026, 3, 6, 15)
    why = remedy.why_text()
    assert "overall satisfaction 2, at most 3" in why and "Reliability 2, at most 2" in why
    assert "reason: Problem not fixed" in why
    survey.request.refresh_from_db()
    assert survey.request.status == Status.REOPENED  # back to dispatch for the return visit
    reopen = survey.request.events.filter(kind="transition").order_by("id").last()
    assert reopen.action == "reopen" and remedy.number in reopen.text
    # The manager and the quality handler are told, in the app and by e-mail.
    told = Notification.objects.filter(key="feedback.remedy_opened")
    assert {n.recipient for n in told} == {manager, quality}
    assert remedy.number in told.first().text and told.first().url == remedy.get_absolute_url()
    with_mail = [u for u in (manager, quality) if u.email]
    assert OutboxMessage.objects.filter(key="feedback.remedy_opened", channel="email").count() == len(with_mail)


def test_a_low_score_with_an_attitude_reason_opens_a_complaint(answer, technician):
    survey = answer({**NEUTRAL, "overall": 2, "reasons": ["attitude"], "comment": "师傅态度不好"})
    remedy = survey.remedy
    complaint = remedy.complaint
    assert remedy.kind == "complaint" and complaint is not None
    # The complaints app's own record: category, source, the request, its technician, its deadline.
    assert (complaint.category, complaint.source, complaint.source_ref) == ("attitude", "survey", str(survey.pk))
    assert complaint.customer == survey.customer and complaint.technician == technician
    assert list(complaint.requests.all()) == [survey.request]
    assert "师傅态度不好" in complaint.description and remedy.number in complaint.description
    assert remedy.due_at == complaint.due_at
    remedy.request.refresh_from_db()
    assert remedy.request.status == Status.FOLLOWED_UP  # a complaint does not reopen the job


def test_a_low_dimension_without_a_reason_is_a_complaint_of_its_kind(answer):
    complaint = answer({**NEUTRAL, "responsiveness": 1}).remedy.complaint
    assert complaint.category == "delay"
    complaint = answer({**NEUTRAL, "overall": 3}).remedy.complaint
    assert complaint.category == "other"


def test_without_the_complaints_app_the_remedy_is_the_record(answer, monkeypatch):
    from django.apps import apps

    real = apps.is_installed
    monkeypatch.setattr(apps, "is_installed", lambda name: False if name == "aftersales.complaints" else real(name))
    remedy = answer({**NEUTRAL, "overall": 2, "reasons": ["price"]}).remedy
    assert remedy.kind == "complaint" and remedy.complaint is None
    assert remedy.due_at == at(2026, 3, 5, 15)  # the policy's 24 h on working days


def test_the_remedy_goes_to_the_least_loaded_quality_handler(answer, quality, make_user):
    second = make_user(Role.QUALITY)
    handlers = [answer({**NEUTRAL, "overall": 1}).remedy.assignee for _ in range(3)]
    assert handlers == [quality, second, quality]


def test_recording_the_outcome_asks_the_customer_again(answer, quality, agent):
    remedy = answer({**NEUTRAL, "overall": 2, "reasons": ["late"]}).remedy
    moment = at(2026, 3, 5, 10)
    remedy = remedy_resolve(
        actor=quality, remedy=remedy, outcome="explained", note="上门致歉并赠送保养一次", now=moment
    )
    assert (remedy.status, remedy.outcome, remedy.resolved_by, remedy.resolved_at) == (
        "resolved",
        "explained",
        quality,
        moment,
    )
    recheck = FollowUp.objects.get(remedy=remedy)
    assert (recheck.kind, recheck.status, recheck.agent) == ("recheck", "open", agent)
    assert (recheck.due_from, recheck.due_by) == (moment, at(2026, 3, 10, 10))  # 72 h on working days
    # The second call: reached, satisfied now; the request is not moved again.
    recheck = followup_record(actor=agent, followup=recheck, outcome="reached", answers=GOOD, now=at(2026, 3, 6, 9))
    assert recheck.survey.overall == 4 and not hasattr(recheck.survey, "remedy")
    notes = [e.text for e in remedy.request.events.filter(kind="note")]
    assert any("outcome recorded: Explained and apologised" in n for n in notes)
    assert any("the customer will be asked again, by 2026-03-10 10:00" in n for n in notes)


def test_a_return_visits_new_completion_call_is_the_one_asking_again(answer, quality, technician, manager):
    from aftersales.tickets.services import request_transition
    from aftersales.tickets.tests.paths import drive_to, step

    remedy = answer(LOW).remedy
    request = remedy.request
    request.refresh_from_db()
    request = step(request, "assign", users={Role.MANAGER: manager}, technician=technician, reason="返修")
    request = drive_to(Status.IN_PROGRESS, users={Role.MANAGER: manager, Role.TECHNICIAN: technician}, request=request)
    request_transition(actor=technician, request=request, action="complete", now=at(2026, 3, 5, 16))
    waiting = FollowUp.objects.get(request=request, status="open")
    remedy_resolve(actor=quality, remedy=remedy, outcome="fixed", note="更换主板后测试正常", now=at(2026, 3, 5, 17))
    waiting.refresh_from_db()
    assert waiting.remedy == remedy and FollowUp.objects.filter(request=request, status="open").count() == 1


def test_resolving_is_for_the_quality_team_once_with_a_note(answer, quality, agent):
    remedy = answer({**NEUTRAL, "overall": 1}).remedy
    with pytest.raises(PermissionDeniedError):
        remedy_resolve(actor=agent, remedy=remedy, outcome="fixed", note="x")
    with pytest.raises(ValidationFailed):
        remedy_resolve(actor=quality, remedy=remedy, outcome="magic", note="x")
    with pytest.raises(ValidationFailed):
        remedy_resolve(actor=quality, remedy=remedy, outcome="fixed", note="  ")
    remedy.refresh_from_db()
    assert remedy.status == "open" and not FollowUp.objects.filter(remedy=remedy).exists()
    remedy_resolve(actor=quality, remedy=remedy, outcome="fixed", note="已处理")
    with pytest.raises(IllegalTransition):
        remedy_resolve(actor=quality, remedy=remedy, outcome="fixed", note="again")
