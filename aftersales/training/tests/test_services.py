"""Training services: success, each refusal, nothing written on refusal."""

import datetime as dt

import pytest
from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.core.audit import AuditEvent
from aftersales.core.errors import PermissionDeniedError, ValidationFailed
from aftersales.core.messages import render
from aftersales.core.states import IllegalTransition
from aftersales.notifications.models import OutboxMessage
from aftersales.quality.services import case_create, case_transition
from aftersales.tickets.choices import ServiceType
from aftersales.training.choices import CourseFormat, CourseKind, DueState, Presence, SessionStatus
from aftersales.training.models import Attendance, Certification, Course, Session
from aftersales.training.selectors import due_rows, training_record_for
from aftersales.training.services import (
    attendance_record,
    course_update,
    session_plan,
    session_transition,
    session_update,
)

from .factories import at, closed_session, make_course, passed, planned

pytestmark = pytest.mark.django_db
TODAY = dt.date.today


# --- courses ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "months", "fmt"),
    [
        (CourseKind.PHILOSOPHY, 1, CourseFormat.GROUP_STUDY),  # seed 002: 服务理念 每月一次
        (CourseKind.CASE_ANALYSIS, 3, CourseFormat.WORKSHOP),  # 优秀案例分析 每季一次
        (CourseKind.PRODUCT, 6, CourseFormat.LECTURE),  # 产品知识培训 每半年一次
        (CourseKind.PSYCHOLOGY, 12, CourseFormat.LECTURE),  # 顾客心理分析 每年一次
        (CourseKind.COMPLAINT_DRILL, 1, CourseFormat.DRILL),  # 投诉处理 每月一次
        (CourseKind.ETIQUETTE, 3, CourseFormat.DRILL),  # 接待礼仪 每季一次
    ],
)
def test_a_course_recurs_as_seed_002_says_for_its_kind(qm, kind, months, fmt):
    course = make_course(qm, kind=kind)
    assert (course.recurrence_months, course.format) == (months, fmt)
    assert AuditEvent.objects.filter(action="training.course.create").count() == 1


def test_a_course_may_recur_otherwise(qm):
    assert make_course(qm, recurrence_months=3).recurrence_months == 3


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": " "}, "title"),
        ({"kind": "nap"}, "kind"),
        ({"audience": []}, "audience"),
        ({"audience": ["customer"]}, "audience"),
        ({"recurrence_months": 2}, "recurrence_months"),
        ({"pass_score": 101}, "pass_score"),
        ({"certifies_service_type": "installation"}, "validity_months"),
        ({"certifies_service_type": "installation", "validity_months": 0}, "validity_months"),
        ({"validity_months": 12}, "certifies_service_type"),
    ],
)
def test_a_bad_course_is_refused_and_nothing_is_written(qm, data, field):
    with pytest.raises(ValidationFailed) as exc:
        make_course(qm, **data)
    assert field in exc.value.fields
    assert not Course.objects.exists() and not AuditEvent.objects.exists()


def test_only_the_training_roles_run_training(make_user):
    for role in (Role.AGENT, Role.TECHNICIAN, Role.DISPATCHER, Role.PARTNER):
        with pytest.raises(PermissionDeniedError):
            make_course(make_user(role))
    for role in (Role.QUALITY, Role.QUALITY_MANAGER, Role.MANAGER):
        assert make_course(make_user(role)).pk


def test_course_update_changes_what_is_given_and_audits(qm):
    course = make_course(qm)
    course_update(actor=qm, course=course, title="服务理念", recurrence_months=3)
    course.refresh_from_db()
    assert (course.title, course.recurrence_months) == ("服务理念", 3)
    event = AuditEvent.objects.get(action="training.course.update")
    assert event.changes["recurrence_months"] == [1, 3]
    with pytest.raises(ValidationFailed):
        course_update(actor=qm, course=course, colour="red")
    # stop certifying: all three fields go together
    cert = make_course(qm, certifies_service_type=ServiceType.INSTALLATION, validity_months=12)
    course_update(actor=qm, course=cert, certifies_service_type="")
    cert.refresh_from_db()
    assert (cert.certifies_service_type, cert.validity_months) == ("", None)


# --- sessions -----------------------------------------------------------------------------------


def test_planning_a_session_tells_the_audience(qm, technician, agent):
    course = make_course(qm)
    session = planned(qm, course)
    assert session.status == SessionStatus.PLANNED
    sent = OutboxMessage.objects.filter(key="training.session_planned")
    assert [m.recipient_id for m in sent] == [technician.pk]
    assert "服务理念集体学习" in render(sent.get().key, sent.get().params)


def test_a_session_needs_a_place_or_online_and_an_active_course(qm):
    course = make_course(qm)
    with pytest.raises(ValidationFailed) as exc:
        session_plan(actor=qm, course=course, starts_at=timezone.now())
    assert "place" in exc.value.fields
    assert session_plan(actor=qm, course=course, starts_at=timezone.now(), online=True).online
    course_update(actor=qm, course=course, is_active=False)
    with pytest.raises(ValidationFailed):
        session_plan(actor=qm, course=course, starts_at=timezone.now(), online=True)


