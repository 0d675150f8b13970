"""/api/complaints: complaints (投诉, R-CMP-1, R-CMP-2) — intake, worklists, one complaint, every
step of its handling, and the complainant's side through the tracking link (no login: the
unguessable token is the credential).

Every read starts from ``complaint_list_for`` (R-ROLE-1); every write is one service call. An
anonymous complaint's answers carry no name, phone or address (it has none).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _
from ninja import Field, File, Header, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status as Reply

from aftersales.core.errors import ValidationFailed
from aftersales.core.idempotency import idempotent_reply
from aftersales.core.permissions import api_roles
from aftersales.core.schemas import ERRORS, Id, InputSchema, PageInfo, PageSize, TimelineEventOut, page_out, text
from aftersales.core.uploads import download_response
from aftersales.tickets.choices import Channel
from aftersales.tickets.selectors import request_list_for

from . import services
from .choices import HANDLER_ROLES, INTAKE_ROLES, MANAGER_ROLES, Category, ComplaintAction, Severity, Source, Status
from .models import Complaint, ComplaintEvidence
from .permissions import READ_ROLES
from .selectors import (
    WORKLIST_ORDER,
    complaint_allowed_actions,
    complaint_by_token,
    complaint_deadline_state,
    complaint_evidence,
    complaint_get_for,
    complaint_lessons_handoff,
    complaint_public_timeline,
    complaint_timeline,
    complaint_worklist_page,
    evidence_get_for,
    investigator_choices,
    partner_choices,
    technician_choices,
)

router = Router(tags=["complaints"])
READ = api_roles(READ_ROLES)
HANDLE = api_roles(HANDLER_ROLES)


# --- schemas ------------------------------------------------------------------------------------


class Ref(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.display_name if hasattr(obj, "display_name") else str(obj)


class ActionOut(Schema):
    action: ComplaintAction
    label: str
    reason_required: bool


class ComplaintOut(Schema):
    """A complaint in a list. ``contact_name`` / ``contact_phone`` are empty for an anonymous one."""

    id: int
    number: str
    tracking_code: str
    status: Status
    status_label: str
    category: Category
    category_label: str
    severity: Severity
    severity_label: str
    channel: Channel
    source: Source
    source_ref: str
    anonymous: bool
    customer_id: int | None
    contact_name: str
    contact_phone: str
    investigator: Ref | None
    escalation_level: int
    due_at: datetime.datetime
    answered_at: datetime.datetime | None
    deadline: str = Field(description="on_time, at_risk, overdue, met or missed.")
    created_at: datetime.datetime
    closed_at: datetime.datetime | None

    @staticmethod
    def resolve_status_label(obj: Complaint) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_category_label(obj: Complaint) -> str:
        return obj.get_category_display()

    @staticmethod
    def resolve_severity_label(obj: Complaint) -> str:
        return obj.get_severity_display()

    @staticmethod
    def resolve_deadline(obj: Complaint) -> str:
        return complaint_deadline_state(obj).key


class ComplaintDetailOut(ComplaintOut):
    description: str
    demand: str
    request_ids: list[int]
    technician: Ref | None
    partner: Ref | None
    warning_at: datetime.datetime
    deadline_hours: int
    deadline_business: bool
    investigation: str
    solution: str
    proposed_at: datetime.datetime | None
    response: str
    response_note: str
    responded_at: datetime.datetime | None
    rejections: int
    followup_note: str
    followed_up_at: datetime.datetime | None
    lessons: str
    closed_by: str
    decision: str
    tracking_url: str = Field(description="The complainant's link (site-relative).")
    allowed_actions: list[ActionOut] = Field(description="Steps the caller may take now.")

    @staticmethod
    def resolve_request_ids(obj: Complaint) -> list[int]:
        return sorted(obj.requests.values_list("id", flat=True))

    @staticmethod
    def resolve_tracking_url(obj: Complaint) -> str:
        return obj.tracking_url()

    @staticmethod
    def resolve_allowed_actions(obj: Complaint, context) -> list[dict[str, Any]]:
        return [
            {"action": t.action, "label": str(ComplaintAction(t.action).label), "reason_required": t.reason_required}
            for t in complaint_allowed_actions(context["request"].auth, obj)
        ]


class ComplaintPageOut(PageInfo):
    items: list[ComplaintOut]


class ListQuery(Schema):
    view: text(12) = Field(
        "open", description="One of: " + ", ".join(WORKLIST_ORDER), json_schema_extra={"enum": list(WORKLIST_ORDER)}
    )
    q: text(50) | None = Field(None, description="Number, tracking code, contact phone or name.")
    cursor: text(500) | None = None
    size: PageSize = 25


class ComplaintIn(InputSchema):
    category: Category
    description: text(4000, min_length=1)
    severity: Severity = Severity.NORMAL
    demand: text(4000) = ""
    channel: Channel = Channel.PHONE
    request_id: Id | None = Field(None, description="The service request it is about (customer, technician, partner).")
    customer_id: Id | None = None
    anonymous: bool = Field(False, description="No customer, request, contact name or phone may be given.")
    contact_name: text(100) = ""
    contact_phone: text(32) = ""
    source: Source = Source.MANUAL
    source_ref: text(64) = ""
    technician_id: Id | None = None
    partner_id: Id | None = None
    investigator_id: Id | None = None


class ComplaintPatch(InputSchema):
    category: Category | None = None
    severity: Severity | None = None
    description: text(4000, min_length=1) | None = None
    demand: text(4000) | None = None
    investigation: text(4000) | None = None
    technician_id: Id | None = None
    partner_id: Id | None = None


class AssignIn(InputSchema):
    investigator_id: Id


class NoteIn(InputSchema):
    text: text(4000, min_length=1)


class ProposeIn(InputSchema):
    solution: text(4000, min_length=1)
    investigation: text(4000) | None = None


class RespondIn(InputSchema):
    accepted: bool
    note: text(4000) = Field("", description="The customer's words; required when rejecting.")


class FollowUpIn(InputSchema):
    note: text(4000, min_length=1)


class CloseIn(InputSchema):
    lessons: text(4000, min_length=1)


class DecideIn(InputSchema):
    decision: text(4000, min_length=1)
    lessons: text(4000) = ""


class EventOut(TimelineEventOut):
    text: str = Field(description="The note, or the system's text in the caller's language.")
    by_complainant: bool
    actor: Ref | None


class EvidenceOut(Schema):
    id: int
    original_name: str
    content_type: str
    kind: str
    size: int
    note: str
    created_at: datetime.datetime


class LessonsOut(Schema):
    """A closed complaint's lessons, for a case library: never who complained."""

    source: str
    source_id: int
    number: str
    category: str
    severity: str
    description: str
    demand: str
    investigation: str
    solution: str
    closed_by: str
    decision: str
    lessons: str
    escalation_level: int
    closed_at: datetime.datetime | None
    technician_id: int | None
    partner_id: int | None


