"""Reads of training; each starts from the scoped queryset of ``permissions``.

Dates are days in Asia/Shanghai (``timezone.localdate``). The rules, in one place:

- a person's next due day for a recurring course = the day of the last *closed* session of that
  course he *passed* + the course's recurrence (calendar months, clamped to the month's end);
  *overdue* from the day after it, *due* from the first of its month to that day, *never*
  when he has not passed it yet;
- a certification is valid up to the day before ``expires_on``; it *expires soon* in the last
  ``EXPIRY_NOTICE_DAYS`` days, and has *lapsed* from ``expires_on`` on;
- a lapsed certification keeps its skill's jobs from its holder: dispatch neither proposes nor
  gives him such a job until he passes again; a course that *requires* the certification keeps
  them from everybody without a valid one (``dispatch_blocks``, filling
  ``dispatch.slots.TECHNICIAN_BLOCKS``).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.choices import Role
from aftersales.accounts.models import User
from aftersales.catalog.warranty import add_months

from .choices import CertState, DueState, SessionStatus
from .models import Attendance, Certification, Course, Session, skill_label
from .permissions import course_list_for, people_list_for, person_can_read, session_list_for

__all__ = [
    "EXPIRY_NOTICE_DAYS",
    "audience_people",
    "cert_state",
    "certification_rows",
    "course_get_for",
    "course_list_for",
    "dispatch_blocks",
    "due_rows",
    "due_state",
    "person_card_context",
    "person_get_for",
    "session_get_for",
    "session_list_for",
    "training_record_for",
]

EXPIRY_NOTICE_DAYS = 30


def today() -> dt.date:
    return timezone.localdate()


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def session_day(session: Session) -> dt.date:
    return timezone.localtime(session.starts_at).date()


# --- rules --------------------------------------------------------------------------------------


def next_due(last_passed: dt.date | None, recurrence_months: int) -> dt.date | None:
    if last_passed is None or not recurrence_months:
        return None
    return add_months(last_passed, recurrence_months)


def due_state(last_passed: dt.date | None, recurrence_months: int, on: dt.date) -> tuple[str, dt.date | None]:
    """(state, next due day) of one person and one course on day ``on``."""
    if last_passed is None:
        return DueState.NEVER, None
    due = next_due(last_passed, recurrence_months)
    if due is None:  # a course taken once
        return DueState.OK, None
    if due < on:
        return DueState.OVERDUE, due
    if due <= month_end(on):
        return DueState.DUE, due
    return DueState.OK, due


def cert_state(expires_on: dt.date, on: dt.date) -> str:
    if on >= expires_on:
        return CertState.LAPSED
    if (expires_on - on).days <= EXPIRY_NOTICE_DAYS:
        return CertState.EXPIRING
    return CertState.VALID


# --- courses and sessions -----------------------------------------------------------------------


def course_get_for(user, pk: int) -> Course:
    course = course_list_for(user).select_related("certifies_category").filter(pk=pk).first()
    if course is None:
        raise Http404
    return course


def session_get_for(user, pk: int) -> Session:
    session = (
        session_list_for(user).select_related("course", "course__certifies_category", "trainer").filter(pk=pk).first()
    )
    if session is None:
        raise Http404
    return session


def session_rows(user, *, status: str = "", course_id: int | None = None) -> QuerySet[Session]:
    qs = session_list_for(user).select_related("course", "trainer")
    if status:
        qs = qs.filter(status=status)
    if course_id:
        qs = qs.filter(course_id=course_id)
    return qs.order_by("-starts_at", "-id")


def audience_people(course: Course) -> QuerySet[User]:
    """The active people a course is for (its audience roles), by name."""
    return (
        User.objects.filter(is_active=True, role__in=list(course.audience or ()))
        .exclude(role=Role.CUSTOMER)
        .select_related("organization")
        .order_by("organization_id", "last_name", "first_name", "id")
    )


def roster(session: Session) -> list[dict]:
    """The people of a session's attendance sheet: the course's audience and anybody already recorded,
    each with his recorded attendance (or None)."""
    recorded = {a.person_id: a for a in session.attendance.select_related("person")}
    people = list(audience_people(session.course))
    seen = {p.pk for p in people}
    people += [a.person for a in recorded.values() if a.person_id not in seen]
    return [{"person": p, "attendance": recorded.get(p.pk)} for p in people]


def last_passed(*, person_ids=None, course_ids=None) -> dict[tuple[int, int], dt.date]:
    """(person id, course id) → the day of the last closed session of the course he passed."""
    qs = Attendance.objects.filter(passed=True, session__status=SessionStatus.CLOSED)
    if person_ids is not None:
        qs = qs.filter(person_id__in=list(person_ids))
    if course_ids is not None:
        qs = qs.filter(session__course_id__in=list(course_ids))
    rows = qs.values("person_id", "session__course_id").annotate(at=Max("session__starts_at"))
    return {(r["person_id"], r["session__course_id"]): timezone.localtime(r["at"]).date() for r in rows}


def next_planned(course_ids) -> dict[int, Session]:
    """Each course's next planned session (from now on)."""
    out: dict[int, Session] = {}
    for s in Session.objects.filter(
        course_id__in=list(course_ids), status=SessionStatus.PLANNED, starts_at__gte=timezone.now()
    ).order_by("starts_at", "id"):
        out.setdefault(s.course_id, s)
    return out


