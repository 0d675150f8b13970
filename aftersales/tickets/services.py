"""Every write to a service request. Each is atomic, attributed and leaves a timeline row
and an audit row; side effects go out on commit through ``signals.request_changed``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import Role
from aftersales.accounts.permissions import user_is_partner
from aftersales.catalog.models import Product, ProductUnit
from aftersales.core.audit import audit_record, audit_write_many, diff_fields, person
from aftersales.core.bulk import RowWriter
from aftersales.core.compiled import insert_one
from aftersales.core.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from aftersales.core.messages import Message, text_columns
from aftersales.core.permissions import user_has_role
from aftersales.core.phones import phone_normalize
from aftersales.core.sequences import sequence_next
from aftersales.core.states import IllegalTransition, transition_apply
from aftersales.core.uploads import CheckedUpload, upload_check
from aftersales.customers.models import Customer, CustomerAddress
from aftersales.customers.services import customer_refresh_tier

from .choices import PRIORITY_RANK, TRANSITIONS, Action, Channel, Priority, ServiceType, Status
from .models import Attachment, ServiceRequest, ServiceRequestEvent
from .permissions import CREATE_ROLES, EDIT_ROLES, request_can_act
from .search import search_terms_move, search_terms_store
from .signals import request_changed
from .slots import REQUEST_ASSIGNMENT, REQUEST_COMPLETED, REQUEST_FOLLOW_UP, REQUEST_WRITTEN

# Who holds the job is dispatch's business: these actions go through its services (the offer record, the
# override reason), which fill the ``REQUEST_ASSIGNMENT`` slot and call back with ``by_owner=True``.
ASSIGNMENT_ACTIONS = frozenset({Action.ASSIGN, Action.ACCEPT, Action.DECLINE})

# The object rule (who may act on which request) lives in permissions.py; ``can_act_on`` is its
# in-memory check, kept under this name for the other apps' services.
can_act_on = request_can_act


CONTACT_NAME_MAX = ServiceRequest._meta.get_field("contact_name").max_length


ILLEGAL_MESSAGE = _("A request that is “%(status)s” cannot be moved with “%(action)s”.")


def _emit(request: ServiceRequest, kind: str, action: str = "") -> None:
    pk = request.pk
    REQUEST_WRITTEN.call(request_id=pk, kind=kind, action=action)
    transaction.on_commit(lambda: request_changed.send(sender=ServiceRequest, request_id=pk, kind=kind, action=action))


def _event(request, *, actor, kind, action="", from_status="", to_status="", reason="", data=None, at=None):
    """One timeline row; ``reason`` is a person's words (text) or a system message
    (``core.messages.Message``: stored as key + params, shown in the reader's language)."""
    event = _event_row(
        request,
        actor=actor,
        kind=kind,
        action=action,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data,
        at=at,
    )
    return insert_one(event)


def _event_row(request, *, actor, kind, action="", from_status="", to_status="", reason="", data=None, at=None):
    """The timeline row ``_event`` writes, unsaved (for bulk writers)."""
    return ServiceRequestEvent(
        request=request,
        at=at or timezone.now(),
        actor=person(actor),
        kind=kind,
        action=action,
        from_status=from_status,
        to_status=to_status,
        data=data or {},
        **text_columns(reason, "reason"),
    )


def _text(value) -> str | Message:
    """A reason or note as given: a person's text (stripped) or a system Message."""
    return value if isinstance(value, Message) else (value or "").strip()


def _choice(value, choices, field: str):
    if value not in choices.values:
        raise ValidationFailed(fields={field: [_("Choose one of: %(v)s") % {"v": ", ".join(choices.values)}]})


def request_number_next(now=None) -> str:
    now = timezone.localtime(now or timezone.now())
    seq = sequence_next(f"sr-{now:%y%m}")
    return f"SR{now:%y%m}-{seq:06d}"


@transaction.atomic
def request_create(
    *,
    actor,
    customer: Customer,
    channel: str,
    service_type: str,
    description: str,
    priority: str = Priority.NORMAL,
    unit: ProductUnit | None = None,
    product: Product | None = None,
    address: CustomerAddress | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    acknowledge: bool = False,
    answer: str = "",
    uploads=None,
    now=None,
) -> ServiceRequest:
    """File a request (R-SR-1). ``acknowledge`` confirms it at once (R-SR-3); ``answer``
    closes a consultation answered on the spot as first-contact resolution. ``uploads``
    (photos/videos) are all checked before anything is written."""
    if not actor.has_role(*CREATE_ROLES):
        raise PermissionDeniedError()
    if actor.role == Role.CUSTOMER and customer.user_id != actor.pk:
        raise PermissionDeniedError()
    errors: dict[str, list] = {}
    if channel not in Channel.values:
        errors["channel"] = [_("Unknown channel.")]
    if service_type not in ServiceType.values:
        errors["service_type"] = [_("Unknown service type.")]
    if priority not in Priority.values:
        errors["priority"] = [_("Unknown priority.")]
    if not (description or "").strip():
        errors["description"] = [_("Describe the problem.")]
    if len((contact_name or "").strip()) > CONTACT_NAME_MAX:
        errors["contact_name"] = [_("At most %(n)d characters.") % {"n": CONTACT_NAME_MAX}]
    if unit is not None and unit.owner_id != customer.pk:
        errors["unit"] = [_("This unit belongs to another customer.")]
    if address is not None and address.customer_id != customer.pk:
        errors["address"] = [_("This address belongs to another customer.")]
    if answer and service_type != ServiceType.CONSULTATION:
        errors["answer"] = [_("Only a consultation can be answered at first contact.")]
    if errors:
        raise ValidationFailed(fields=errors)
    phone = phone_normalize(contact_phone, field="contact_phone") if contact_phone else customer.phone
    checked_uploads = uploads_check(uploads, field="files")
    if address is None:
        # The unit's address (read with the unit when the caller joined it), else the
        # customer's default: one query, with its region.
        addresses = CustomerAddress.objects.select_related("region")
        if unit is not None and unit.address_id:
            unit_address = ProductUnit._meta.get_field("address")
            if unit_address.is_cached(unit) and CustomerAddress._meta.get_field("region").is_cached(unit.address):
                address = unit.address
            else:
                address = addresses.filter(pk=unit.address_id).first()
        if address is None:
            address = addresses.filter(customer=customer).order_by("-is_default", "id").first()
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    warranty_end = unit.warranty_end if unit is not None else None
    request = ServiceRequest(
        number=request_number_next(now),
        channel=channel,
        service_type=service_type,
        priority=priority,
        priority_rank=PRIORITY_RANK[priority],
        status=Status.NEW,
        customer=customer,
        contact_name=(contact_name or "").strip() or customer.name,
        contact_phone=phone,
        unit=unit,
        product=product or (unit.product if unit is not None else None),
        address=address,
        region=address.region if address is not None else None,
        region_class=address.region_class if address is not None else "urban",
        description=description.strip(),
        in_warranty=(today <= warranty_end) if warranty_end else None,
        warranty_end=warranty_end,
        created_by=actor,
        created_at=now,
        updated_at=now,
        status_changed_at=now,
    )
    insert_one(request)
    _event(
        request,
        actor=actor,
        kind=ServiceRequestEvent.Kind.CREATED,
        to_status=Status.NEW,
        at=now,
        data={"channel": channel, "service_type": service_type, "priority": priority},
    )
    audit_record(actor=actor, action="request.create", obj=request, changes={"status": [None, Status.NEW]})
    # A new request only raises the count: a returning customer stays returning.
    customer_refresh_tier(customer=customer, grew=True)
    for checked in checked_uploads:
        _attachment_store(actor=actor, request=request, checked=checked)
    _emit(request, "created")
    filed = request
    if answer:
        request = request_transition(
            actor=actor, request=request, action=Action.RESOLVE_AT_INTAKE, reason=answer, move_terms=False, now=now
        )
    elif acknowledge:
        request = request_transition(actor=actor, request=request, action=Action.ACKNOWLEDGE, move_terms=False, now=now)
    # Written once, with the status the request ends up in.
    search_terms_store(request)
    return _keep_related(filed, request)


# The relations a request's detail shows; whatever the caller already holds is reused.
DETAIL_RELATED = (
    "customer",
    "unit",
    "product",
    "address",
    "region",
    "assigned_technician",
    "assigned_organization",
    "created_by",
)


def _keep_related(source: ServiceRequest, target: ServiceRequest) -> ServiceRequest:
    """Give ``target`` (the same request, read again) the related objects ``source``
    already holds, so rendering it needs no further query."""
    if source is target:
        return target
    for name in DETAIL_RELATED:
        field = ServiceRequest._meta.get_field(name)
        if field.is_cached(source) and not field.is_cached(target):
            related = field.get_cached_value(source)
            if getattr(target, field.attname) == (related.pk if related is not None else None):
                field.set_cached_value(target, related)
    return target


def transition_allowed(user, request: ServiceRequest, action: str) -> bool:
    t = TRANSITIONS.get(action)
    return bool(
        t
        and request.status in t.sources
        and user.has_role(*t.roles)
        and request_can_act(user, request)
        and not (action == Action.RESOLVE_AT_INTAKE and request.service_type != ServiceType.CONSULTATION)
    )


def _previous_status(request: ServiceRequest) -> str:
    last = (
        request.events.filter(kind=ServiceRequestEvent.Kind.TRANSITION, to_status=request.status)
        .order_by("-at", "-id")
        .values_list("from_status", flat=True)
        .first()
    )
    return last or Status.ACKNOWLEDGED


def _assignment(actor, request, technician, organization) -> dict[str, Any]:
    from aftersales.accounts.models import Organization

    if technician is None and organization is None:
        raise ValidationFailed(
            _("Choose a technician or a service partner."), fields={"technician": [_("This field is required.")]}
        )
    if technician is not None:
        if technician.role != Role.TECHNICIAN or not technician.is_active:
            raise ValidationFailed(fields={"technician": [_("Not an active technician.")]})
        if organization is not None and technician.organization_id != organization.pk:
            raise ValidationFailed(fields={"technician": [_("The technician is not in that organization.")]})
        organization = technician.organization
    if not isinstance(organization, Organization):
        raise ValidationFailed(fields={"organization": [_("Unknown organization.")]})
    if user_is_partner(actor) and organization.pk != actor.organization_id:
        raise PermissionDeniedError(_("A partner can only assign its own technicians."))
    return {"assigned_technician": technician, "assigned_organization": organization}


@transaction.atomic
def request_transition(
    *,
    actor,
    request: ServiceRequest,
    action: str,
    reason: str = "",
    technician=None,
    organization=None,
    data: dict | None = None,
    now=None,
    by_owner: bool = False,
    move_terms: bool = True,
) -> ServiceRequest:
    """Move a request along the lifecycle (R-SR-4). Illegal moves raise and write nothing.

    Assign, accept and decline are checked here, then handed to the owner of assignment (the
    ``REQUEST_ASSIGNMENT`` slot, filled by dispatch) unless the owner itself is calling (``by_owner``).
    ``move_terms``: False only for ``request_create``, which writes the description's
    search terms after its first steps."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise ValidationFailed(_("Unknown action."), fields={"action": [_("Unknown action.")]})
    request = ServiceRequest.objects.select_for_update().select_related("customer").get(pk=request.pk)
    if not request_can_act(actor, request):
        raise NotFoundError()
    if not actor.has_role(*transition.roles):
        raise PermissionDeniedError(_("Your role cannot %(action)s a request.") % {"action": transition.action.label})
    reason = _text(reason)
    if action in ASSIGNMENT_ACTIONS and not by_owner:
        owners = REQUEST_ASSIGNMENT.functions()
        if not owners:
            raise ImproperlyConfigured("No owner of assignment fills tickets.slots.REQUEST_ASSIGNMENT.")
        if request.status not in transition.sources:
            transition_apply(request, TRANSITIONS, action, illegal_message=ILLEGAL_MESSAGE)  # raises, names the labels
        if transition.reason_required and not reason:
            raise ValidationFailed(_("Give a reason."), fields={"reason": [_("A reason is required for this step.")]})
        return owners[0](
            actor=actor,
            request=request,
            action=action,
            reason=reason,
            technician=technician,
            organization=organization,
            data=data,
            now=now,
        )
    if action == Action.FOLLOW_UP and not by_owner and REQUEST_FOLLOW_UP.functions():
        # Follow-up calls are feedback's business: "followed up" needs a documented call on its record.
        if request.status not in transition.sources:
            transition_apply(request, TRANSITIONS, action, illegal_message=ILLEGAL_MESSAGE)  # raises, names the labels
        return REQUEST_FOLLOW_UP.functions()[0](actor=actor, request=request, reason=reason, now=now)
    if (
        action == Action.RESOLVE_AT_INTAKE
        and request.status in transition.sources
        and request.service_type != ServiceType.CONSULTATION
    ):
        raise IllegalTransition(_("Only a consultation can be answered at first contact."))

    now = now or timezone.now()
    before, target = transition_apply(
        request,
        TRANSITIONS,
        action,
        reason=reason,
        target=_previous_status(request)
        if transition.target is None and request.status in transition.sources
        else None,
        illegal_message=ILLEGAL_MESSAGE,
    )
    changes: dict[str, Any] = {"status_changed_at": now, "updated_at": now}
    if action == Action.ASSIGN:
        changes.update(_assignment(actor, request, technician, organization))
    elif action == Action.DECLINE:
        changes.update({"assigned_technician": None, "assigned_organization": None})
    if action == Action.ACKNOWLEDGE:
        changes["acknowledged_at"] = now
    if action == Action.RESOLVE_AT_INTAKE:
        changes.update(
            {
                "first_contact_resolution": True,
                "resolution": str(reason),
                "acknowledged_at": now,
                "completed_at": now,
                "closed_at": now,
            }
        )
    if target == Status.COMPLETED:
        changes["completed_at"] = now
        if reason:
            changes["resolution"] = str(reason)
    if target == Status.CLOSED:
        changes["closed_at"] = now
    if target == Status.REOPENED:
        # Not resolved after all: it no longer counts as a first-contact resolution.
        changes.update({"completed_at": None, "closed_at": None, "first_contact_resolution": False})
    diff = diff_fields(request, changes)
    if before != target:
        diff = {"status": [before, target], **diff}
    request.save()
    if move_terms and target != before:
        search_terms_move(request, from_status=before)
    event_data = dict(data or {})
    if action == Action.ASSIGN:
        event_data.update(
            {
                "technician": request.assigned_technician_id,
                "technician_name": request.assigned_technician.display_name if request.assigned_technician else "",
                "organization": request.assigned_organization_id,
            }
        )
    _event(
        request,
        actor=actor,
        kind=ServiceRequestEvent.Kind.TRANSITION,
        action=action,
        from_status=before,
        to_status=target,
        reason=reason,
        data=event_data,
        at=now,
    )
    audit_record(
        actor=actor,
        action=f"request.{action}",
        obj=request,
        changes={k: v for k, v in diff.items() if k not in ("updated_at", "status_changed_at")},
    )
    if target == Status.CANCELLED:
        # Tiers count requests that were not cancelled (R-SR-6).
        customer_refresh_tier(customer=request.customer)
    if target == Status.COMPLETED and before != target:
        REQUEST_COMPLETED.call(actor=actor, request=request, now=now)  # e.g. feedback schedules the follow-up
    _emit(request, "transition", action)
    return request


@transaction.atomic
def request_update(*, actor, request: ServiceRequest, now=None, **data) -> ServiceRequest:
    """Change details (priority, description, contact, unit, address). Timeline + audit; ``now``: when it
    happened (the SLA sweep's moment, replayed by the demo)."""
    allowed = {"priority", "description", "contact_name", "contact_phone", "service_type", "unit", "address"}
    unknown = set(data) - allowed
    if unknown:
        raise ValidationFailed(fields={k: [_("This field cannot be changed.")] for k in unknown})
    request = ServiceRequest.objects.select_for_update().select_related("customer").get(pk=request.pk)
    if not request_can_act(actor, request):
        raise NotFoundError()
    if not user_has_role(actor, EDIT_ROLES):
        raise PermissionDeniedError()
    if request.status in (Status.CLOSED, Status.CANCELLED):
        raise IllegalTransition(_("A closed or cancelled request cannot be changed."))
    if "priority" in data:
        _choice(data["priority"], Priority, "priority")
        data["priority_rank"] = PRIORITY_RANK[data["priority"]]
    if "service_type" in data:
        _choice(data["service_type"], ServiceType, "service_type")
    if "description" in data and not (data["description"] or "").strip():
        raise ValidationFailed(fields={"description": [_("Describe the problem.")]})
    if len(data.get("contact_name") or "") > CONTACT_NAME_MAX:
        raise ValidationFailed(fields={"contact_name": [_("At most %(n)d characters.") % {"n": CONTACT_NAME_MAX}]})
    if data.get("contact_phone"):
        data["contact_phone"] = phone_normalize(data["contact_phone"], field="contact_phone")
    if data.get("unit") is not None:
        if data["unit"].owner_id != request.customer_id:
            raise ValidationFailed(fields={"unit": [_("This unit belongs to another customer.")]})
        end = data["unit"].warranty_end
        data.update(
            product=data["unit"].product,
            warranty_end=end,
            in_warranty=(timezone.localtime(request.created_at).date() <= end) if end else None,
        )
    if data.get("address") is not None:
        if data["address"].customer_id != request.customer_id:
            raise ValidationFailed(fields={"address": [_("This address belongs to another customer.")]})
        data.update(region=data["address"].region, region_class=data["address"].region_class)
    old_description = request.description
    diff = diff_fields(request, data)
    if not diff:
        return request
    request.updated_at = now or timezone.now()
    request.save()
    if "description" in diff:
        search_terms_store(request, old_description=old_description)
    shown = {
        k: [str(v[0]) if v[0] is not None else "", str(v[1]) if v[1] is not None else ""]
        for k, v in diff.items()
        if k != "priority_rank"
    }
    _event(request, actor=actor, kind=ServiceRequestEvent.Kind.UPDATE, data={"changes": shown}, at=request.updated_at)
    audit_record(actor=actor, action="request.update", obj=request, changes=diff)
    _emit(request, "update", "priority" if "priority" in diff else "")
    return request


@transaction.atomic
def request_add_note(*, actor, request: ServiceRequest, text: str | Message, now=None) -> ServiceRequestEvent:
    """A note on the timeline: a person's words (text, kept as written) or a system
    message (``core.messages.msg(...)``, shown in each reader's language); ``now``: when
    it happened (a step recorded with its own time)."""
    if not request_can_act(actor, request):
        raise NotFoundError()
    text = _text(text)
    if not text:
        raise ValidationFailed(fields={"text": [_("Write a note.")]})
    now = now or timezone.now()
    ServiceRequest.objects.filter(pk=request.pk).update(updated_at=now)
    event = _event(request, actor=actor, kind=ServiceRequestEvent.Kind.NOTE, reason=text, at=now)
    noted = text.key if isinstance(text, Message) else text[:200]
    audit_record(actor=actor, action="request.note", obj=request, changes={"note": [None, noted]})
    _emit(request, "note")
    return event


@transaction.atomic
def request_notes_add(*, actor, notes: list[tuple[ServiceRequest, str | Message]], now=None, touch: bool = True) -> int:
    """:func:`request_add_note` for many requests at once (the SLA sweep's escalation
    notes): the same rows and checks — each request's ``updated_at``, a NOTE timeline
    row, an audit row and the change signal — in one UPDATE and two COPYs (``core.bulk``;
    multi-row INSERTs on SQLite). Returns how many notes were written.

    ``touch=False``: the requests' ``updated_at`` is left as it is — for notes the system
    writes about requests nobody changed (the SLA sweep's escalation notes: "Recently
    changed" in the queue orders by what happened to a request, not by the sweep's
    commentary, which reaches the dispatchers as notifications)."""
    rows = []
    for request, text in notes:
        if not request_can_act(actor, request):
            raise NotFoundError()
        text = _text(text)
        if not text:
            raise ValidationFailed(fields={"text": [_("Write a note.")]})
        rows.append((request, text))
    if not rows:
        return 0
    now = now or timezone.now()
    if touch:
        ServiceRequest.objects.filter(pk__in=sorted({r.pk for r, _t in rows})).update(updated_at=now)
    by = person(actor)
    RowWriter(
        ServiceRequestEvent,
        db_ids=True,
        at=now,
        actor_id=by.pk if by is not None else None,
        kind=ServiceRequestEvent.Kind.NOTE,
        action="",
        from_status="",
        to_status="",
        data={},
    ).write([{"request_id": r.pk, **text_columns(t, "reason")} for r, t in rows])
    audit_write_many(
        actor=actor,
        action="request.note",
        entries=[(r, {"note": [None, t.key if isinstance(t, Message) else t[:200]]}) for r, t in rows],
        at=now,
    )
    for request in {r.pk: r for r, _t in rows}.values():
        if touch:
            request.updated_at = now
        _emit(request, "note")
    return len(rows)


def _attachment_store(*, actor, request: ServiceRequest, checked: CheckedUpload) -> Attachment:
    attachment = Attachment.objects.create(
        request=request,
        file=checked.file,
        original_name=checked.original_name,
        content_type=checked.content_type,
        kind=checked.kind,
        size=checked.size,
        uploaded_by=actor,
    )
    _event(
        request,
        actor=actor,
        kind=ServiceRequestEvent.Kind.ATTACHMENT,
        data={"attachment": attachment.pk, "name": attachment.original_name, "kind": attachment.kind},
    )
    audit_record(
        actor=actor, action="request.attachment", obj=request, changes={"attachment": [None, attachment.original_name]}
    )
    return attachment


def uploads_check(uploads, *, field: str = "file") -> list[CheckedUpload]:
    """Check every photo/video before anything is written (type from the bytes, size capped)."""
    return [upload_check(upload, allowed=("image", "video"), field=field) for upload in uploads or []]


@transaction.atomic
def attachments_add(*, actor, request: ServiceRequest, uploads, field: str = "file") -> list[Attachment]:
    """Attach photos or videos: all are checked first, so one bad file stores none."""
    if not request_can_act(actor, request):
        raise NotFoundError()
    checked = uploads_check(uploads, field=field)
    attachments = [_attachment_store(actor=actor, request=request, checked=c) for c in checked]
    if attachments:
        _emit(request, "attachment")
    return attachments


def attachment_add(*, actor, request: ServiceRequest, upload) -> Attachment:
    """Attach one photo or video (see ``attachments_add``)."""
    return attachments_add(actor=actor, request=request, uploads=[upload])[0]