class TrackOut(Schema):
    """What the complainant sees through his link."""

    number: str
    tracking_code: str
    status: Status
    status_label: str
    category_label: str
    description: str
    due_at: datetime.datetime
    answered: bool
    solution: str
    response: str
    can_answer: bool
    steps: list[dict]


class TrackAnswerIn(InputSchema):
    accepted: bool
    note: text(4000) = ""


# --- helpers -------------------------------------------------------------------------------------------


def _ref(qs, pk, field: str):
    obj = qs.filter(pk=pk).first() if pk else None
    if pk and obj is None:
        raise ValidationFailed(fields={field: [_("Not found.")]})
    return obj


def _get(request, pk: int) -> Complaint:
    return complaint_get_for(request.auth, pk)


def _track(complaint: Complaint) -> dict:
    return {
        "number": complaint.number,
        "tracking_code": complaint.tracking_code,
        "status": complaint.status,
        "status_label": complaint.get_status_display(),
        "category_label": complaint.get_category_display(),
        "description": complaint.description,
        "due_at": complaint.due_at,
        "answered": complaint.answered_at is not None,
        "solution": complaint.solution,
        "response": complaint.response,
        "can_answer": complaint.status == Status.PROPOSED,
        "steps": [
            {"at": e.at, "action": e.action or e.kind, "status": e.to_status}
            for e in complaint_public_timeline(complaint)
        ],
    }


# --- list, create --------------------------------------------------------------------------------------


