"""Follow-up calls (R-FB-1) through the services: scheduling on completion, spreading over agents
by load, recording calls, retries (on both sides of the retry time), the last attempt with the
survey link, and which outcomes move the request to "followed up"."""

from __future__ import annotations

import datetime as dt

import pytest

from aftersales.accounts.choices import Role
from aftersales.core.audit import audit_list_for_object
from aftersales.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from aftersales.core.states import IllegalTransition
from aftersales.feedback.models import FeedbackPolicy, FollowUp, FollowUpAttempt, Survey
from aftersales.feedback.services import followup_assign, followup_record, followup_survey_add
from aftersales.notifications.models import OutboxMessage
from aftersales.tickets.choices import Action, Status
from aftersales.tickets.services import request_transition

from .factories import GOOD, at, completed_request

pytestmark = pytest.mark.django_db
MIN = dt.timedelta(minutes=1)


@pytest.fixture
def users(manager):
    return {Role.MANAGER: manager}


@pytest.fixture
def scene(users, technician, agent):
    """A repair completed on Tuesday 3 March 2026 at 15:00: due Wednesday 15:00 – Friday 15:00."""
    request, followup = completed_request(users, technician=technician, at=at(2026, 3, 3, 15))
    return request, followup


def test_completion_schedules_a_call_with_the_agent_and_a_timeline_note(scene, agent):
    request, followup = scene
    assert followup.agent == agent and followup.status == "open" and followup.attempts == 0
    assert followup.template.status == "published" and followup.template.reasons.filter(code="not_fixed").exists()
    notes = [e.text for e in request.events.filter(kind="note")]
    assert any("Follow-up call due from 2026-03-04 15:00 to 2026-03-06 15:00; agent:" in n for n in notes)
    assert audit_list_for_object(followup).filter(action="followup.schedule").exists()


def test_calls_are_spread_over_agents_by_load(users, technician, agent, make_user):
    second = make_user(Role.AGENT)
    make_user(Role.AGENT, is_active=False)  # never picked
    agents = [completed_request(users, technician=technician)[1].agent for _ in range(3)]
    assert agents == [agent, second, agent]
    # A finished call frees its agent: the next one goes to the least loaded again.
    done = FollowUp.objects.filter(agent=agent).first()
    followup_record(actor=agent, followup=done, outcome="refused", now=done.due_from)
    followups = FollowUp.objects.filter(status="open")
    assert {f.agent for f in followups} == {agent, second}
    assert completed_request(users, technician=technician)[1].agent == agent


def test_reached_with_the_survey_moves_the_request_and_attributes_the_answers(scene, agent, technician):
    request, followup = scene
    followup = followup_record(actor=agent, followup=followup, outcome="reached", answers=GOOD, now=followup.due_from)
    assert (followup.status, followup.result, followup.on_time, followup.attempts) == ("done", "reached", True, 1)
    request.refresh_from_db()
    assert request.status == Status.FOLLOWED_UP
    survey = Survey.objects.get(followup=followup)
    assert (survey.channel, survey.status, survey.overall, survey.recommend) == ("call", "answered", 4, 9)
    assert (survey.request, survey.technician, survey.agent) == (request, technician, agent)
    assert survey.organization == technician.organization and survey.customer == request.customer
    assert survey.template == followup.template and survey.reasons == ["punctual"]
    assert not hasattr(survey, "remedy") or survey.remedy is None
    last = request.events.filter(kind="transition").order_by("id").last()
    assert (last.action, last.to_status, last.text) == ("follow_up", "followed_up", "Follow-up call: customer reached.")


def test_reached_without_the_survey_then_the_survey_is_added_once(scene, agent):
    _request, followup = scene
    followup = followup_record(actor=agent, followup=followup, outcome="reached", now=followup.due_from)
    assert not Survey.objects.filter(followup=followup).exists()
    survey = followup_survey_add(actor=agent, followup=followup, answers=GOOD)
    assert survey.channel == "call" and survey.overall == 4
    with pytest.raises(ConflictError):
        followup_survey_add(actor=agent, followup=followup, answers=GOOD)