def test_a_session_analyses_published_cases_of_the_library(qm):
    course = make_course(qm, kind=CourseKind.CASE_ANALYSIS)
    case = case_create(actor=qm, title="漏水", kind="bad", summary="漏水", lessons="试水")
    with pytest.raises(ValidationFailed) as exc:
        planned(qm, course, cases=[case])  # a draft
    assert "cases" in exc.value.fields and not Session.objects.exists()
    case_transition(actor=qm, case=case, action="publish")
    session = planned(qm, course, cases=[case])
    assert list(session.cases.all()) == [case]
    session_update(actor=qm, session=session, cases=[])
    assert not session.cases.exists()


def test_the_lifecycle_planned_held_closed(qm, technician):
    course = make_course(qm, pass_score=60)
    session = planned(qm, course, day=TODAY() - dt.timedelta(days=1))
    with pytest.raises(ValidationFailed):
        attendance_record(actor=qm, session=session, rows=[(technician, Presence.PRESENT, 90)])  # not held yet
    with pytest.raises(IllegalTransition):
        session_transition(actor=qm, session=session, action="close")
    session_transition(actor=qm, session=session, action="hold")
    with pytest.raises(ValidationFailed):
        session_transition(actor=qm, session=session, action="close")  # no attendance yet
    attendance_record(actor=qm, session=session, rows=[(technician, Presence.PRESENT, 90)])
    session_transition(actor=qm, session=session, action="close")
    session.refresh_from_db()
    assert session.status == SessionStatus.CLOSED and session.closed_at is not None
    with pytest.raises(ValidationFailed):
        attendance_record(actor=qm, session=session, rows=[(technician, Presence.PRESENT, 10)])  # final
    with pytest.raises(ValidationFailed):
        session_update(actor=qm, session=session, place="别处")
    actions = list(
        AuditEvent.objects.filter(action__startswith="training.session").order_by("id").values_list("action", flat=True)
    )
    assert actions == ["training.session.plan", "training.session.hold", "training.session.close"]


def test_a_session_is_not_held_before_it_starts(qm):
    session = planned(qm, make_course(qm), day=TODAY() + dt.timedelta(days=1))
    with pytest.raises(ValidationFailed):
        session_transition(actor=qm, session=session, action="hold")
    session_transition(actor=qm, session=session, action="hold", now=session.starts_at)
    assert Session.objects.get().status == SessionStatus.HELD


def test_cancelling_needs_a_reason(qm):
    session = planned(qm, make_course(qm))
    with pytest.raises(ValidationFailed):
        session_transition(actor=qm, session=session, action="cancel", reason=" ")
    session_transition(actor=qm, session=session, action="cancel", reason="讲师请假")
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED and "讲师请假" in session.notes


@pytest.mark.parametrize(
    ("pass_score", "presence", "score", "passed"),
    [
        (60, Presence.PRESENT, 60, True),  # the pass score itself passes
        (60, Presence.PRESENT, 59, False),
        (60, Presence.PRESENT, None, False),  # no exam taken
        (None, Presence.PRESENT, None, True),  # no exam: attending is passing
        (None, Presence.PRESENT, 10, True),
        (60, Presence.ABSENT, None, False),
        (None, Presence.EXCUSED, None, False),
    ],
)
def test_passed_is_computed_from_the_pass_score(qm, technician, pass_score, presence, score, passed):
    session = closed_session(qm, make_course(qm, pass_score=pass_score), TODAY(), {technician: (presence, score)})
    assert Attendance.objects.get(session=session).passed is passed


@pytest.mark.parametrize(
    ("presence", "score"),
    [(Presence.PRESENT, 101), (Presence.PRESENT, -1), (Presence.ABSENT, 50), ("asleep", None), (Presence.PRESENT, 9.5)],
)
def test_bad_attendance_is_refused_and_nothing_is_written(qm, technician, presence, score):
    session = planned(qm, make_course(qm), day=TODAY())
    session_transition(actor=qm, session=session, action="hold", now=session.starts_at)
    with pytest.raises(ValidationFailed):
        attendance_record(actor=qm, session=session, rows=[(technician, presence, score)])
    assert not Attendance.objects.exists()


def test_attendance_can_be_corrected_until_closed(qm, technician):
    course = make_course(qm, pass_score=60)
    session = closed_session(qm, course, TODAY(), {technician: (Presence.PRESENT, 50)}, close=False)
    attendance_record(actor=qm, session=session, rows=[(technician, Presence.PRESENT, 75)])
    row = Attendance.objects.get()
    assert (row.score, row.passed) == (75, True)
    assert AuditEvent.objects.filter(action="training.attendance.record").count() == 2


# --- due lists ----------------------------------------------------------------------------------


