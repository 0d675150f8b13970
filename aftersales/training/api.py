"""/api/training: courses, sessions (plan, hold, attendance and scores, close), the due and overdue
list, certifications and a person's record (R-QA-2). Every read starts from the scoped querysets of
``permissions``; every write is one service."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext_lazy as _
from ninja import Field, Header, Query, Router, Schema
from ninja.responses import Status as Reply

from aftersales.accounts.models import User
from aftersales.catalog.models import ProductCategory
from aftersales.core.errors import ValidationFailed
from aftersales.core.idempotency import idempotent_reply
from aftersales.core.permissions import api_roles
from aftersales.core.schemas import ERRORS, Day, Id, InputSchema, Moment, PageSize, text
from aftersales.quality.permissions import case_list_for
from aftersales.tickets.choices import ServiceType

from . import services
from .choices import CertState, CourseFormat, CourseKind, DueState, Presence, SessionAction, SessionStatus
from .models import Session
from .permissions import LEARNER_ROLES, RECORD_ROLES, TRAINING_ROLES, people_list_for
from .selectors import (
    certification_rows,
    course_get_for,
    course_list_for,
    due_rows,
    person_get_for,
    session_get_for,
    session_rows,
    training_record_for,
)

router = Router(tags=["training"])
TRAINING = api_roles(TRAINING_ROLES)
RECORDS = api_roles(RECORD_ROLES)
LEARNERS = api_roles(LEARNER_ROLES)


class CourseOut(Schema):
    id: int
    title: str
    kind: str
    kind_label: str
    format: str
    description: str
    recurrence_months: int
    audience: list[str]
    pass_score: int | None
    certifies_service_type: str
    certifies_category_id: int | None
    validity_months: int | None
    certification_required: bool
    is_active: bool

    @staticmethod
    def resolve_kind_label(obj):
        return str(obj.get_kind_display())


class CourseIn(InputSchema):
    title: text(200, min_length=1)
    kind: CourseKind
    audience: list[text(20)] = Field(min_length=1, max_length=10)
    format: CourseFormat | None = None
    recurrence_months: int | None = Field(None, ge=0, le=12, description="1, 3, 6, 12 or 0; default: the kind's.")
    description: text(5000) = ""
    pass_score: int | None = Field(None, ge=0, le=100)
    certifies_service_type: ServiceType | None = None
    certifies_category_id: Id | None = None
    validity_months: int | None = Field(None, ge=1, le=120)
    certification_required: bool = Field(
        False, description="Everybody doing the skill needs a valid certification (else only a lapsed one blocks)."
    )


class CoursePatch(InputSchema):
    title: text(200, min_length=1) | None = None
    kind: CourseKind | None = None
    audience: list[text(20)] | None = Field(None, min_length=1, max_length=10)
    format: CourseFormat | None = None
    recurrence_months: int | None = Field(None, ge=0, le=12)
    description: text(5000) | None = None
    pass_score: int | None = Field(None, ge=0, le=100)
    certifies_service_type: ServiceType | None = None
    certifies_category_id: Id | None = None
    validity_months: int | None = Field(None, ge=1, le=120)
    certification_required: bool | None = None
    is_active: bool | None = None


class AttendanceOut(Schema):
    person_id: int
    person: str
    presence: str
    score: int | None
    passed: bool

    @staticmethod
    def resolve_person(obj):
        return obj.person.display_name


class SessionOut(Schema):
    id: int
    course_id: int
    course: str
    starts_at: datetime.datetime
    duration_minutes: int
    trainer_id: int | None
    place: str
    online: bool
    status: str
    status_label: str
    notes: str
    case_ids: list[int]
    attendance: list[AttendanceOut]

    @staticmethod
    def resolve_course(obj):
        return obj.course.title

    @staticmethod
    def resolve_status_label(obj):
        return str(obj.get_status_display())

    @staticmethod
    def resolve_case_ids(obj):
        return sorted(c.pk for c in obj.cases.all())

    @staticmethod
    def resolve_attendance(obj):
        return list(obj.attendance.select_related("person"))


class SessionListQuery(Schema):
    status: SessionStatus | None = None
    course_id: Id | None = None
    limit: PageSize = 50
    offset: int = Field(0, ge=0, le=100_000)


class SessionIn(InputSchema):
    course_id: Id
    starts_at: Moment
    duration_minutes: int = Field(60, ge=1, le=24 * 60)
    trainer_id: Id | None = None
    place: text(200) = ""
    online: bool = False
    case_ids: list[Id] = Field(default_factory=list, max_length=20)
    notes: text(5000) = ""


class TransitionIn(InputSchema):
    action: SessionAction
    reason: text(300) = ""


class AttendanceLine(InputSchema):
    person_id: Id
    presence: Presence
    score: int | None = Field(None, ge=0, le=100)


class AttendanceIn(InputSchema):
    rows: list[AttendanceLine] = Field(min_length=1, max_length=500)


class DueOut(Schema):
    person_id: int
    person: str
    course_id: int
    course: str
    state: str
    state_label: str
    last_passed: datetime.date | None
    next_due: datetime.date | None
    planned_session_id: int | None


class DueQuery(Schema):
    state: DueState | None = None
    course_id: Id | None = None
    on: Day | None = Field(None, description="The day to judge on (default: today, Asia/Shanghai).")


class CertOut(Schema):
    id: int
    person_id: int
    person: str
    service_type: str
    category_id: int | None
    skill: str
    course_id: int
    granted_on: datetime.date
    expires_on: datetime.date
    state: str
    days_left: int


class CertQuery(Schema):
    state: CertState | None = None


class RecordCourseOut(Schema):
    course_id: int
    course: str
    last_session_id: int | None
    last_score: int | None
    last_passed: datetime.date | None
    next_due: datetime.date | None
    state: str


class RecordOut(Schema):
    person_id: int
    person: str
    courses: list[RecordCourseOut]
    certifications: list[CertOut]
    mean_score: float | None
    overdue: int
    lapsed: int


def _cert_out(row) -> dict:
    c = row.cert
    return {
        "id": c.pk,
        "person_id": c.person_id,
        "person": c.person.display_name,
        "service_type": c.service_type,
        "category_id": c.category_id,
        "skill": c.skill_label,
        "course_id": c.course_id,
        "granted_on": c.granted_on,
        "expires_on": c.expires_on,
        "state": row.state,
        "days_left": row.days_left,
    }


def _record_out(person) -> dict:
    record = training_record_for(person)
    return {
        "person_id": person.pk,
        "person": person.display_name,
        "courses": [
            {
                "course_id": c["course"].pk,
                "course": c["course"].title,
                "last_session_id": c["last"].session_id if c["last"] else None,
                "last_score": c["last"].score if c["last"] else None,
                "last_passed": c["last_passed"],
                "next_due": c["next_due"],
                "state": c["state"],
            }
            for c in record.courses
        ],
        "certifications": [_cert_out(r) for r in record.certifications],
        "mean_score": record.mean_score,
        "overdue": record.overdue,
        "lapsed": record.lapsed,
    }


def _category(pk):
    if pk is None:
        return None
    category = ProductCategory.objects.filter(pk=pk).first()
    if category is None:
        raise ValidationFailed(fields={"certifies_category_id": [_("Not found.")]})
    return category


def _course_data(data: dict) -> dict:
    if "certifies_category_id" in data:
        data["certifies_category"] = _category(data.pop("certifies_category_id"))
    if "certifies_service_type" in data:
        data["certifies_service_type"] = data["certifies_service_type"] or ""
    return data


# --- courses ------------------------------------------------------------------------------------


@router.get("/courses", response={200: list[CourseOut], **ERRORS}, summary="List courses", auth=TRAINING)
def course_list_api(request):
    return list(course_list_for(request.auth))


@router.post("/courses", response={201: CourseOut, **ERRORS}, summary="Add a course", auth=TRAINING)
def course_create_api(request, payload: CourseIn):
    """Recurrence and format default to the kind's (seed 002: service philosophy monthly, case
    analysis quarterly, product knowledge half-yearly)."""
    data = _course_data(payload.dict())
    data["format"] = data["format"] or ""
    course = services.course_create(actor=request.auth, **data)
    return Reply(201, course)


@router.get("/courses/{int:course_id}", response={200: CourseOut, **ERRORS}, summary="Get a course", auth=TRAINING)
def course_get_api(request, course_id: int):
    return course_get_for(request.auth, course_id)


@router.patch("/courses/{int:course_id}", response={200: CourseOut, **ERRORS}, summary="Change a course", auth=TRAINING)
def course_patch_api(request, course_id: int, payload: CoursePatch):
    """Send only what changes; ``certifies_service_type: null`` stops certifying."""
    course = course_get_for(request.auth, course_id)
    data = _course_data(payload.dict(exclude_unset=True))
    for name in ("title", "kind", "audience", "format", "recurrence_months", "is_active", "certification_required"):
        if name in data and data[name] is None:
            raise ValidationFailed(fields={name: [_("This field cannot be empty.")]})
    if "description" in data and data["description"] is None:
        data["description"] = ""
    services.course_update(actor=request.auth, course=course, **data)
    return course_get_for(request.auth, course_id)


# --- sessions -----------------------------------------------------------------------------------


def _session(user, pk) -> Session:
    return session_get_for(user, pk)


@router.get("/sessions", response={200: list[SessionOut], **ERRORS}, summary="List sessions", auth=TRAINING)
def session_list_api(request, query: Query[SessionListQuery]):
    qs = session_rows(request.auth, status=query.status or "", course_id=query.course_id).prefetch_related(
        "cases", "attendance__person"
    )
    return list(qs[query.offset : query.offset + query.limit])


@router.post(
    "/sessions", response={201: SessionOut, 200: SessionOut, **ERRORS}, summary="Plan a session", auth=TRAINING
)
def session_create_api(
    request, payload: SessionIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")
):
    """A retry with the same ``Idempotency-Key`` returns the first session (200)."""
    user = request.auth
    course = course_list_for(user).filter(pk=payload.course_id).first()
    if course is None:
        raise ValidationFailed(fields={"course_id": [_("Not found.")]})
    trainer = None
    if payload.trainer_id:
        trainer = User.objects.filter(pk=payload.trainer_id).first()
        if trainer is None:
            raise ValidationFailed(fields={"trainer_id": [_("Not found.")]})
    cases = list(case_list_for(user).filter(pk__in=payload.case_ids))
    if len(cases) != len(set(payload.case_ids)):
        raise ValidationFailed(fields={"case_ids": [_("Not found.")]})
    return idempotent_reply(
        request,
        scope="training.session.plan",
        key=idempotency_key,
        payload=payload,
        model=Session,
        create=lambda: services.session_plan(
            actor=user,
            course=course,
            starts_at=payload.starts_at,
            duration_minutes=payload.duration_minutes,
            trainer=trainer,
            place=payload.place,
            online=payload.online,
            cases=cases,
            notes=payload.notes,
        ),
    )


@router.get("/sessions/{int:session_id}", response={200: SessionOut, **ERRORS}, summary="Get a session", auth=TRAINING)
def session_get_api(request, session_id: int):
    return _session(request.auth, session_id)


@router.post(
    "/sessions/{int:session_id}/transition",
    response={200: SessionOut, **ERRORS},
    summary="Mark a session held, close it, or cancel it",
    auth=TRAINING,
)
def session_transition_api(request, session_id: int, payload: TransitionIn):
    session = _session(request.auth, session_id)
    services.session_transition(actor=request.auth, session=session, action=payload.action, reason=payload.reason)
    return _session(request.auth, session_id)


@router.post(
    "/sessions/{int:session_id}/attendance",
    response={200: SessionOut, **ERRORS},
    summary="Record attendance and exam scores",
    auth=TRAINING,
)
def attendance_api(request, session_id: int, payload: AttendanceIn):
    """Present / absent / excused and the score (0–100, present people only) of each person; send the
    rows to record or correct (the others stay as they are)."""
    session = _session(request.auth, session_id)
    ids = [r.person_id for r in payload.rows]
    people = {u.pk: u for u in people_list_for(request.auth).filter(pk__in=ids)}
    missing = sorted({i for i in ids if i not in people})
    if missing:
        raise ValidationFailed(fields={"rows": [_("Not found: %(ids)s") % {"ids": ", ".join(map(str, missing))}]})
    rows = [(people[r.person_id], r.presence, r.score) for r in payload.rows]
    services.attendance_record(actor=request.auth, session=session, rows=rows)
    return _session(request.auth, session_id)


# --- due lists, certifications, records ---------------------------------------------------------


@router.get("/due", response={200: list[DueOut], **ERRORS}, summary="Who is due or overdue", auth=TRAINING)
def due_api(request, query: Query[DueQuery]):
    """Every person of every active course's audience with his state, the most urgent first
    (``state``: overdue, never, due — this month —, ok)."""
    rows = due_rows(request.auth, on=query.on, states={query.state} if query.state else None, course_id=query.course_id)
    return [
        {
            "person_id": r.person.pk,
            "person": r.person.display_name,
            "course_id": r.course.pk,
            "course": r.course.title,
            "state": r.state,
            "state_label": r.state_label,
            "last_passed": r.last_passed,
            "next_due": r.next_due,
            "planned_session_id": r.planned.pk if r.planned else None,
        }
        for r in rows
    ]


@router.get(
    "/certifications", response={200: list[CertOut], **ERRORS}, summary="Certifications and expiry", auth=RECORDS
)
def certifications_api(request, query: Query[CertQuery]):
    return [_cert_out(r) for r in certification_rows(request.auth, state=query.state or "")]


@router.get("/me", response={200: RecordOut, **ERRORS}, summary="My training record", auth=LEARNERS)
def me_api(request):
    return _record_out(request.auth)


@router.get(
    "/people/{int:person_id}",
    response={200: RecordOut, **ERRORS},
    summary="A person's training record",
    auth=RECORDS,
)
def person_api(request, person_id: int):
    return _record_out(person_get_for(request.auth, person_id))