@pytest.mark.parametrize(
    ("moment", "on_time"),
    [
        (at(2026, 3, 4, 15) - MIN, False),  # before the window opens: early
        (at(2026, 3, 4, 15), True),  # the window opens
        (at(2026, 3, 6, 15), True),  # the last minute of the window
        (at(2026, 3, 6, 15) + MIN, False),  # late
    ],
)
def test_on_time_means_inside_the_window(scene, agent, moment, on_time):
    _request, followup = scene
    followup = followup_record(actor=agent, followup=followup, outcome="reached", now=moment)
    assert followup.on_time is on_time and followup.closed_at == moment


def test_no_answer_schedules_the_next_call_after_working_hours(scene, agent):
    request, followup = scene
    first = at(2026, 3, 4, 17)  # Wednesday 17:00 → next call Thursday 12:00
    followup = followup_record(actor=agent, followup=followup, outcome="no_answer", now=first)
    assert (followup.status, followup.attempts, followup.next_call_at) == ("open", 1, at(2026, 3, 5, 12))
    request.refresh_from_db()
    assert request.status == Status.COMPLETED  # not yet followed up
    assert "Follow-up call 1 of 3: No answer. Next call from 2026-03-05 12:00." in [
        e.text for e in request.events.filter(kind="note")
    ]
    # One minute before the retry time: refused, and nothing is written.
    with pytest.raises(ValidationFailed) as exc:
        followup_record(actor=agent, followup=followup, outcome="busy", now=at(2026, 3, 5, 12) - MIN)
    assert exc.value.code == "too_early" and "2026-03-05 12:00" in str(exc.value.message)
    followup.refresh_from_db()
    assert followup.attempts == 1 and FollowUpAttempt.objects.filter(followup=followup).count() == 1
    # At the retry time: recorded.
    followup = followup_record(actor=agent, followup=followup, outcome="busy", now=at(2026, 3, 5, 12))
    assert followup.attempts == 2 and followup.next_call_at == at(2026, 3, 5, 17, 30)  # lunch does not count
    # The customer calls back before the next try: a reached call is never too early.
    followup = followup_record(actor=agent, followup=followup, outcome="reached", now=at(2026, 3, 5, 13, 40))
    assert followup.result == "reached"


def test_the_last_unanswered_call_sends_the_survey_link_and_counts_as_followed_up(scene, agent):
    request, followup = scene
    moment = followup.due_from
    for n in (1, 2):
        followup = followup_record(actor=agent, followup=followup, outcome="no_answer", now=moment)
        assert followup.status == "open" and followup.attempts == n
        moment = followup.next_call_at
    followup = followup_record(actor=agent, followup=followup, outcome="busy", note="响铃无人接", now=moment)
    assert (followup.status, followup.result, followup.attempts) == ("link_sent", "not_reached", 3)
    assert followup.closed_at == moment and followup.on_time is True
    request.refresh_from_db()
    assert request.status == Status.FOLLOWED_UP  # a documented last attempt
    survey = Survey.objects.get(followup=followup)
    assert (survey.channel, survey.status) == ("link", "sent") and len(survey.token) >= 40
    assert survey.expires_at == moment + dt.timedelta(hours=168)
    sms = OutboxMessage.objects.get(key="feedback.survey_link", channel="sms")
    assert sms.address == request.contact_phone and survey.token in sms.params["url"]
    assert (
        "Last attempt: the survey link was sent" in request.events.filter(kind="transition").order_by("id").last().text
    )


def test_the_number_of_attempts_is_the_policys(scene, agent):
    FeedbackPolicy.objects.create(max_attempts=1)
    _request, followup = scene
    followup = followup_record(actor=agent, followup=followup, outcome="no_answer", now=followup.due_from)
    assert followup.status == "link_sent"