@router.get("", response={200: ComplaintPageOut, **ERRORS}, summary="List complaints (a worklist)", auth=READ)
def complaint_list(request, query: Query[ListQuery]):
    """A worklist (``view``: mine, unassigned, due, escalated, open, closed), keyset-paginated."""
    if query.view not in WORKLIST_ORDER:
        raise ValidationFailed(fields={"view": [_("Choose one of: %(v)s") % {"v": ", ".join(WORKLIST_ORDER)}]})
    page = complaint_worklist_page(request.auth, query.view, q=query.q or "", cursor=query.cursor, size=query.size)
    return page_out(page)


@router.post(
    "",
    response={201: ComplaintDetailOut, 200: ComplaintDetailOut, **ERRORS},
    summary="Take a complaint",
    auth=api_roles(INTAKE_ROLES),
)
def complaint_create_api(
    request, payload: ComplaintIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")
):
    """Intake on any channel (R-CMP-1); the reply deadline comes from the category. A retry with the
    same ``Idempotency-Key`` returns the first complaint (200)."""
    from aftersales.customers.selectors import customer_list_for

    user = request.auth
    data = payload.dict()
    sr = _ref(request_list_for(user), data.pop("request_id"), "request_id")
    customer = _ref(customer_list_for(user), data.pop("customer_id"), "customer_id")
    technician = _ref(technician_choices(), data.pop("technician_id"), "technician_id")
    partner = _ref(partner_choices(), data.pop("partner_id"), "partner_id")
    investigator = _ref(investigator_choices(), data.pop("investigator_id"), "investigator_id")
    return idempotent_reply(
        request,
        scope="complaint.create",
        key=idempotency_key,
        payload=payload,
        model=Complaint,
        create=lambda: services.complaint_create(
            actor=user,
            request=sr,
            customer=customer,
            technician=technician,
            partner=partner,
            investigator=investigator,
            **data,
        ),
    )


# --- one complaint --------------------------------------------------------------------------------------


@router.get("/{int:complaint_id}", response={200: ComplaintDetailOut, **ERRORS}, summary="Get a complaint", auth=READ)
def complaint_get(request, complaint_id: int):
    return _get(request, complaint_id)


@router.patch(
    "/{int:complaint_id}", response={200: ComplaintDetailOut, **ERRORS}, summary="Change details", auth=HANDLE
)
def complaint_patch(request, complaint_id: int, payload: ComplaintPatch):
    """Send only what changes: a new category recomputes the deadline, a higher severity escalates."""
    complaint = _get(request, complaint_id)
    data = payload.dict(exclude_unset=True)
    for name in ("category", "severity", "description"):
        if name in data and data[name] is None:
            raise ValidationFailed(fields={name: [_("This field cannot be empty.")]})
    for name in ("demand", "investigation"):
        if name in data and data[name] is None:
            data[name] = ""
    if "technician_id" in data:
        data["technician"] = _ref(technician_choices(), data.pop("technician_id"), "technician_id")
    if "partner_id" in data:
        data["partner"] = _ref(partner_choices(), data.pop("partner_id"), "partner_id")
    services.complaint_update(actor=request.auth, complaint=complaint, **data)
    return _get(request, complaint_id)


@router.get("/{int:complaint_id}/timeline", response={200: list[EventOut], **ERRORS}, summary="The timeline", auth=READ)
def complaint_timeline_api(request, complaint_id: int):
    return list(complaint_timeline(_get(request, complaint_id)))


@router.post(
    "/{int:complaint_id}/assign",
    response={200: ComplaintDetailOut, **ERRORS},
    summary="Name the investigator",
    auth=HANDLE,
)
def complaint_assign_api(request, complaint_id: int, payload: AssignIn):
    investigator = _ref(investigator_choices(), payload.investigator_id, "investigator_id")
    return services.complaint_assign(
        actor=request.auth, complaint=_get(request, complaint_id), investigator=investigator
    )


@router.post(
    "/{int:complaint_id}/notes", response={201: EventOut, **ERRORS}, summary="Add an investigation note", auth=HANDLE
)
def complaint_note_api(request, complaint_id: int, payload: NoteIn):
    return Reply(
        201, services.complaint_note(actor=request.auth, complaint=_get(request, complaint_id), text=payload.text)
    )


@router.get(
    "/{int:complaint_id}/evidence", response={200: list[EvidenceOut], **ERRORS}, summary="List the evidence", auth=READ
)
def complaint_evidence_list(request, complaint_id: int):
    return list(complaint_evidence(_get(request, complaint_id)))


