"""/api/requests: service requests (工单) — intake, queue, details, lifecycle, notes, files.

Every read starts from ``request_list_for`` (R-ROLE-1): a request the caller may not see
answers 404. Every write is one service call; the state machine in ``choices.TRANSITIONS``
decides which steps the caller may take (``GET /requests/{id}/actions``).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _
from ninja import Field, File, Header, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status as Reply

from aftersales.accounts.choices import Role
from aftersales.accounts.models import Organization
from aftersales.accounts.selectors import user_list_with_role
from aftersales.catalog.selectors import product_list, unit_for_intake, unit_list_for
from aftersales.core.errors import ValidationFailed
from aftersales.core.idempotency import idempotent_create
from aftersales.core.permissions import api_roles
from aftersales.core.schemas import ERRORS, Day, Id, InputSchema, PageInfo, PageSize, TimelineEventOut, page_out, text
from aftersales.core.uploads import download_response
from aftersales.customers.choices import RegionClass
from aftersales.customers.selectors import address_list_for_customer, customer_can_see, customer_list_for

from .choices import Action, Channel, Priority, ServiceType, Status
from .filters import SORTS
from .models import Attachment, ServiceRequest, ServiceRequestEvent
from .permissions import CREATE_ROLES, EDIT_ROLES
from .selectors import (
    attachment_get_for,
    request_allowed_actions,
    request_attachments,
    request_get_for,
    request_page_for,
    request_timeline,
)
from .services import attachment_add, request_add_note, request_create, request_transition, request_update

router = Router(tags=["requests"])


# --- schemas --------------------------------------------------------------------------


class Ref(Schema):
    id: int
    name: str


class CustomerRef(Ref):
    tier: int

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)


class UserRef(Ref):
    @staticmethod
    def resolve_name(obj) -> str:
        return obj.display_name


class ProductRef(Schema):
    id: int
    model_code: str
    name: str


class UnitRef(Schema):
    id: int
    serial_number: str


class RegionRef(Schema):
    id: int
    code: str
    name: str


class RequestOut(Schema):
    """A request in a list: what the queue shows."""

    id: int
    number: str
    status: Status
    status_label: str
    service_type: ServiceType
    service_type_label: str
    priority: Priority
    priority_label: str
    channel: Channel
    customer: CustomerRef
    contact_name: str
    contact_phone: str
    product: ProductRef | None
    unit: UnitRef | None
    region: RegionRef | None
    region_class: RegionClass
    in_warranty: bool | None
    warranty_end: datetime.date | None
    assigned_technician: UserRef | None
    assigned_organization_id: int | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    status_changed_at: datetime.datetime

    @staticmethod
    def resolve_status_label(obj: ServiceRequest) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_service_type_label(obj: ServiceRequest) -> str:
        return obj.get_service_type_display()

    @staticmethod
    def resolve_priority_label(obj: ServiceRequest) -> str:
        return obj.get_priority_display()


class ActionOut(Schema):
    action: Action
    label: str
    reason_required: bool


def _actions(user, obj: ServiceRequest) -> list[dict[str, Any]]:
    return [
        {"action": t.action, "label": str(Action(t.action).label), "reason_required": t.reason_required}
        for t in request_allowed_actions(user, obj)
    ]


class RequestDetailOut(RequestOut):
    """One request with everything the detail page shows."""

    description: str
    resolution: str
    first_contact_resolution: bool
    address_id: int | None
    address: str
    assigned_organization: Ref | None
    created_by: UserRef | None
    acknowledged_at: datetime.datetime | None
    completed_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    allowed_actions: list[ActionOut] = Field(description="Steps the caller may take now.")

    @staticmethod
    def resolve_address(obj: ServiceRequest) -> str:
        return str(obj.address) if obj.address_id else ""

    @staticmethod
    def resolve_allowed_actions(obj: ServiceRequest, context) -> list[dict[str, Any]]:
        return _actions(context["request"].auth, obj)


class RequestPageOut(PageInfo):
    items: list[RequestOut]
    count: int = Field(description="Matching requests, counted up to a cap.")
    count_capped: bool = Field(description="True when there are more than ``count``.")


class RequestListQuery(Schema):
    q: text(100) | None = Field(
        None, description="Number (SR…), phone, serial number, customer name or words of the problem description."
    )
    status: list[Status] | None = None
    service_type: list[ServiceType] | None = None
    priority: list[Priority] | None = None
    channel: list[Channel] | None = None
    region: Id | None = None
    created_from: Day | None = None
    created_to: Day | None = None
    in_warranty: bool | None = None
    technician: Id | None = None
    customer: Id | None = None
    unit: Id | None = None
    sort: text(20) = Field(
        "-created", description="One of: " + ", ".join(SORTS), json_schema_extra={"enum": list(SORTS)}
    )
    cursor: text(500) | None = None
    size: PageSize = 25


class RequestIn(InputSchema):
    customer_id: Id
    channel: Channel
    service_type: ServiceType
    description: text(10000, min_length=1)
    priority: Priority = Priority.NORMAL
    unit_id: Id | None = None
    product_id: Id | None = None
    address_id: Id | None = Field(None, description="Defaults to the unit's address, else the customer's default.")
    contact_name: text(100) = ""
    contact_phone: text(32) = ""
    acknowledge: bool = Field(False, description="Acknowledge at once (R-SR-3).")
    answer: text(10000) = Field("", description="A consultation answered on the spot: closes it (first contact).")


class RequestPatch(InputSchema):
    priority: Priority | None = None
    service_type: ServiceType | None = None
    description: text(10000, min_length=1) | None = None
    contact_name: text(100) | None = None
    contact_phone: text(32) | None = None
    unit_id: Id | None = None
    address_id: Id | None = None


class TransitionIn(InputSchema):
    action: Action
    reason: text(5000) = ""
    technician_id: Id | None = Field(None, description="For ``assign``: the technician.")
    organization_id: Id | None = Field(None, description="For ``assign``: a service partner (or the technician's).")


class NoteIn(InputSchema):
    text: text(5000, min_length=1)


class EventOut(TimelineEventOut):
    reason: str = Field(description="The note or reason, in the language of the request (Accept-Language).")
    message: str = Field(description="For text written by the system: its message key (else empty).")
    params: dict = Field(description="The message's parameters (raw values).")
    actor: UserRef | None
    data: dict

    @staticmethod
    def resolve_reason(obj: ServiceRequestEvent) -> str:
        return obj.text


class AttachmentOut(Schema):
    id: int
    original_name: str
    content_type: str
    kind: str
    size: int
    uploaded_by_id: int | None
    created_at: datetime.datetime


# --- ids in a body: unknown or invisible ids are a field error -------------------------


def _ref(qs, pk, field: str):
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise ValidationFailed(fields={field: [_("Not found.")]})
    return obj


def _detail(request, pk: int) -> ServiceRequest:
    return request_get_for(request.auth, pk=pk)


# --- list and create ------------------------------------------------------------------


@router.get("", response={200: RequestPageOut, **ERRORS}, summary="List service requests")
def request_list(request, query: Query[RequestListQuery]):
    """The queue: filtered, sorted and keyset-paginated (follow ``next_cursor``)."""
    result = request_page_for(request.auth, request.GET, size=query.size)
    return page_out(result.page, count=result.count, count_capped=result.count_capped)


@router.post(
    "",
    response={201: RequestDetailOut, 200: RequestDetailOut, **ERRORS},
    summary="File a request",
    auth=api_roles(CREATE_ROLES),
)
def request_create_api(
    request, payload: RequestIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")
):
    """Intake on any channel (R-SR-1). Warranty is taken from the unit (R-SR-5). A retry
    with the same ``Idempotency-Key`` returns the first request (200) instead of a copy."""
    user = request.auth
    data = payload.dict()
    customer_id = data.pop("customer_id")
    unit_id, product_id, address_id = data.pop("unit_id"), data.pop("product_id"), data.pop("address_id")
    # The unit comes with its owner and its address (and region): when the unit is the
    # customer's, that is the customer, and the request's default address, in one query.
    unit = unit_for_intake(user, unit_id) if unit_id else None
    if unit is not None and unit.owner_id == customer_id and customer_can_see(user, unit.owner):
        customer = unit.owner
    else:
        customer = _ref(customer_list_for(user), customer_id, "customer_id")
    if unit_id and unit is None:
        raise ValidationFailed(fields={"unit_id": [_("Not found.")]})
    product = _ref(product_list(), product_id, "product_id") if product_id else None
    address = _ref(address_list_for_customer(customer), address_id, "address_id") if address_id else None
    obj, created = idempotent_create(
        user=user,
        scope="request.create",
        key=idempotency_key,
        payload=payload.dict(),
        model=ServiceRequest,
        create=lambda: request_create(
            actor=user, customer=customer, unit=unit, product=product, address=address, **data
        ),
    )
    # A new request is answered from the objects in hand (no re-read); a replay reads
    # the first request back.
    return Reply(201, obj) if created else Reply(200, _detail(request, obj.pk))


# --- one request ----------------------------------------------------------------------


@router.get("/by-number/{number}", response={200: RequestDetailOut, **ERRORS}, summary="Get a request by number")
def request_by_number(request, number: str):
    return request_get_for(request.auth, number=number[:20].replace("\x00", ""))


@router.get("/{int:request_id}", response={200: RequestDetailOut, **ERRORS}, summary="Get a request")
def request_get(request, request_id: int):
    return _detail(request, request_id)


@router.patch(
    "/{int:request_id}",
    response={200: RequestDetailOut, **ERRORS},
    summary="Change request details",
    auth=api_roles(EDIT_ROLES),
)
def request_patch(request, request_id: int, payload: RequestPatch):
    """Send only the fields to change (office staff; not once closed or cancelled)."""
    obj = _detail(request, request_id)
    data = payload.dict(exclude_unset=True)
    for field, value in data.items():
        if value is None and field not in ("unit_id", "address_id"):
            raise ValidationFailed(fields={field: [_("This field cannot be empty.")]})
    if "unit_id" in data:
        unit_id = data.pop("unit_id")
        data["unit"] = _ref(unit_list_for(request.auth), unit_id, "unit_id") if unit_id else None
    if "address_id" in data:
        address_id = data.pop("address_id")
        data["address"] = (
            _ref(address_list_for_customer(obj.customer), address_id, "address_id") if address_id else None
        )
    request_update(actor=request.auth, request=obj, **data)
    return _detail(request, request_id)


@router.get("/{int:request_id}/actions", response={200: list[ActionOut], **ERRORS}, summary="Steps I may take")
def request_actions(request, request_id: int):
    return _actions(request.auth, _detail(request, request_id))


@router.post(
    "/{int:request_id}/transitions", response={200: RequestDetailOut, **ERRORS}, summary="Move along the lifecycle"
)
def request_transition_api(request, request_id: int, payload: TransitionIn):
    """Apply one step of the state machine (R-SR-4). An illegal step answers 409
    ``illegal_transition``; a step the role may not take answers 403."""
    obj = _detail(request, request_id)
    technician = organization = None
    if payload.technician_id:
        technician = _ref(user_list_with_role(Role.TECHNICIAN), payload.technician_id, "technician_id")
    if payload.organization_id:
        organization = _ref(Organization.objects.filter(is_active=True), payload.organization_id, "organization_id")
    # Rendered from the service's result: a technician who declines no longer sees the job.
    return request_transition(
        actor=request.auth,
        request=obj,
        action=str(payload.action),
        reason=payload.reason,
        technician=technician,
        organization=organization,
    )


@router.get("/{int:request_id}/timeline", response={200: list[EventOut], **ERRORS}, summary="The timeline")
def request_timeline_api(request, request_id: int):
    """Every status change, note, attachment and edit, oldest first (R-SR-7)."""
    return list(request_timeline(_detail(request, request_id), viewer=request.auth))


@router.post("/{int:request_id}/notes", response={201: EventOut, **ERRORS}, summary="Add a note")
def request_note(request, request_id: int, payload: NoteIn):
    return Reply(201, request_add_note(actor=request.auth, request=_detail(request, request_id), text=payload.text))


@router.get("/{int:request_id}/attachments", response={200: list[AttachmentOut], **ERRORS}, summary="List files")
def attachment_list(request, request_id: int):
    return list(request_attachments(_detail(request, request_id)))


@router.post("/{int:request_id}/attachments", response={201: AttachmentOut, **ERRORS}, summary="Attach a file")
def attachment_upload(request, request_id: int, file: File[UploadedFile]):
    """A photo or video (multipart ``file``); the type is read from the bytes, size capped."""
    return Reply(201, attachment_add(actor=request.auth, request=_detail(request, request_id), upload=file))


@router.get("/attachments/{int:attachment_id}", response={**ERRORS}, summary="Download a file")
def attachment_download(request, attachment_id: int):
    attachment: Attachment = attachment_get_for(request.auth, attachment_id)
    return download_response(
        attachment.file, filename=attachment.original_name, content_type=attachment.content_type, inline=True
    )
