"""/api/quality: the case library (R-QA-4) — search, one case, add, change, publish/archive, and a
case from a closed complaint. Every read starts from ``case_list_for``; every write is one service."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext_lazy as _
from ninja import Field, Header, Query, Router, Schema
from ninja.responses import Status as Reply

from aftersales.accounts.models import User
from aftersales.complaints.permissions import complaint_list_for
from aftersales.core.errors import ValidationFailed
from aftersales.core.idempotency import idempotent_reply
from aftersales.core.permissions import api_roles
from aftersales.core.schemas import ERRORS, Day, Id, InputSchema, PageSize, text
from aftersales.tickets.selectors import request_list_for

from . import services
from .choices import CaseAction, CaseKind, CaseStatus, InspectionMethod, InspectionStatus
from .models import Case
from .permissions import INSPECTION_READ_ROLES, QUALITY_ROLES
from .selectors import case_get_for, case_search, compliance_by_technician, inspection_get_for, inspection_rows

router = Router(tags=["quality"])
QUALITY = api_roles(QUALITY_ROLES)


class CaseOut(Schema):
    id: int
    title: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    summary: str
    analysis: str
    lessons: str
    tags: list[str]
    request_id: int | None
    request_number: str | None
    complaint_id: int | None
    complaint_number: str | None
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_kind_label(obj):
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_status_label(obj):
        return str(obj.get_status_display())

    @staticmethod
    def resolve_tags(obj):
        return obj.tag_list

    @staticmethod
    def resolve_request_number(obj):
        return obj.request.number if obj.request_id else None

    @staticmethod
    def resolve_complaint_number(obj):
        return obj.complaint.number if obj.complaint_id else None


class CaseListQuery(Schema):
    q: text(50) | None = Field(None, description="Words to find (Chinese or not) in title, story, lessons, tags.")
    kind: CaseKind | None = None
    status: CaseStatus | None = None
    tag: text(50) | None = None
    limit: PageSize = 50
    offset: int = Field(0, ge=0, le=100_000)


class CaseListOut(Schema):
    count: int
    items: list[CaseOut]


class CaseIn(InputSchema):
    title: text(200, min_length=1)
    kind: CaseKind
    summary: text(5000, min_length=1)
    lessons: text(5000, min_length=1)
    analysis: text(5000) = ""
    tags: list[text(50)] = Field(default_factory=list, max_length=20)
    request_id: Id | None = Field(None, description="The service request the case is about.")


class CasePatch(InputSchema):
    title: text(200, min_length=1) | None = None
    kind: CaseKind | None = None
    summary: text(5000, min_length=1) | None = None
    lessons: text(5000, min_length=1) | None = None
    analysis: text(5000) | None = None
    tags: list[text(50)] | None = Field(None, max_length=20)
    request_id: Id | None = None


class FromComplaintIn(InputSchema):
    complaint_id: Id
    title: text(200) = ""
    tags: list[text(50)] = Field(default_factory=list, max_length=20)


class TransitionIn(InputSchema):
    action: CaseAction


def _request(user, pk):
    if not pk:
        return None
    sr = request_list_for(user).filter(pk=pk).first()
    if sr is None:
        raise ValidationFailed(fields={"request_id": [_("Not found.")]})
    return sr


@router.get("/cases", response={200: CaseListOut, **ERRORS}, summary="Search the case library", auth=QUALITY)
def case_list_api(request, query: Query[CaseListQuery]):
    qs = case_search(
        request.auth, q=query.q or "", kind=query.kind or "", status=query.status or "", tag=query.tag or ""
    )
    return {"count": qs.count(), "items": list(qs[query.offset : query.offset + query.limit])}


@router.post("/cases", response={201: CaseOut, 200: CaseOut, **ERRORS}, summary="Add a case (a draft)", auth=QUALITY)
def case_create_api(request, payload: CaseIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    """A retry with the same ``Idempotency-Key`` returns the first case (200)."""
    user = request.auth
    data = payload.dict()
    sr = _request(user, data.pop("request_id"))
    return idempotent_reply(
        request,
        scope="quality.case.create",
        key=idempotency_key,
        payload=payload,
        model=Case,
        create=lambda: services.case_create(actor=user, request=sr, **data),
    )


@router.post(
    "/cases/from-complaint",
    response={201: CaseOut, 200: CaseOut, **ERRORS},
    summary="A case from a closed complaint's lessons",
    auth=QUALITY,
)
def case_from_complaint_api(
    request, payload: FromComplaintIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")
):
    user = request.auth
    complaint = complaint_list_for(user).filter(pk=payload.complaint_id).first()
    if complaint is None:
        raise ValidationFailed(fields={"complaint_id": [_("Not found.")]})
    return idempotent_reply(
        request,
        scope="quality.case.from_complaint",
        key=idempotency_key,
        payload=payload,
        model=Case,
        create=lambda: services.case_from_complaint(
            actor=user, complaint=complaint, title=payload.title, tags=payload.tags
        ),
    )


@router.get("/cases/{int:case_id}", response={200: CaseOut, **ERRORS}, summary="Get a case", auth=QUALITY)
def case_get_api(request, case_id: int):
    return case_get_for(request.auth, case_id)


@router.patch("/cases/{int:case_id}", response={200: CaseOut, **ERRORS}, summary="Change a case", auth=QUALITY)
def case_patch_api(request, case_id: int, payload: CasePatch):
    """Send only what changes; ``request_id: null`` unlinks the request."""
    case = case_get_for(request.auth, case_id)
    data = payload.dict(exclude_unset=True)
    for name in ("title", "kind", "summary", "lessons"):
        if name in data and data[name] is None:
            raise ValidationFailed(fields={name: [_("This field cannot be empty.")]})
    for name in ("analysis", "tags"):
        if name in data and data[name] is None:
            data[name] = ""
    if "request_id" in data:
        data["request"] = _request(request.auth, data.pop("request_id"))
    services.case_update(actor=request.auth, case=case, **data)
    return case_get_for(request.auth, case_id)


@router.post(
    "/cases/{int:case_id}/transition",
    response={200: CaseOut, **ERRORS},
    summary="Publish, archive or restore a case",
    auth=QUALITY,
)
def case_transition_api(request, case_id: int, payload: TransitionIn):
    case = case_get_for(request.auth, case_id)
    services.case_transition(actor=request.auth, case=case, action=payload.action)
    return case_get_for(request.auth, case_id)


# --- inspections (R-QA-1) -----------------------------------------------------------------------

INSPECT_READ = api_roles(INSPECTION_READ_ROLES)


class ResultOut(Schema):
    item_id: int
    item: str
    passed: bool

    @staticmethod
    def resolve_item(obj):
        return str(obj.item)


class CorrectiveOut(Schema):
    id: int
    text: str
    owner_id: int
    due_date: datetime.date
    status: str


class InspectionOut(Schema):
    id: int
    visit_id: int
    visit_number: str
    technician_id: int
    sampled: bool
    method: str
    status: str
    findings: str
    inspected_at: datetime.datetime | None
    passed_count: int
    item_count: int
    compliance: int | None
    results: list[ResultOut]
    actions: list[CorrectiveOut]

    @staticmethod
    def resolve_visit_number(obj):
        return obj.visit.number

    @staticmethod
    def resolve_results(obj):
        return list(obj.results.select_related("item"))

    @staticmethod
    def resolve_actions(obj):
        return list(obj.actions.all())


class InspectionListQuery(Schema):
    status: InspectionStatus | None = None
    limit: PageSize = 50
    offset: int = Field(0, ge=0, le=100_000)


class RecordIn(InputSchema):
    method: InspectionMethod
    results: dict[text(20), bool] = Field(max_length=200, description="Checklist item id → passed.")
    findings: text(5000) = ""


class CorrectiveIn(InputSchema):
    text: text(300, min_length=1)
    owner_id: Id
    due_date: Day


class ComplianceOut(Schema):
    technician_id: int
    technician: str
    inspections: int
    passed: int
    items: int
    rate: float | None
    open_actions: int


@router.get(
    "/inspections", response={200: list[InspectionOut], **ERRORS}, summary="List inspections", auth=INSPECT_READ
)
def inspection_list_api(request, query: Query[InspectionListQuery]):
    qs = inspection_rows(request.auth, status=query.status or "")
    return list(qs[query.offset : query.offset + query.limit])


@router.get(
    "/inspections/compliance",
    response={200: list[ComplianceOut], **ERRORS},
    summary="Norm-compliance rate per technician",
    auth=INSPECT_READ,
)
def compliance_api(request):
    return [
        {**r, "technician_id": r["technician"].pk, "technician": r["technician"].display_name}
        for r in compliance_by_technician(request.auth)
    ]


@router.get(
    "/inspections/{int:inspection_id}",
    response={200: InspectionOut, **ERRORS},
    summary="Get an inspection",
    auth=INSPECT_READ,
)
def inspection_get_api(request, inspection_id: int):
    return inspection_get_for(request.auth, inspection_id)


@router.post(
    "/inspections/{int:inspection_id}/record",
    response={200: InspectionOut, **ERRORS},
    summary="Record an inspection's result",
    auth=QUALITY,
)
def inspection_record_api(request, inspection_id: int, payload: RecordIn):
    inspection = inspection_get_for(request.auth, inspection_id)
    services.inspection_record(
        actor=request.auth,
        inspection=inspection,
        method=payload.method,
        results=payload.results,
        findings=payload.findings,
    )
    return inspection_get_for(request.auth, inspection_id)


@router.post(
    "/inspections/{int:inspection_id}/actions",
    response={201: CorrectiveOut, **ERRORS},
    summary="Add a corrective action",
    auth=QUALITY,
)
def corrective_add_api(request, inspection_id: int, payload: CorrectiveIn):
    inspection = inspection_get_for(request.auth, inspection_id)
    owner = User.objects.filter(pk=payload.owner_id, is_active=True).first()
    if owner is None:
        raise ValidationFailed(fields={"owner_id": [_("Not found.")]})
    action = services.corrective_action_add(
        actor=request.auth, inspection=inspection, text=payload.text, owner=owner, due_date=payload.due_date
    )
    return Reply(201, action)
