"""Writes of training: keyword-only ``actor``, atomic, audited; bad input raises before anything is
written; a session's status moves only through ``choices.SESSION_TRANSITIONS``.

- ``course_create`` / ``course_update``: what is taught, how often (default per kind, seed 002), to whom;
- ``session_plan`` / ``session_update`` / ``session_transition``: planned → held → closed (or cancelled);
- ``attendance_record``: present / absent / excused and the exam score (0–100) of each person;
  ``passed`` = present and, when the course has a pass mark, a score reaching it;
- closing a session makes its results count: the due lists read closed sessions, and each pass of a
  course that certifies a skill grants or renews the certification (``certification_grant``);
- ``certification_sweep``: reminders 30 days before a certification expires and a notice when it
  lapses, to the person and his manager, once per expiry (periodic: ``tasks.py``).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.choices import OrganizationKind, Role
from aftersales.accounts.models import User
from aftersales.catalog.models import ProductCategory
from aftersales.catalog.warranty import add_months
from aftersales.core.audit import audit_record
from aftersales.core.errors import PermissionDeniedError, ValidationFailed
from aftersales.core.messages import msg
from aftersales.core.ranges import moment_in_range
from aftersales.core.states import transition_apply
from aftersales.notifications.models import Channel
from aftersales.notifications.services import message_send
from aftersales.quality.choices import CaseStatus
from aftersales.quality.models import Case
from aftersales.quality.permissions import case_list_for
from aftersales.tickets.choices import ServiceType

from .choices import (
    KIND_DEFAULTS,
    SESSION_TRANSITIONS,
    TRAINING_ROLES,
    CourseFormat,
    CourseKind,
    Presence,
    Recurrence,
    SessionAction,
    SessionStatus,
)
from .models import Attendance, Certification, Course, Session
from .selectors import EXPIRY_NOTICE_DAYS, audience_people, session_day

TITLE_MAX = 200
TEXT_MAX = 5000
PLACE_MAX = 200
CASES_MAX = 20
ROWS_MAX = 500
VALIDITY_MAX = 120


def _check_actor(actor) -> None:
    if actor is None or not actor.is_authenticated or not actor.has_role(*TRAINING_ROLES):
        raise PermissionDeniedError()


def skill_msg(service_type: str, category) -> dict:
    """A skill as a nested message (rendered in the reader's language)."""
    if category is None:
        return msg("training.skill_any", service_type=service_type).as_dict()
    return msg("training.skill", service_type=service_type, category=str(category)).as_dict()


# --- courses ------------------------------------------------------------------------------------

COURSE_FIELDS = (
    "title",
    "kind",
    "format",
    "description",
    "recurrence_months",
    "audience",
    "pass_score",
    "certifies_service_type",
    "certifies_category",
    "validity_months",
    "certification_required",
    "is_active",
)


def _course_clean(data: dict, *, current: Course | None = None) -> dict:
    errors: dict[str, list] = {}
    out: dict = {}
    if "title" in data:
        out["title"] = " ".join(str(data["title"] or "").split())
        if not out["title"]:
            errors["title"] = [_("This field is required.")]
        elif len(out["title"]) > TITLE_MAX:
            errors["title"] = [_("At most %(n)d characters.") % {"n": TITLE_MAX}]
    if "kind" in data:
        out["kind"] = data["kind"]
        if out["kind"] not in CourseKind.values:
            errors["kind"] = [_("Choose one of: %(v)s") % {"v": ", ".join(CourseKind.values)}]
    if "format" in data:
        out["format"] = data["format"]
        if out["format"] not in CourseFormat.values:
            errors["format"] = [_("Choose one of: %(v)s") % {"v": ", ".join(CourseFormat.values)}]
    if "description" in data:
        out["description"] = str(data["description"] or "").strip()
        if len(out["description"]) > TEXT_MAX:
            errors["description"] = [_("At most %(n)d characters.") % {"n": TEXT_MAX}]
    if "recurrence_months" in data:
        out["recurrence_months"] = data["recurrence_months"]
        if out["recurrence_months"] not in Recurrence.values:
            errors["recurrence_months"] = [_("Choose one of: %(v)s") % {"v": ", ".join(map(str, Recurrence.values))}]
    if "audience" in data:
        roles = list(dict.fromkeys(str(r) for r in (data["audience"] or ())))
        bad = [r for r in roles if r not in Role.values or r == Role.CUSTOMER]
        if bad or not roles:
            errors["audience"] = [_("Choose at least one role of staff.")]
        out["audience"] = sorted(roles)
    if "pass_score" in data:
        score = data["pass_score"]
        if score is not None and (isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 100):
            errors["pass_score"] = [_("A whole number from 0 to 100.")]
        out["pass_score"] = score
    if "is_active" in data:
        out["is_active"] = bool(data["is_active"])
    # The certified skill: a service type (and optionally a category) with a validity, or nothing.
    cert_keys = ("certifies_service_type", "certifies_category", "validity_months", "certification_required")
    if any(k in data for k in cert_keys):
        st = data.get("certifies_service_type", current.certifies_service_type if current else "") or ""
        category = data.get("certifies_category", current.certifies_category if current else None)
        months = data.get("validity_months", current.validity_months if current else None)
        required = bool(data.get("certification_required", current.certification_required if current else False))
        if st and st not in ServiceType.values:
            errors["certifies_service_type"] = [_("Choose one of: %(v)s") % {"v": ", ".join(ServiceType.values)}]
        if category is not None and not isinstance(category, ProductCategory):
            errors["certifies_category"] = [_("Not found.")]
        if st:
            if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= VALIDITY_MAX:
                errors["validity_months"] = [
                    _("A course that certifies a skill needs a validity of 1 to %(n)d months.") % {"n": VALIDITY_MAX}
                ]
        elif (
            data.get("certifies_category") is not None
            or data.get("validity_months")
            or data.get("certification_required")
        ):
            errors["certifies_service_type"] = [_("Choose the service type the course certifies.")]
        out.update(
            certifies_service_type=st,
            certifies_category=category if st else None,
            validity_months=months if st else None,
            certification_required=required if st else False,
        )
    if errors:
        raise ValidationFailed(fields=errors)
    return out


@transaction.atomic
def course_create(
    *,
    actor,
    title: str,
    kind: str,
    audience,
    format: str = "",
    recurrence_months: int | None = None,
    description: str = "",
    pass_score: int | None = None,
    certifies_service_type: str = "",
    certifies_category: ProductCategory | None = None,
    validity_months: int | None = None,
    certification_required: bool = False,
) -> Course:
    """A course; its recurrence and format default to its kind's (seed 002: service philosophy monthly,
    case analysis quarterly, product knowledge half-yearly …). A course that certifies a skill says for
    how long, and whether everybody doing that skill must hold the certification (otherwise only a
    lapsed one blocks its holder)."""
    _check_actor(actor)
    default_months, default_format = KIND_DEFAULTS.get(kind, (0, CourseFormat.LECTURE))
    data = _course_clean(
        {
            "title": title,
            "kind": kind,
            "format": format or default_format,
            "description": description,
            "recurrence_months": default_months if recurrence_months is None else recurrence_months,
            "audience": audience,
            "pass_score": pass_score,
            "certifies_service_type": certifies_service_type,
            "certifies_category": certifies_category,
            "validity_months": validity_months,
            "certification_required": certification_required,
        }
    )
    course = Course.objects.create(**data)
    audit_record(
        actor=actor,
        action="training.course.create",
        obj=course,
        changes={k: [None, str(v) if isinstance(v, ProductCategory) else v] for k, v in data.items()},
    )
    return course


@transaction.atomic
def course_update(*, actor, course: Course, **data) -> Course:
    """Change a course: only the fields given."""
    _check_actor(actor)
    unknown = set(data) - set(COURSE_FIELDS)
    if unknown:
        raise ValidationFailed(fields={k: [_("Unknown field.")] for k in sorted(unknown)})
    course = Course.objects.select_for_update().get(pk=course.pk)
    clean = _course_clean(data, current=course)
    changes = {}
    for name, value in clean.items():
        old = getattr(course, name)
        if old != value:
            show = (lambda v: str(v) if v is not None else None) if name == "certifies_category" else (lambda v: v)
            changes[name] = [show(old), show(value)]
            setattr(course, name, value)
    if changes:
        course.save()
        audit_record(actor=actor, action="training.course.update", obj=course, changes=changes)
    return course


# --- sessions -----------------------------------------------------------------------------------


def _session_clean(actor, data: dict) -> dict:
    errors: dict[str, list] = {}
    out: dict = {}
    if "starts_at" in data:
        at = data["starts_at"]
        if not isinstance(at, dt.datetime) or timezone.is_naive(at) or not moment_in_range(at):
            errors["starts_at"] = [_("Enter a date and time.")]
        out["starts_at"] = at
    if "duration_minutes" in data:
        minutes = data["duration_minutes"]
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 24 * 60:
            errors["duration_minutes"] = [_("From 1 minute to 24 hours.")]
        out["duration_minutes"] = minutes
    if "trainer" in data:
        trainer = data["trainer"]
        if trainer is not None and (
            not isinstance(trainer, User) or not trainer.is_active or trainer.role == Role.CUSTOMER
        ):
            errors["trainer"] = [_("Choose a member of staff.")]
        out["trainer"] = trainer
    if "place" in data:
        out["place"] = " ".join(str(data["place"] or "").split())
        if len(out["place"]) > PLACE_MAX:
            errors["place"] = [_("At most %(n)d characters.") % {"n": PLACE_MAX}]
    if "online" in data:
        out["online"] = bool(data["online"])
    if "notes" in data:
        out["notes"] = str(data["notes"] or "").strip()
        if len(out["notes"]) > TEXT_MAX:
            errors["notes"] = [_("At most %(n)d characters.") % {"n": TEXT_MAX}]
    if "cases" in data:
        cases = list(dict.fromkeys(data["cases"] or ()))
        visible = set(
            case_list_for(actor)
            .filter(pk__in=[c.pk for c in cases if isinstance(c, Case)], status=CaseStatus.PUBLISHED)
            .values_list("pk", flat=True)
        )
        if len(cases) > CASES_MAX:
            errors["cases"] = [_("At most %(n)d cases.") % {"n": CASES_MAX}]
        elif any(not isinstance(c, Case) or c.pk not in visible for c in cases):
            errors["cases"] = [_("Choose published cases of the case library.")]
        out["cases"] = cases
    if errors:
        raise ValidationFailed(fields=errors)
    return out


@transaction.atomic
def session_plan(
    *,
    actor,
    course: Course,
    starts_at: dt.datetime,
    duration_minutes: int = 60,
    trainer: User | None = None,
    place: str = "",
    online: bool = False,
    cases=(),
    notes: str = "",
) -> Session:
    """Plan a session of an active course; its audience is told (in the app)."""
    _check_actor(actor)
    course = Course.objects.filter(pk=course.pk, is_active=True).first() if isinstance(course, Course) else None
    if course is None:
        raise ValidationFailed(fields={"course": [_("Choose an active course.")]})
    data = _session_clean(
        actor,
        {
            "starts_at": starts_at,
            "duration_minutes": duration_minutes,
            "trainer": trainer,
            "place": place,
            "online": online,
            "cases": cases,
            "notes": notes,
        },
    )
    if not data["place"] and not data["online"]:
        raise ValidationFailed(fields={"place": [_("Say where, or that it is online.")]})
    cases = data.pop("cases")
    session = Session.objects.create(course=course, **data)
    session.cases.set(cases)
    audit_record(
        actor=actor,
        action="training.session.plan",
        obj=session,
        changes={"course": [None, course.pk], "starts_at": [None, starts_at.isoformat()], "cases": [None, len(cases)]},
    )
    people = [p for p in audience_people(course) if p.pk != actor.pk]
    if people:
        message_send(
            key="training.session_planned",
            params={
                "course": course.title,
                "at": starts_at,
                "place": data["place"] or str(_("online")),
            },
            to=people,
            url=reverse("training:me"),
        )
    return session


@transaction.atomic
def session_update(*, actor, session: Session, **data) -> Session:
    """Change when, where, by whom, the notes or the cases of a session not closed yet."""
    _check_actor(actor)
    unknown = set(data) - {"starts_at", "duration_minutes", "trainer", "place", "online", "notes", "cases"}
    if unknown:
        raise ValidationFailed(fields={k: [_("Unknown field.")] for k in sorted(unknown)})
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.status not in (SessionStatus.PLANNED, SessionStatus.HELD):
        raise ValidationFailed(_("A closed or cancelled session cannot be changed."))
    clean = _session_clean(actor, data)
    changes = {}
    if "cases" in clean:
        cases = clean.pop("cases")
        before = sorted(session.cases.values_list("pk", flat=True))
        after = sorted(c.pk for c in cases)
        if before != after:
            session.cases.set(cases)
            changes["cases"] = [before, after]
    for name, value in clean.items():
        old = getattr(session, name)
        if old != value:
            changes[name] = [str(old) if old is not None else None, str(value) if value is not None else None]
            setattr(session, name, value)
    if not session.place and not session.online:
        raise ValidationFailed(fields={"place": [_("Say where, or that it is online.")]})
    if changes:
        session.save()
        audit_record(actor=actor, action="training.session.update", obj=session, changes=changes)
    return session


@transaction.atomic
def session_transition(*, actor, session: Session, action: str, reason: str = "", now=None) -> Session:
    """Mark a session held (not before it starts), close it (its results become final: due days and
    certifications count from now on), or cancel a planned one (with a reason)."""
    _check_actor(actor)
    now = now or timezone.now()
    session = Session.objects.select_for_update().select_related("course").get(pk=session.pk)
    if action == SessionAction.HOLD and session.status == SessionStatus.PLANNED and session.starts_at > now:
        raise ValidationFailed(_("A session cannot be marked as held before it starts."))
    if action == SessionAction.CLOSE and session.status == SessionStatus.HELD and not session.attendance.exists():
        raise ValidationFailed(_("Record the attendance before closing the session."))
    before, after = transition_apply(session, SESSION_TRANSITIONS, action, actor=actor, reason=reason, check_roles=True)
    changes = {"status": [before, after]}
    if action == SessionAction.CANCEL:
        note = str(reason).strip()[:TEXT_MAX]
        session.notes = f"{session.notes}\n{note}".strip() if session.notes else note
        changes["reason"] = [None, note]
    if action == SessionAction.CLOSE:
        session.closed_at = now
    session.save()
    audit_record(actor=actor, action=f"training.session.{action}", obj=session, changes=changes)
    if action == SessionAction.CLOSE and session.course.certifies:
        for attendance in session.attendance.filter(passed=True).select_related("person"):
            certification_grant(actor=actor, attendance=attendance, session=session)
    return session


def passed_for(course: Course, presence: str, score: int | None) -> bool:
    if presence != Presence.PRESENT:
        return False
    if course.pass_score is None:
        return True
    return score is not None and score >= course.pass_score


@transaction.atomic
def attendance_record(*, actor, session: Session, rows, now=None) -> list[Attendance]:
    """Record (or correct) who came and the exam scores of a held session: ``rows`` of
    (person, presence, score or None). Only present people have a score."""
    _check_actor(actor)
    now = now or timezone.now()
    session = Session.objects.select_for_update().select_related("course").get(pk=session.pk)
    if session.status != SessionStatus.HELD:
        raise ValidationFailed(_("Attendance is recorded once the session is held and before it is closed."))
    rows = list(rows or ())
    errors: dict[str, list] = {}
    if not rows:
        errors["rows"] = [_("Record at least one person.")]
    if len(rows) > ROWS_MAX:
        errors["rows"] = [_("At most %(n)d people at once.") % {"n": ROWS_MAX}]
    seen = set()
    for person, presence, score in rows[:ROWS_MAX]:
        key = f"person_{getattr(person, 'pk', '')}"
        if not isinstance(person, User) or person.role == Role.CUSTOMER:
            errors.setdefault("rows", []).append(_("Only members of staff attend training."))
            continue
        if person.pk in seen:
            errors[key] = [_("Listed twice.")]
        seen.add(person.pk)
        if presence not in Presence.values:
            errors[key] = [_("Choose present, absent or excused.")]
        elif score is not None and (isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 100):
            errors[key] = [_("A score is a whole number from 0 to 100.")]
        elif score is not None and presence != Presence.PRESENT:
            errors[key] = [_("Only a person who was present has a score.")]
    if errors:
        raise ValidationFailed(fields=errors)
    existing = {a.person_id: a for a in session.attendance.select_for_update()}
    out, changes = [], {}
    for person, presence, score in rows:
        passed = passed_for(session.course, presence, score)
        row = existing.get(person.pk)
        if row is None:
            row = Attendance.objects.create(
                session=session, person=person, presence=presence, score=score, passed=passed, recorded_at=now
            )
            changes[str(person.pk)] = [None, [presence, score]]
        elif (row.presence, row.score, row.passed) != (presence, score, passed):
            changes[str(person.pk)] = [[row.presence, row.score], [presence, score]]
            row.presence, row.score, row.passed, row.recorded_at = presence, score, passed, now
            row.save()
        out.append(row)
    if changes:
        audit_record(actor=actor, action="training.attendance.record", obj=session, changes=changes)
    return out


# --- certifications -----------------------------------------------------------------------------


def certification_grant(*, actor, attendance: Attendance, session: Session) -> Certification:
    """Grant, or renew, the certification a passed session of a certifying course gives: valid for the
    course's months from the session's day (a renewal never shortens it). Called when a session closes."""
    course = session.course
    day = session_day(session)
    expires = add_months(day, course.validity_months)
    cert = (
        Certification.objects.select_for_update(of=("self",))
        .filter(
            person_id=attendance.person_id,
            service_type=course.certifies_service_type,
            category=course.certifies_category,
        )
        .first()
    )
    if cert is None:
        cert = Certification.objects.create(
            person_id=attendance.person_id,
            service_type=course.certifies_service_type,
            category=course.certifies_category,
            course=course,
            session=session,
            granted_on=day,
            expires_on=expires,
        )
        before = None
    else:
        before = cert.expires_on.isoformat()
        cert.expires_on = max(cert.expires_on, expires)
        cert.granted_on = max(cert.granted_on, day)
        cert.course, cert.session = course, session
        cert.save()
    audit_record(
        actor=actor,
        action="training.certification.grant" if before is None else "training.certification.renew",
        obj=cert,
        changes={"expires_on": [before, cert.expires_on.isoformat()], "session": [None, session.pk]},
    )
    message_send(
        key="training.certified",
        params={
            "skill": skill_msg(cert.service_type, cert.category),
            "expires": cert.expires_on.isoformat(),
            "course": course.title,
            "score": attendance.score if attendance.score is not None else "—",
        },
        to=[attendance.person],
        link=cert,
    )
    return cert


def managers_of(person: User) -> list[User]:
    """Who answers for a person's training: partner staff of his organization for a partner's people,
    the after-sales managers of his organization otherwise (any after-sales manager when it has none)."""
    org = person.organization
    if org is not None and org.kind == OrganizationKind.PARTNER:
        qs = User.objects.filter(role=Role.PARTNER, organization=org, is_active=True)
    else:
        qs = User.objects.filter(role=Role.MANAGER, is_active=True, organization=org)
        if org is None or not qs.exists():
            qs = User.objects.filter(role=Role.MANAGER, is_active=True)
    return [u for u in qs.order_by("id") if u.pk != person.pk]


@transaction.atomic
def certification_sweep(*, on: dt.date | None = None) -> dict:
    """Once per expiry: a reminder ``EXPIRY_NOTICE_DAYS`` days before a certification expires, and a
    notice on the day it lapses, to the person and his manager (in the app and by e-mail). Safe to run
    any number of times (the rows remember the expiry they were told about)."""
    on = on or timezone.localdate()
    told = {"reminded": 0, "lapsed": 0}
    expiring = (
        Certification.objects.select_for_update(of=("self",))
        .filter(expires_on__gt=on, expires_on__lte=on + dt.timedelta(days=EXPIRY_NOTICE_DAYS))
        .select_related("person", "person__organization", "category", "course")
    )
    for cert in expiring:
        if cert.reminded_for == cert.expires_on:
            continue
        _tell(cert, "training.cert_expiring")
        cert.reminded_for = cert.expires_on
        cert.save(update_fields=["reminded_for", "updated_at"])
        told["reminded"] += 1
    lapsed = (
        Certification.objects.select_for_update(of=("self",))
        .filter(expires_on__lte=on)
        .select_related("person", "person__organization", "category", "course")
    )
    for cert in lapsed:
        if cert.lapse_told_for == cert.expires_on:
            continue
        _tell(cert, "training.cert_lapsed")
        cert.lapse_told_for = cert.expires_on
        cert.save(update_fields=["lapse_told_for", "updated_at"])
        told["lapsed"] += 1
    return told


def _tell(cert: Certification, key: str) -> None:
    person = cert.person
    message_send(
        key=key,
        params={
            "person": person.display_name,
            "skill": skill_msg(cert.service_type, cert.category),
            "expires": cert.expires_on.isoformat(),
            "course": cert.course.title,
        },
        to=[person, *managers_of(person)],
        channels=(Channel.IN_APP, Channel.EMAIL),
        link=cert,
    )