@pytest.mark.parametrize(("outcome", "result"), [("wrong_number", "wrong_number"), ("refused", "refused")])
def test_wrong_number_and_refusal_close_the_call_and_follow_the_request_up(scene, agent, outcome, result):
    request, followup = scene
    followup = followup_record(actor=agent, followup=followup, outcome=outcome, note="空号", now=followup.due_from)
    assert (followup.status, followup.result) == ("closed", result)
    request.refresh_from_db()
    assert request.status == Status.FOLLOWED_UP
    assert not Survey.objects.filter(followup=followup).exists()
    with pytest.raises(IllegalTransition):  # finished: no further call
        followup_record(actor=agent, followup=followup, outcome="reached")


def test_refusals_write_nothing(scene, agent, technician):
    request, followup = scene
    with pytest.raises(PermissionDeniedError):
        followup_record(actor=technician, followup=followup, outcome="reached")
    with pytest.raises(ValidationFailed):
        followup_record(actor=agent, followup=followup, outcome="voicemail")
    with pytest.raises(ValidationFailed) as exc:
        followup_record(actor=agent, followup=followup, outcome="reached", answers={**GOOD, "overall": 7})
    assert "overall" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        followup_record(actor=agent, followup=followup, outcome="no_answer", answers=GOOD)
    followup.refresh_from_db()
    request.refresh_from_db()
    assert (followup.status, followup.attempts, request.status) == ("open", 0, Status.COMPLETED)
    assert not FollowUpAttempt.objects.exists() and not Survey.objects.exists()


def test_record_follow_up_on_the_request_page_is_a_reached_call(scene, agent):
    request, followup = scene
    request = request_transition(actor=agent, request=request, action=Action.FOLLOW_UP, reason="客户来电反馈已修好")
    assert request.status == Status.FOLLOWED_UP
    followup.refresh_from_db()
    assert (followup.status, followup.result) == ("done", "reached")
    assert followup.calls.get().note == "客户来电反馈已修好"


def test_record_follow_up_still_checks_the_request_lifecycle(users, technician, agent):
    from aftersales.tickets.tests.paths import drive_to

    request = drive_to(Status.IN_PROGRESS, users={**users, Role.TECHNICIAN: technician}, technician=technician)
    with pytest.raises(IllegalTransition):
        request_transition(actor=agent, request=request, action=Action.FOLLOW_UP)
    assert not FollowUp.objects.exists()


def test_a_request_completed_again_supersedes_the_waiting_call(scene, agent, technician, users):
    from aftersales.tickets.tests.paths import drive_to, step

    request, old = scene
    quality = users[Role.MANAGER]
    request = request_transition(actor=quality, request=request, action=Action.REOPEN, reason="客户反馈又坏了")
    # The technician holds the job still: dispatch sends him again (a reassignment, with its reason).
    request = step(request, Action.ASSIGN, users=users, technician=technician, reason="返修")
    request = drive_to(
        Status.IN_PROGRESS, users={**users, Role.TECHNICIAN: technician}, request=request, technician=technician
    )
    request_transition(actor=technician, request=request, action=Action.COMPLETE, now=at(2026, 3, 9, 10))
    old.refresh_from_db()
    assert (old.status, old.result) == ("cancelled", "superseded")
    new = FollowUp.objects.get(request=request, status="open")
    assert new.due_from == at(2026, 3, 10, 10)


def test_handing_a_call_to_another_agent(scene, agent, manager, make_user):
    _request, followup = scene
    other = make_user(Role.AGENT)
    followup = followup_assign(actor=manager, followup=followup, agent=other)
    assert followup.agent == other
    with pytest.raises(PermissionDeniedError):
        followup_assign(actor=agent, followup=followup, agent=agent)
    with pytest.raises(ValidationFailed):
        followup_assign(actor=manager, followup=followup, agent=make_user(Role.TECHNICIAN))