def test_next_due_counts_from_the_last_closed_session_passed(qm, technician, make_user):
    other = make_user(Role.TECHNICIAN)
    course = make_course(qm, pass_score=60)  # monthly
    today = TODAY()
    passed(qm, course, technician, today - dt.timedelta(days=70))
    passed(qm, course, technician, today - dt.timedelta(days=40))  # the last one counts
    closed_session(qm, course, today - dt.timedelta(days=5), {technician: (Presence.PRESENT, 30)})  # failed
    closed_session(qm, course, today - dt.timedelta(days=3), {technician: (Presence.PRESENT, 99)}, close=False)
    rows = {r.person.pk: r for r in due_rows(qm)}
    from aftersales.catalog.warranty import add_months

    mine = rows[technician.pk]
    assert mine.last_passed == today - dt.timedelta(days=40)
    assert mine.next_due == add_months(today - dt.timedelta(days=40), 1)
    assert mine.state == DueState.OVERDUE
    assert rows[other.pk].state == DueState.NEVER
    # the open session closes: he is up to date
    session = Session.objects.get(status=SessionStatus.HELD)
    session_transition(actor=qm, session=session, action="close")
    assert {r.person.pk: r for r in due_rows(qm)}[technician.pk].state in (DueState.OK, DueState.DUE)


def test_the_due_list_holds_only_the_audience_and_active_courses(qm, technician, agent):
    course = make_course(qm, audience=["agent"])
    assert [r.person for r in due_rows(qm)] == [agent]
    course_update(actor=qm, course=course, is_active=False)
    assert due_rows(qm) == []


def test_a_record_shows_courses_scores_and_certifications(qm, technician):
    course = make_course(qm, kind=CourseKind.PRODUCT, pass_score=70)
    cert_course = make_course(
        qm, title="燃气热水器安装", kind=CourseKind.SKILLS, certifies_service_type="installation", validity_months=12
    )
    passed(qm, course, technician, TODAY() - dt.timedelta(days=10), score=82)
    passed(qm, cert_course, technician, TODAY() - dt.timedelta(days=10), score=95)
    record = training_record_for(technician)
    assert [c["course"] for c in record.courses] == [course, cert_course] or len(record.courses) == 2
    assert record.mean_score == 88.5
    assert [r.cert.service_type for r in record.certifications] == ["installation"]
    assert record.overdue == 0


# --- certifications -----------------------------------------------------------------------------


def _cert_course(qm, **kw):
    return make_course(
        qm,
        title="燃气热水器安装资质",
        kind=CourseKind.SKILLS,
        pass_score=80,
        certifies_service_type=ServiceType.INSTALLATION,
        validity_months=12,
        **kw,
    )


def test_passing_a_certifying_course_grants_the_certification_when_the_session_closes(qm, technician):
    course = _cert_course(qm)
    day = TODAY() - dt.timedelta(days=3)
    session = closed_session(qm, course, day, {technician: (Presence.PRESENT, 85)}, close=False)
    assert not Certification.objects.exists()
    session_transition(actor=qm, session=session, action="close")
    cert = Certification.objects.get()
    assert (cert.person, cert.granted_on, cert.service_type, cert.category) == (technician, day, "installation", None)
    assert cert.expires_on == day.replace(year=day.year + 1) or cert.expires_on.month == day.month
    message = OutboxMessage.objects.get(key="training.certified")
    assert message.recipient == technician and "Installation" in render(message.key, message.params)


def test_failing_or_missing_grants_nothing(qm, technician, make_user):
    other = make_user(Role.TECHNICIAN)
    closed_session(qm, _cert_course(qm), TODAY(), {technician: (Presence.PRESENT, 79), other: (Presence.ABSENT, None)})
    assert not Certification.objects.exists()


def test_a_renewal_extends_and_never_shortens(qm, technician):
    course = _cert_course(qm)
    today = TODAY()
    passed(qm, course, technician, today - dt.timedelta(days=300))
    first = Certification.objects.get().expires_on
    passed(qm, course, technician, today - dt.timedelta(days=2))
    renewed = Certification.objects.get()
    assert renewed.expires_on > first and renewed.granted_on == today - dt.timedelta(days=2)
    passed(qm, course, technician, today - dt.timedelta(days=200))  # an older session closed late
    assert Certification.objects.get().expires_on == renewed.expires_on
    assert AuditEvent.objects.filter(action="training.certification.renew").count() == 2


def test_session_times_are_shanghai_days(qm, technician):
    """A session at 07:00 Shanghai is the previous day in UTC: its day is Shanghai's."""
    course = _cert_course(qm)
    day = TODAY() - dt.timedelta(days=1)
    session = planned(qm, course, day=day)
    session_update(actor=qm, session=session, starts_at=at(day, 7))
    session_transition(actor=qm, session=session, action="hold")
    attendance_record(actor=qm, session=session, rows=[(technician, Presence.PRESENT, 90)])
    session_transition(actor=qm, session=session, action="close")
    assert Certification.objects.get().granted_on == day
    assert timezone.localtime(Session.objects.get().starts_at).hour == 7