@dataclass
class DueRow:
    person: User
    course: Course
    last_passed: dt.date | None
    next_due: dt.date | None
    state: str
    planned: Session | None = None

    @property
    def state_label(self) -> str:
        return str(DueState(self.state).label)

    @property
    def days_overdue(self) -> int:
        return (today() - self.next_due).days if self.state == DueState.OVERDUE and self.next_due else 0


def due_rows(user, *, on: dt.date | None = None, states=None, course_id=None, person=None) -> list[DueRow]:
    """Every person of every active course's audience with his state on day ``on`` (``states``: keep only
    these), the most urgent first: overdue (longest first), never trained, due this month."""
    on = on or today()
    courses = list(course_list_for(user).filter(is_active=True).select_related("certifies_category"))
    if course_id:
        courses = [c for c in courses if c.pk == course_id]
    roles = {r for c in courses for r in (c.audience or ())}
    people = User.objects.filter(is_active=True, role__in=roles).exclude(role=Role.CUSTOMER)
    people = people.select_related("organization")
    if person is not None:
        people = people.filter(pk=person.pk)
    people = list(people.order_by("last_name", "first_name", "id"))
    last = last_passed(person_ids=[p.pk for p in people], course_ids=[c.pk for c in courses])
    planned = next_planned([c.pk for c in courses])
    out = []
    for course in courses:
        for p in people:
            if p.role not in (course.audience or ()):
                continue
            day = last.get((p.pk, course.pk))
            state, due = due_state(day, course.recurrence_months, on)
            if states and state not in states:
                continue
            out.append(DueRow(p, course, day, due, state, planned.get(course.pk)))
    order = {DueState.OVERDUE: 0, DueState.NEVER: 1, DueState.DUE: 2, DueState.OK: 3}
    out.sort(key=lambda r: (order[r.state], r.next_due or dt.date.max, r.course.title, r.person.display_name))
    return out


def due_counts(rows: list[DueRow]) -> dict[str, int]:
    counts = {s: 0 for s in DueState.values}
    for r in rows:
        counts[r.state] += 1
    return counts


# --- certifications -----------------------------------------------------------------------------


@dataclass
class CertRow:
    cert: Certification
    state: str
    days_left: int

    @property
    def state_label(self) -> str:
        return str(CertState(self.state).label)


def cert_rows_of(certs, on: dt.date) -> list[CertRow]:
    return [CertRow(c, cert_state(c.expires_on, on), (c.expires_on - on).days) for c in certs]


def certification_rows(user, *, on: dt.date | None = None, state: str = "") -> list[CertRow]:
    """Certifications of the people ``user`` may read, soonest expiry first."""
    on = on or today()
    qs = Certification.objects.filter(person__in=people_list_for(user)).select_related("person", "category", "course")
    if state == CertState.LAPSED:
        qs = qs.filter(expires_on__lte=on)
    elif state == CertState.EXPIRING:
        qs = qs.filter(expires_on__gt=on, expires_on__lte=on + dt.timedelta(days=EXPIRY_NOTICE_DAYS))
    elif state == CertState.VALID:
        qs = qs.filter(expires_on__gt=on + dt.timedelta(days=EXPIRY_NOTICE_DAYS))
    return cert_rows_of(qs.order_by("expires_on", "id"), on)


def _certified_skills(courses, service_type: str, category_id) -> dict[tuple[str, int | None], bool]:
    """The certified skills a job of (service type, category) falls under → whether a certification is
    required of everybody (else only a lapsed one blocks)."""
    out: dict[tuple[str, int | None], bool] = {}
    for c in courses:
        if c.certifies_service_type == service_type and c.certifies_category_id in (None, category_id):
            key = (c.certifies_service_type, c.certifies_category_id)
            out[key] = out.get(key, False) or c.certification_required
    return out


