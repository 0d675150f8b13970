"""/api/management: scorecard schemes and runs (compute, approve), a person's scorecards,
improvement plans (create, change, start / done / evaluate / cancel) and monthly reports
(request, progress, download). Same services and selectors as the pages."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.http import Http404, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Field, Header, Query, Router, Schema

from aftersales.accounts.models import User
from aftersales.complaints.permissions import complaint_list_for
from aftersales.core.errors import ValidationFailed
from aftersales.core.idempotency import idempotent_reply
from aftersales.core.permissions import api_roles
from aftersales.core.schemas import ERRORS, Day, Id, InputSchema, PageSize, text
from aftersales.quality.selectors import inspection_get_for

from . import services
from .choices import Method, PlanAction, PlanOrigin, PlanStatus, SchemeRole
from .models import Plan, Report
from .periods import month_parse
from .permissions import (
    APPROVE_ROLES,
    PLAN_ROLES,
    READ_ROLES,
    REPORT_ROLES,
    SCHEME_EDIT_ROLES,
    report_list_for,
    run_list_for,
    scheme_list_for,
)
from .selectors import (
    person_get_for,
    person_history,
    plan_get_for,
    plan_rows,
    plan_view,
    report_get_for,
    run_get_for,
    scheme_get_for,
)

router = Router(tags=["management"])
READ = api_roles(READ_ROLES)
EDIT = api_roles(SCHEME_EDIT_ROLES)
APPROVE = api_roles(APPROVE_ROLES)
PLANS = api_roles(PLAN_ROLES)
REPORTS = api_roles(REPORT_ROLES)

Month = Annotated[text(7), Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")]
Number = Annotated[Decimal, Field(ge=-(10**7), le=10**7, max_digits=10, decimal_places=2)]


# --- schemes ----------------------------------------------------------------------------------------


class LineOut(Schema):
    kpi: str
    weight: int
    method: str
    floor: Decimal | None
    target: Decimal
    note: str


class SchemeOut(Schema):
    id: int
    name: str
    role: str
    is_active: bool
    lines: list[LineOut]

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())


class LineIn(InputSchema):
    kpi: text(32, min_length=1)
    weight: int = Field(ge=1, le=100)
    method: Method = Method.LINEAR
    floor: Number | None = None
    target: Number
    note: text(200) = ""


class SchemeIn(InputSchema):
    name: text(100, min_length=1)
    role: SchemeRole
    is_active: bool = True
    lines: list[LineIn] = Field(max_length=12)


class SchemePatch(InputSchema):
    name: text(100, min_length=1) | None = None
    is_active: bool | None = None
    lines: list[LineIn] | None = Field(None, max_length=12)


@router.get("/schemes", response={200: list[SchemeOut], **ERRORS}, summary="Scorecard schemes", auth=READ)
def scheme_list_api(request):
    return list(scheme_list_for(request.auth).prefetch_related("lines"))


@router.post("/schemes", response={201: SchemeOut, 200: SchemeOut, **ERRORS}, summary="Add a scheme", auth=EDIT)
def scheme_create_api(request, payload: SchemeIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    """Weights must add up to 100. ``linear``: 0 points at ``floor``, all at ``target``."""
    from .models import Scheme

    return idempotent_reply(
        request,
        scope="management.scheme.create",
        key=idempotency_key,
        payload=payload,
        model=Scheme,
        create=lambda: services.scheme_create(
            actor=request.auth,
            name=payload.name,
            role=payload.role,
            is_active=payload.is_active,
            lines=[line.dict() for line in payload.lines],
        ),
    )


@router.get("/schemes/{int:scheme_id}", response={200: SchemeOut, **ERRORS}, summary="Get a scheme", auth=READ)
def scheme_get_api(request, scheme_id: int):
    return scheme_get_for(request.auth, scheme_id)


@router.patch("/schemes/{int:scheme_id}", response={200: SchemeOut, **ERRORS}, summary="Change a scheme", auth=EDIT)
def scheme_patch_api(request, scheme_id: int, payload: SchemePatch):
    scheme = scheme_get_for(request.auth, scheme_id)
    data = payload.dict(exclude_unset=True)
    if data.get("name", "") is None:
        raise ValidationFailed(fields={"name": [_("This field cannot be empty.")]})
    lines = data.get("lines")
    services.scheme_update(
        actor=request.auth,
        scheme=scheme,
        name=data.get("name"),
        is_active=data.get("is_active"),
        lines=[dict(line) for line in lines] if lines is not None else None,
    )
    return scheme_get_for(request.auth, scheme_id)


# --- runs -------------------------------------------------------------------------------------------


class ScoreLineOut(Schema):
    kpi: str
    weight: int
    num: int
    den: int
    value: float | None
    points: Decimal | None


class ScoreOut(Schema):
    person_id: int
    person: str
    total: Decimal | None
    rank: int | None
    lines: list[ScoreLineOut]

    @staticmethod
    def resolve_person(obj):
        return obj.person.display_name

    @staticmethod
    def resolve_lines(obj):
        return obj.parts


class RunOut(Schema):
    id: int
    scheme_id: int
    scheme: str
    month: str
    status: str
    computed_at: datetime.datetime | None
    approved_at: datetime.datetime | None
    approved_by_id: int | None

    @staticmethod
    def resolve_scheme(obj):
        return obj.scheme.name

    @staticmethod
    def resolve_month(obj):
        return f"{obj.month:%Y-%m}"


class RunDetailOut(RunOut):
    scores: list[ScoreOut]

    @staticmethod
    def resolve_scores(obj):
        return list(obj.scores.select_related("person").order_by("rank", "pk"))


class RunIn(InputSchema):
    scheme_id: Id
    month: Month


@router.get("/runs", response={200: list[RunOut], **ERRORS}, summary="Assessment runs", auth=READ)
def run_list_api(request, limit: PageSize = 50):
    return list(run_list_for(request.auth)[:limit])


@router.post("/runs", response={200: RunDetailOut, **ERRORS}, summary="Compute a month's draft run", auth=APPROVE)
def run_compute_api(request, payload: RunIn):
    """Creates the draft or computes it again; an approved run is refused (409)."""
    scheme = scheme_list_for(request.auth).filter(pk=payload.scheme_id).first()
    if scheme is None:
        raise ValidationFailed(fields={"scheme_id": [_("Not found.")]})
    return services.run_compute(actor=request.auth, scheme=scheme, month=month_parse(payload.month))


@router.get("/runs/{int:run_id}", response={200: RunDetailOut, **ERRORS}, summary="A run and its scores", auth=READ)
def run_get_api(request, run_id: int):
    return run_get_for(request.auth, run_id)


@router.post(
    "/runs/{int:run_id}/approve", response={200: RunDetailOut, **ERRORS}, summary="Approve (freeze) a run", auth=APPROVE
)
def run_approve_api(request, run_id: int):
    run = run_get_for(request.auth, run_id)
    return services.run_approve(actor=request.auth, run=run)


class PersonScoreOut(Schema):
    run_id: int
    scheme: str
    month: str
    status: str
    total: Decimal | None
    rank: int | None
    lines: list[ScoreLineOut]


@router.get(
    "/people/{int:person_id}/scorecards",
    response={200: list[PersonScoreOut], **ERRORS},
    summary="A person's scorecards",
    auth=READ,
)
def person_scorecards_api(request, person_id: int):
    person = person_get_for(request.auth, person_id)
    return [
        {
            "run_id": h["run"].pk,
            "scheme": h["run"].scheme.name,
            "month": f"{h['run'].month:%Y-%m}",
            "status": h["run"].status,
            "total": h["score"].total,
            "rank": h["score"].rank,
            "lines": h["score"].parts,
        }
        for h in person_history(request.auth, person)
    ]


# --- improvement plans ------------------------------------------------------------------------------


class PlanOut(Schema):
    id: int
    problem: str
    measure: str
    department: str
    owner_id: int
    deadline: datetime.date
    status: str
    kpi: str
    filters: dict
    period_days: int
    origin: str
    complaint_id: int | None
    inspection_id: int | None
    started_on: datetime.date | None
    done_on: datetime.date | None
    baseline: float | None = Field(None, alias="baseline_value")
    after: float | None = Field(None, alias="after_value")
    effect: float | None
    verdict: str | None
    overdue: bool

    @staticmethod
    def resolve_effect(obj):
        return services.plan_effect(obj)[0]

    @staticmethod
    def resolve_verdict(obj):
        return services.plan_effect(obj)[1]

    @staticmethod
    def resolve_overdue(obj):
        from .services.plans import plan_is_overdue

        return plan_is_overdue(obj)


class PlanFilters(InputSchema):
    region: Id | None = None
    category: Id | None = None
    channel: text(16) | None = None
    service_type: text(16) | None = None
    team: Id | None = None
    technician: Id | None = None
    agent: Id | None = None
    partner: Id | None = None


class PlanIn(InputSchema):
    problem: text(2000, min_length=1)
    measure: text(2000, min_length=1)
    department: text(100, min_length=1)
    owner_id: Id
    deadline: Day
    kpi: text(32, min_length=1)
    filters: PlanFilters = Field(default_factory=PlanFilters)
    period_days: int = Field(30, ge=7, le=365)
    origin: PlanOrigin = PlanOrigin.MANUAL
    complaint_id: Id | None = None
    inspection_id: Id | None = None


class PlanPatch(InputSchema):
    problem: text(2000, min_length=1) | None = None
    measure: text(2000, min_length=1) | None = None
    department: text(100, min_length=1) | None = None
    owner_id: Id | None = None
    deadline: Day | None = None
    kpi: text(32, min_length=1) | None = None
    filters: PlanFilters | None = None
    period_days: int | None = Field(None, ge=7, le=365)


class PlanTransitionIn(InputSchema):
    action: PlanAction
    reason: text(300) = ""


class PlanListQuery(Schema):
    status: PlanStatus | None = None
    overdue: bool = False
    limit: PageSize = 50
    offset: int = Field(0, ge=0, le=100_000)


class PlanListOut(Schema):
    count: int
    items: list[PlanOut]


def _owner(pk):
    owner = User.objects.filter(pk=pk).first()
    if owner is None:
        raise ValidationFailed(fields={"owner_id": [_("Not found.")]})
    return owner


@router.get("/plans", response={200: PlanListOut, **ERRORS}, summary="Improvement plans", auth=PLANS)
def plan_list_api(request, query: Query[PlanListQuery]):
    qs = plan_rows(request.auth, status=query.status or "", overdue=query.overdue)
    return {"count": qs.count(), "items": list(qs[query.offset : query.offset + query.limit])}


@router.post("/plans", response={201: PlanOut, 200: PlanOut, **ERRORS}, summary="Add a plan", auth=PLANS)
def plan_create_api(request, payload: PlanIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    """The baseline is measured when the plan starts, the effect when it is evaluated (never sent)."""
    user = request.auth
    complaint = None
    if payload.complaint_id:
        complaint = complaint_list_for(user).filter(pk=payload.complaint_id).first()
        if complaint is None:
            raise ValidationFailed(fields={"complaint_id": [_("Not found.")]})
    inspection = None
    if payload.inspection_id:
        try:
            inspection = inspection_get_for(user, payload.inspection_id)
        except Exception:  # noqa: BLE001 - unknown or foreign: a field error
            raise ValidationFailed(fields={"inspection_id": [_("Not found.")]}) from None
    return idempotent_reply(
        request,
        scope="management.plan.create",
        key=idempotency_key,
        payload=payload,
        model=Plan,
        create=lambda: services.plan_create(
            actor=user,
            problem=payload.problem,
            measure=payload.measure,
            department=payload.department,
            owner=_owner(payload.owner_id),
            deadline=payload.deadline,
            kpi=payload.kpi,
            filters=payload.filters.dict(exclude_none=True),
            period_days=payload.period_days,
            origin=payload.origin,
            complaint=complaint,
            inspection=inspection,
        ),
    )


@router.get("/plans/{int:plan_id}", response={200: PlanOut, **ERRORS}, summary="Get a plan", auth=PLANS)
def plan_get_api(request, plan_id: int):
    return plan_get_for(request.auth, plan_id)


@router.patch("/plans/{int:plan_id}", response={200: PlanOut, **ERRORS}, summary="Change a plan", auth=PLANS)
def plan_patch_api(request, plan_id: int, payload: PlanPatch):
    plan = plan_get_for(request.auth, plan_id)
    data = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    if "owner_id" in data:
        data["owner"] = _owner(data.pop("owner_id"))
    if "filters" in data:
        data["filters"] = {k: v for k, v in data["filters"].items() if v is not None}
    services.plan_update(actor=request.auth, plan=plan, **data)
    return plan_get_for(request.auth, plan_id)


@router.post(
    "/plans/{int:plan_id}/transition",
    response={200: PlanOut, **ERRORS},
    summary="Start, finish, evaluate or cancel a plan",
    auth=PLANS,
)
def plan_transition_api(request, plan_id: int, payload: PlanTransitionIn):
    plan = plan_get_for(request.auth, plan_id)
    services.plan_transition(actor=request.auth, plan=plan, action=payload.action, reason=payload.reason)
    return plan_get_for(request.auth, plan_id)


class PlanFiguresOut(Schema):
    baseline: float | None
    baseline_measured: bool
    baseline_period: list[datetime.date]
    after_period: list[datetime.date] | None
    effect: float | None
    verdict: str | None


@router.get(
    "/plans/{int:plan_id}/figures",
    response={200: PlanFiguresOut, **ERRORS},
    summary="A plan's measured figures",
    auth=PLANS,
)
def plan_figures_api(request, plan_id: int):
    v = plan_view(request.auth, plan_get_for(request.auth, plan_id))
    return {
        "baseline": v["baseline"],
        "baseline_measured": v["baseline_measured"],
        "baseline_period": list(v["baseline_period"]),
        "after_period": list(v["after_period"]) if v["after_period"] else None,
        "effect": v["effect"],
        "verdict": v["verdict"],
    }


# --- reports ----------------------------------------------------------------------------------------


class ReportOut(Schema):
    id: int
    month: str
    status: str
    progress: int
    language: str
    created_at: datetime.datetime
    finished_at: datetime.datetime | None
    seconds: float | None
    error: str = Field(description='The failure ("stalled": the worker stopped mid-report)')
    error_text: str = Field(description="The failure in the reader's language")

    @staticmethod
    def resolve_error_text(obj):
        return obj.error_text

    @staticmethod
    def resolve_month(obj):
        return f"{obj.month:%Y-%m}"


class ReportIn(InputSchema):
    month: Month
    language: Literal["zh-hans", "en"] = "zh-hans"


@router.get("/reports", response={200: list[ReportOut], **ERRORS}, summary="Monthly reports", auth=REPORTS)
def report_list_api(request, limit: PageSize = 50):
    return list(report_list_for(request.auth).defer("pdf", "xlsx", "content")[:limit])


@router.post(
    "/reports", response={201: ReportOut, 200: ReportOut, **ERRORS}, summary="Make a monthly report", auth=REPORTS
)
def report_create_api(request, payload: ReportIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    """The worker makes it; poll ``GET /reports/{id}`` for ``status`` and ``progress``."""
    month = month_parse(payload.month)
    return idempotent_reply(
        request,
        scope="management.report.create",
        key=idempotency_key,
        payload=payload,
        model=Report,
        create=lambda: services.report_request(actor=request.auth, month=month, language=payload.language),
    )


@router.get(
    "/reports/{int:report_id}", response={200: ReportOut, **ERRORS}, summary="A report's progress", auth=REPORTS
)
def report_get_api(request, report_id: int):
    return report_get_for(request.auth, report_id)


@router.post(
    "/reports/{int:report_id}/retry",
    response={200: ReportOut, **ERRORS},
    summary="Make a failed report again",
    auth=REPORTS,
)
def report_retry_api(request, report_id: int):
    """Only a failed report (409 otherwise)."""
    report = report_get_for(request.auth, report_id)
    return services.report_retry(actor=request.auth, report=report)


@router.get(
    "/reports/{int:report_id}/content",
    response={200: dict, **ERRORS},
    summary="A report's content (JSON)",
    auth=REPORTS,
)
def report_content_api(request, report_id: int):
    return report_get_for(request.auth, report_id).content


@router.get(
    "/reports/{int:report_id}/pdf", summary="Download a report's PDF", auth=REPORTS, response={200: None, **ERRORS}
)
def report_pdf_api(request, report_id: int):
    return _download(request, report_id, "pdf")


@router.get(
    "/reports/{int:report_id}/xlsx",
    summary="Download a report's Excel file",
    auth=REPORTS,
    response={200: None, **ERRORS},
)
def report_xlsx_api(request, report_id: int):
    return _download(request, report_id, "xlsx")


def _download(request, report_id: int, fmt: str):
    report = report_get_for(request.auth, report_id)
    data = Report.objects.filter(pk=report.pk).values_list(fmt, flat=True).first()
    if not data:
        raise Http404
    types = {"pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    response = HttpResponse(bytes(data), content_type=types[fmt])
    response["Content-Disposition"] = f'attachment; filename="management-report-{report.month:%Y-%m}.{fmt}"'
    return response