@router.post(
    "/{int:complaint_id}/evidence", response={201: list[EvidenceOut], **ERRORS}, summary="Add evidence", auth=HANDLE
)
def complaint_evidence_upload(request, complaint_id: int, file: File[UploadedFile]):
    """A photo, video or PDF (multipart ``file``); the type is read from the bytes, size capped."""
    return Reply(
        201, services.complaint_evidence_add(actor=request.auth, complaint=_get(request, complaint_id), uploads=[file])
    )


@router.get("/evidence/{int:evidence_id}", response={**ERRORS}, summary="Download evidence", auth=READ)
def complaint_evidence_download(request, evidence_id: int):
    evidence: ComplaintEvidence = evidence_get_for(request.auth, evidence_id)
    return download_response(evidence.file, filename=evidence.original_name, content_type=evidence.content_type)


@router.post(
    "/{int:complaint_id}/propose",
    response={200: ComplaintDetailOut, **ERRORS},
    summary="Propose the solution",
    auth=HANDLE,
)
def complaint_propose_api(request, complaint_id: int, payload: ProposeIn):
    """The answer the reply deadline asks for; the complainant is told through his link."""
    return services.complaint_propose(
        actor=request.auth,
        complaint=_get(request, complaint_id),
        solution=payload.solution,
        investigation=payload.investigation,
    )


@router.post(
    "/{int:complaint_id}/respond",
    response={200: ComplaintDetailOut, **ERRORS},
    summary="Record the customer's answer",
    auth=HANDLE,
)
def complaint_respond_api(request, complaint_id: int, payload: RespondIn):
    """Accepted, or rejected with the customer's words (back to investigation, one escalation level up)."""
    return services.complaint_respond(
        actor=request.auth, complaint=_get(request, complaint_id), accepted=payload.accepted, note=payload.note
    )


@router.post(
    "/{int:complaint_id}/follow-up",
    response={200: ComplaintDetailOut, **ERRORS},
    summary="Record the follow-up",
    auth=HANDLE,
)
def complaint_follow_up_api(request, complaint_id: int, payload: FollowUpIn):
    return services.complaint_follow_up(actor=request.auth, complaint=_get(request, complaint_id), note=payload.note)


@router.post(
    "/{int:complaint_id}/close", response={200: ComplaintDetailOut, **ERRORS}, summary="Close (accepted)", auth=HANDLE
)
def complaint_close_api(request, complaint_id: int, payload: CloseIn):
    """After the customer's acceptance and the follow-up, with the lessons learned."""
    return services.complaint_close(actor=request.auth, complaint=_get(request, complaint_id), lessons=payload.lessons)


@router.post(
    "/{int:complaint_id}/decide",
    response={200: ComplaintDetailOut, **ERRORS},
    summary="Close by a manager's decision",
    auth=api_roles(MANAGER_ROLES),
)
def complaint_decide_api(request, complaint_id: int, payload: DecideIn):
    return services.complaint_decide(
        actor=request.auth, complaint=_get(request, complaint_id), decision=payload.decision, lessons=payload.lessons
    )


@router.get(
    "/{int:complaint_id}/lessons",
    response={200: LessonsOut, **ERRORS},
    summary="Lessons learned (case-library hand-off)",
    auth=READ,
)
def complaint_lessons_api(request, complaint_id: int):
    """A closed complaint's lessons, without who complained; 404 while open or without lessons."""
    handoff = complaint_lessons_handoff(_get(request, complaint_id))
    if handoff is None:
        from django.http import Http404

        raise Http404
    return handoff


# --- the complainant's link (no login: the token is the credential) ------------------------------------


@router.get("/track/{token}", response={200: TrackOut, **ERRORS}, summary="A complaint through its link", auth=None)
def complaint_track(request, token: str):
    return _track(complaint_by_token(token[:64]))


@router.post("/track/{token}/answer", response={200: TrackOut, **ERRORS}, summary="The complainant's answer", auth=None)
def complaint_track_answer(request, token: str, payload: TrackAnswerIn):
    """Accept or reject the proposed solution (a rejection needs the reason)."""
    complaint = complaint_by_token(token[:64])
    return _track(
        services.complaint_respond_by_link(token=complaint.token, accepted=payload.accepted, note=payload.note)
    )
