"""/api/feedback: follow-up calls, survey answers, remedies and the figures (R-FB-1..3).

The same selectors and services as the pages: a follow-up, survey or remedy outside the
caller's scope answers 404; recording a call honours ``Idempotency-Key`` (a retried request
records the call once). The customer's own survey page is HTML behind its tokenised link, not
part of this API.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Header, Query, Router, Schema
from ninja.responses import Status as Reply

from aftersales.core.errors import ValidationFailed
from aftersales.core.idempotency import idempotent_create
from aftersales.core.permissions import api_roles
from aftersales.core.schemas import ERRORS, Day, Id, InputSchema, text

from .choices import (
    CallOutcome,
    FollowUpKind,
    FollowUpStatus,
    RemedyKind,
    RemedyOutcome,
    RemedyStatus,
    SurveyChannel,
    SurveyStatus,
)
from .models import FollowUp, FollowUpAttempt, Remedy, Survey
from .permissions import CALL_ROLES, QUALITY_ROLES, READ_ROLES, REPORT_ROLES
from .selectors import (
    WORKLIST_VIEWS,
    figures,
    followup_get_for,
    followup_worklist,
    remedy_get_for,
    remedy_worklist,
    survey_answered_list_for,
    survey_get_for,
    template_current,
    template_questions,
)
from .services import followup_assign, followup_record, followup_survey_add, remedy_resolve, template_default_ensure

router = Router(tags=["feedback"])
Score = Annotated[int, Field(ge=0, le=10)]
LIST_LIMIT = 200


# --- schemas -------------------------------------------------------------------------------------


class PersonRef(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.display_name


class RequestRef(Schema):
    id: int
    number: str
    status: str
    service_type: str
    contact_name: str
    contact_phone: str


class FollowUpOut(Schema):
    id: int
    request: RequestRef
    kind: FollowUpKind
    status: FollowUpStatus
    status_label: str
    result: str
    agent: PersonRef | None
    completed_at: dt.datetime
    due_from: dt.datetime
    due_by: dt.datetime
    next_call_at: dt.datetime
    attempts: int
    closed_at: dt.datetime | None
    on_time: bool | None
    overdue: bool
    template_version: int
    remedy_id: int | None

    @staticmethod
    def resolve_status_label(obj: FollowUp) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_overdue(obj: FollowUp) -> bool:
        return obj.is_overdue()

    @staticmethod
    def resolve_template_version(obj: FollowUp) -> int:
        return obj.template.version


class CallOut(Schema):
    id: int
    number: int
    at: dt.datetime
    outcome: CallOutcome
    note: str
    next_call_at: dt.datetime | None
    agent_id: int | None


class SurveyOut(Schema):
    id: int
    request_id: int
    followup_id: int | None
    channel: SurveyChannel
    status: SurveyStatus
    template_version: int
    service_type: str
    agent_id: int | None
    technician_id: int | None
    organization_id: int | None
    customer_id: int
    answered_at: dt.datetime | None
    expires_at: dt.datetime | None
    overall: int | None
    tangibles: int | None
    reliability: int | None
    responsiveness: int | None
    assurance: int | None
    empathy: int | None
    recommend: int | None
    reasons: list[str]
    comment: str
    extra: dict
    remedy_id: int | None

    @staticmethod
    def resolve_template_version(obj: Survey) -> int:
        return obj.template.version

    @staticmethod
    def resolve_remedy_id(obj: Survey) -> int | None:
        remedy = getattr(obj, "remedy", None)
        return remedy.pk if remedy is not None else None


class FollowUpDetailOut(FollowUpOut):
    calls: list[CallOut]
    survey: SurveyOut | None

    @staticmethod
    def resolve_calls(obj: FollowUp) -> list[FollowUpAttempt]:
        return list(obj.calls.all())

    @staticmethod
    def resolve_survey(obj: FollowUp) -> Survey | None:
        return Survey.objects.filter(followup=obj).select_related("template").first()


class RemedyOut(Schema):
    id: int
    number: str
    request: RequestRef
    survey_id: int
    kind: RemedyKind
    status: RemedyStatus
    why: list[str]
    assignee: PersonRef | None
    due_at: dt.datetime
    complaint_id: int | None
    created_at: dt.datetime
    outcome: str
    outcome_note: str
    resolved_at: dt.datetime | None

    @staticmethod
    def resolve_why(obj: Remedy) -> list[str]:
        return obj.why_text()


class AnswersIn(InputSchema):
    overall: int = Field(..., ge=1, le=5, description="Overall satisfaction, 1–5.")
    tangibles: int | None = Field(None, ge=1, le=5)
    reliability: int | None = Field(None, ge=1, le=5)
    responsiveness: int | None = Field(None, ge=1, le=5)
    assurance: int | None = Field(None, ge=1, le=5)
    empathy: int | None = Field(None, ge=1, le=5)
    recommend: int | None = Field(None, ge=0, le=10, description="Likelihood to recommend, 0–10.")
    reasons: list[text(32)] = Field(default_factory=list, max_length=20, description="Reason codes of the template.")
    comment: text(2000) = ""
    extra: dict[text(20), text(500) | Score] = Field(
        default_factory=dict,
        max_length=30,
        description="Extra questions: {question id: answer} ('yes'/'no', 1–5 or text).",
    )


class CallIn(InputSchema):
    outcome: CallOutcome
    note: text(2000) = ""
    answers: AnswersIn | None = Field(None, description="For 'reached': the survey taken in the call.")


class AssignIn(InputSchema):
    agent_id: Id


class ResolveIn(InputSchema):
    outcome: RemedyOutcome
    note: text(4000, min_length=1)


class FollowUpListQuery(Schema):
    view: text(10) = Field("now", json_schema_extra={"enum": list(WORKLIST_VIEWS)})
    mine: bool = Field(True, description="Only the caller's calls.")


class PeriodQuery(Schema):
    start: Day | None = None
    end: Day | None = None


class FigureOut(Schema):
    key: int | None
    name: str
    surveys: int
    satisfaction_rate: float | None
    overall: float | None
    nps: float | None
    remedies: int
    due: int
    followed_up: int
    followup_rate: float | None
    on_time_rate: float | None
    dimensions: dict


class FiguresOut(Schema):
    start: dt.datetime
    end: dt.datetime
    total: FigureOut
    agents: list[FigureOut]
    technicians: list[FigureOut]
    partners: list[FigureOut]


class ReasonOut(Schema):
    code: str
    label: str
    min_score: int
    max_score: int

    @staticmethod
    def resolve_label(obj) -> str:
        return obj.display_label


class QuestionOut(Schema):
    id: int
    service_type: str
    text: str
    kind: str
    required: bool

    @staticmethod
    def resolve_text(obj) -> str:
        return obj.display_text


class TemplateOut(Schema):
    version: int
    name: str
    reasons: list[ReasonOut]
    questions: list[QuestionOut]


# --- follow-ups -----------------------------------------------------------------------------------


def _answers(payload: CallIn | AnswersIn | None) -> dict | None:
    if payload is None:
        return None
    return payload.dict()


@router.get("/followups", response={200: list[FollowUpOut], **ERRORS}, auth=api_roles(READ_ROLES), summary="Call list")
def followup_list(request, query: Query[FollowUpListQuery]):
    """The caller's (``mine``) or everybody's follow-up calls: ``now`` to call now (soonest due
    first), ``later``, ``link`` (survey link sent), ``done``. At most 200."""
    if query.view not in WORKLIST_VIEWS:
        raise ValidationFailed(fields={"view": [_("Choose one of: %(v)s") % {"v": ", ".join(WORKLIST_VIEWS)}]})
    return list(
        followup_worklist(request.auth, view=query.view, mine=query.mine).select_related("template")[:LIST_LIMIT]
    )


@router.get(
    "/followups/{int:followup_id}",
    response={200: FollowUpDetailOut, **ERRORS},
    auth=api_roles(READ_ROLES),
    summary="One follow-up",
)
def followup_get(request, followup_id: int):
    return followup_get_for(request.auth, followup_id)


@router.post(
    "/followups/{int:followup_id}/calls",
    response={201: FollowUpDetailOut, 200: FollowUpDetailOut, **ERRORS},
    auth=api_roles(CALL_ROLES),
    summary="Record a call",
)
def followup_call(
    request, followup_id: int, payload: CallIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")
):
    """Record one call's outcome (R-FB-1); for ``reached``, ``answers`` is the survey taken in the
    call. After an unanswered call the next one is refused before its time (400 ``too_early``);
    the last unanswered call sends the customer the survey link."""
    user = request.auth
    followup = followup_get_for(user, followup_id)
    _attempt, created = idempotent_create(
        user=user,
        scope="feedback.call",
        key=idempotency_key,
        payload={"followup": followup_id, **payload.dict()},
        model=FollowUpAttempt,
        create=lambda: (
            followup_record(
                actor=user,
                followup=followup,
                outcome=str(payload.outcome),
                note=payload.note,
                answers=_answers(payload.answers),
            )
            .calls.order_by("-number")
            .first()
        ),
    )
    return Reply(201 if created else 200, followup_get_for(user, followup_id))


@router.post(
    "/followups/{int:followup_id}/survey",
    response={201: SurveyOut, **ERRORS},
    auth=api_roles(CALL_ROLES),
    summary="Add the survey of a reached call",
)
def followup_survey(request, followup_id: int, payload: AnswersIn):
    followup = followup_get_for(request.auth, followup_id)
    return Reply(201, followup_survey_add(actor=request.auth, followup=followup, answers=payload.dict()))


@router.post(
    "/followups/{int:followup_id}/assign",
    response={200: FollowUpOut, **ERRORS},
    auth=api_roles(QUALITY_ROLES),
    summary="Hand to another agent",
)
def followup_assign_api(request, followup_id: int, payload: AssignIn):
    followup = followup_get_for(request.auth, followup_id)
    from aftersales.accounts.models import User

    agent = User.objects.filter(pk=payload.agent_id).first()
    if agent is None:
        raise ValidationFailed(fields={"agent_id": [_("Not found.")]})
    followup_assign(actor=request.auth, followup=followup, agent=agent)
    return followup_get_for(request.auth, followup_id)


# --- surveys ------------------------------------------------------------------------------------


def _period(query: PeriodQuery) -> tuple[dt.datetime, dt.datetime]:
    today = timezone.localdate()
    end_day = query.end or today
    start_day = query.start or end_day - dt.timedelta(days=29)
    if end_day < start_day:
        raise ValidationFailed(fields={"end": [_("The end is before the start.")]})
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start_day, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end_day + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


@router.get("/surveys", response={200: list[SurveyOut], **ERRORS}, auth=api_roles(READ_ROLES), summary="Answers")
def survey_list(request, query: Query[PeriodQuery]):
    """Answered surveys in the period (default: the last 30 days), newest first; at most 200."""
    start, end = _period(query)
    return list(survey_answered_list_for(request.auth, start=start, end=end).select_related("remedy")[:LIST_LIMIT])


@router.get(
    "/surveys/{int:survey_id}", response={200: SurveyOut, **ERRORS}, auth=api_roles(READ_ROLES), summary="One survey"
)
def survey_get(request, survey_id: int):
    return survey_get_for(request.auth, survey_id)


@router.get("/template", response={200: TemplateOut, **ERRORS}, auth=api_roles(CALL_ROLES), summary="The survey in use")
def template_get(request, service_type: text(16) = ""):
    """The version in use: its reason codes and the extra questions (for ``service_type``)."""
    template = template_current() or template_default_ensure()
    return {
        "version": template.version,
        "name": template.display_name,
        "reasons": list(template.reasons.all()),
        "questions": template_questions(template, service_type) if service_type else list(template.questions.all()),
    }


# --- remedies -----------------------------------------------------------------------------------


@router.get("/remedies", response={200: list[RemedyOut], **ERRORS}, auth=api_roles(QUALITY_ROLES), summary="Remedies")
def remedy_list(request, resolved: bool = False):
    """Open remedies, soonest due first (``resolved``: the resolved ones, newest first)."""
    return list(remedy_worklist(request.auth, show="resolved" if resolved else "open")[:LIST_LIMIT])


@router.get(
    "/remedies/{int:remedy_id}",
    response={200: RemedyOut, **ERRORS},
    auth=api_roles(QUALITY_ROLES),
    summary="One remedy",
)
def remedy_get(request, remedy_id: int):
    return remedy_get_for(request.auth, remedy_id)


@router.post(
    "/remedies/{int:remedy_id}/resolve",
    response={200: RemedyOut, **ERRORS},
    auth=api_roles(QUALITY_ROLES),
    summary="Record a remedy's outcome",
)
def remedy_resolve_api(request, remedy_id: int, payload: ResolveIn):
    """Then the customer is asked again (a follow-up call is scheduled)."""
    remedy = remedy_get_for(request.auth, remedy_id)
    remedy_resolve(actor=request.auth, remedy=remedy, outcome=str(payload.outcome), note=payload.note)
    return remedy_get_for(request.auth, remedy_id)


# --- figures ------------------------------------------------------------------------------------


def _figure(row) -> dict:
    return {
        "key": row.key,
        "name": row.name,
        "surveys": row.surveys,
        "satisfaction_rate": row.satisfaction_rate,
        "overall": row.overall,
        "nps": row.nps,
        "remedies": row.remedies,
        "due": row.due,
        "followed_up": row.followed_up,
        "followup_rate": row.followup_rate,
        "on_time_rate": row.on_time_rate,
        "dimensions": row.dimensions,
    }


@router.get("/figures", response={200: FiguresOut, **ERRORS}, auth=api_roles(REPORT_ROLES), summary="Figures")
def figures_api(request, query: Query[PeriodQuery]):
    """Satisfaction (answers in the period) and follow-up work (calls due in the period) per
    agent, technician and service organization."""
    start, end = _period(query)
    data = figures(request.auth, start=start, end=end)
    return {
        "start": data.start,
        "end": data.end,
        "total": _figure(data.total),
        "agents": [_figure(r) for r in data.agents],
        "technicians": [_figure(r) for r in data.technicians],
        "partners": [_figure(r) for r in data.partners],
    }