def dispatch_blocks(technician_ids, skills, *, day: dt.date) -> dict[tuple[int, str, int | None], str]:
    """Fills ``dispatch.slots.TECHNICIAN_BLOCKS``: for each job skill (service type, category) that an
    active course certifies, the technicians whose certification for it has lapsed on ``day`` are
    blocked, and — when a course requires the certification — those who never had one too, each with
    the reason. Two queries."""
    courses = list(Course.objects.filter(is_active=True).exclude(certifies_service_type="").select_related())
    if not courses:
        return {}
    needed = {skill: _certified_skills(courses, *skill) for skill in skills}
    if not any(needed.values()):
        return {}
    certs = {
        (c.person_id, c.service_type, c.category_id): c
        for c in Certification.objects.filter(person_id__in=list(technician_ids)).select_related("category")
    }
    labels = {(c.certifies_service_type, c.certifies_category_id): c.skill_label for c in courses}
    out = {}
    for (st, category), certified in needed.items():
        for tid in technician_ids:
            for req in sorted(certified, key=str):
                cert = certs.get((tid, *req))
                if cert is None and certified[req]:
                    out[(tid, st, category)] = _("No valid certification for %(skill)s.") % {"skill": labels[req]}
                    break
                if cert is not None and day >= cert.expires_on:
                    out[(tid, st, category)] = _("The certification for %(skill)s lapsed on %(day)s.") % {
                        "skill": labels[req],
                        "day": cert.expires_on.isoformat(),
                    }
                    break
    return out


# --- a person's record --------------------------------------------------------------------------


def person_get_for(user, pk: int) -> User:
    person = people_list_for(user).select_related("organization").filter(pk=pk).first()
    if person is None:
        raise Http404
    return person


@dataclass
class Record:
    person: User
    courses: list[dict] = field(default_factory=list)
    certifications: list[CertRow] = field(default_factory=list)
    upcoming: list[Session] = field(default_factory=list)
    history: list[Attendance] = field(default_factory=list)
    scores: list[int] = field(default_factory=list)  # every exam score of his held and closed sessions

    @property
    def overdue(self) -> int:
        return sum(1 for c in self.courses if c["state"] == DueState.OVERDUE)

    @property
    def due(self) -> int:
        return sum(1 for c in self.courses if c["state"] in (DueState.DUE, DueState.NEVER))

    @property
    def lapsed(self) -> int:
        return sum(1 for c in self.certifications if c.state == CertState.LAPSED)

    @property
    def mean_score(self) -> float | None:
        return round(sum(self.scores) / len(self.scores), 1) if self.scores else None


def training_record_for(person: User, *, on: dt.date | None = None, history: int = 20) -> Record:
    """One person's training record: each course of his audience (or that he attended) with his last
    session, score, pass and next due day; his certifications with their state; the planned sessions
    of his courses; his last ``history`` attendances. For his own page, the manager's view of him and
    other apps' pages (a scorecard: include ``training/_person_card.html`` with ``record``)."""
    on = on or today()
    attended = list(
        Attendance.objects.filter(person=person, session__status__in=[SessionStatus.HELD, SessionStatus.CLOSED])
        .select_related("session", "session__course")
        .order_by("-session__starts_at", "-id")[:200]
    )
    course_ids = {a.session.course_id for a in attended}
    # Courses are few: the audience (a JSON list of roles) is matched here, the same on every database.
    courses = list(Course.objects.filter(Q(is_active=True) | Q(pk__in=course_ids)).select_related("certifies_category"))
    courses = [c for c in courses if person.role in (c.audience or ()) or c.pk in course_ids]
    courses.sort(key=lambda c: (c.kind, c.title, c.pk))
    last = last_passed(person_ids=[person.pk], course_ids=[c.pk for c in courses])
    record = Record(person)
    for course in courses:
        mine = [a for a in attended if a.session.course_id == course.pk]
        latest = mine[0] if mine else None
        day = last.get((person.pk, course.pk))
        state, due = due_state(day, course.recurrence_months, on)
        if person.role not in (course.audience or ()) and state != DueState.OK:
            state = DueState.OK  # attended once, no longer his course: nothing due
        record.courses.append(
            {
                "course": course,
                "last": latest,
                "last_passed": day,
                "next_due": due,
                "state": state,
                "state_label": DueState(state).label,
            }
        )
    certs = Certification.objects.filter(person=person).select_related("category", "course").order_by("expires_on")
    record.certifications = cert_rows_of(certs, on)
    ids = [c["course"].pk for c in record.courses if person.role in (c["course"].audience or ())]
    record.upcoming = list(
        Session.objects.filter(course_id__in=ids, status=SessionStatus.PLANNED, starts_at__gte=timezone.now())
        .select_related("course")
        .order_by("starts_at", "id")[:10]
    )
    record.history = attended[:history]
    record.scores = [a.score for a in attended if a.score is not None]
    return record


def person_card_context(request, person) -> dict | None:
    """Fills ``dispatch.slots.TECHNICIAN_SIDE``: the training card, for who may read the person's record."""
    if not person_can_read(request.user, person):
        return None
    return {"record": training_record_for(person, history=5), "person": person}


__all__ += ["DueRow", "Record", "month_end", "roster", "session_day", "session_rows", "skill_label"]
