"""Arriving and leaving: check-in (opens the visit) and check-out (closes it with its outcome once the
service form is complete)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from aftersales.catalog.choices import WarrantyStatus
from aftersales.catalog.selectors import unit_warranty
from aftersales.core.audit import audit_record
from aftersales.core.errors import ConflictError, ValidationFailed
from aftersales.tickets.choices import Action
from aftersales.tickets.choices import Status as RequestStatus
from aftersales.tickets.models import ServiceRequest
from aftersales.tickets.services import request_transition

from .. import sanbao
from ..choices import (
    ChargeReason,
    CheckKind,
    CheckResult,
    Outcome,
    SecondVisitReason,
    SignaturePurpose,
    SignedVia,
    SignerRole,
    VisitStatus,
    VisitStep,
)
from ..models import Signature, Visit
from ..selectors import visit_paid_total
from ._common import (
    FormIncomplete,
    IllegalVisitStep,
    _appointment_close,
    _lock,
    _move,
    _note,
    _require_open,
    _require_technician,
    _token,
    _visit_number,
)
from .quotes import _quote_carry_forward

# --- check-in ------------------------------------------------------------------------------------


def _coordinate(value, low, high, field):
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(fields={field: [_("Not a coordinate.")]}) from None
    if not number.is_finite() or not (low <= number <= high):
        raise ValidationFailed(fields={field: [_("Not a coordinate.")]})
    return number


def _in_warranty(request: ServiceRequest, now) -> bool:
    if request.unit_id:
        return unit_warranty(request.unit, on=timezone.localtime(now).date())["status"] == WarrantyStatus.IN_WARRANTY
    return bool(request.in_warranty)


@transaction.atomic
def visit_check_in(*, actor, request: ServiceRequest, latitude=None, longitude=None, now=None) -> Visit:
    """The technician arrives: a new visit (the service form's number), the request goes in progress
    (the SLA arrival clock stops there). One open visit per request."""
    from aftersales.dispatch.selectors import appointment_open

    now = now or timezone.now()
    request = ServiceRequest.objects.select_for_update(of=("self",)).select_related("unit").get(pk=request.pk)
    _require_technician(actor, request)
    lat = _coordinate(latitude, -90, 90, "latitude")
    lng = _coordinate(longitude, -180, 180, "longitude")
    if request.visits.exclude(status=VisitStatus.DONE).exists():
        raise ConflictError(_("You are already checked in on this job."), code="visit_open")
    if request.status in (RequestStatus.ACCEPTED, RequestStatus.SCHEDULED):
        request = request_transition(actor=actor, request=request, action=Action.START, now=now)
    elif request.status != RequestStatus.IN_PROGRESS:
        raise ConflictError(
            _("A request that is “%(status)s” cannot be visited now.")
            % {"status": RequestStatus(request.status).label},
            code="request_state",
        )
    sequence = (request.visits.order_by("-sequence").values_list("sequence", flat=True).first() or 0) + 1
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                number=_visit_number(now),
                request=request,
                sequence=sequence,
                technician=actor,
                appointment=appointment_open(request),
                in_warranty=_in_warranty(request, now),
                checked_in_at=now,
                check_in_lat=lat,
                check_in_lng=lng,
                public_token=_token(),
            )
    except IntegrityError:
        raise ConflictError(_("You are already checked in on this job."), code="visit_open") from None
    _note(actor, visit, "field.checked_in", now=now, n=sequence)
    audit_record(actor=actor, action="visit.check_in", obj=visit, changes={"status": [None, visit.status]})
    _quote_carry_forward(actor, visit, now)
    return visit


# --- check-out -----------------------------------------------------------------------------------


def form_missing(visit: Visit) -> list[str]:
    """What the service form still misses before a visit may close as completed (empty: complete)."""
    missing = []
    if not (visit.fault_cause_id and visit.inspection_result and visit.solution):
        missing.append(gettext("diagnosis (fault, cause, what was found, solution)"))
    if visit.status != VisitStatus.WORKING and not (
        visit.status == VisitStatus.DIAGNOSED and visit.charge_reason == ChargeReason.NONE
    ):
        missing.append(gettext("the customer's consent to the quote"))
    checks = {r.result for r in visit.checks.all() if r.kind == CheckKind.TEST}
    if not visit.tested_at:
        missing.append(gettext("function test"))
    elif CheckResult.FAIL in checks:
        missing.append(gettext("a passed function test"))
    if not visit.signatures.filter(purpose=SignaturePurpose.FORM, role=SignerRole.CUSTOMER).exists():
        missing.append(gettext("the customer's signature"))
    if visit_paid_total(visit) != visit.customer_total:
        missing.append(gettext("payment of %(total)s CNY") % {"total": visit.customer_total})
    return missing


@transaction.atomic
def visit_check_out(*, actor, visit: Visit, outcome: str, reason: str = "", second_visit_reason: str = "", now=None):
    """Leave the customer. ``completed``: the form must be complete; the request is completed, the
    technician signs electronically and the customer gets the form. ``second_visit``: with a reason
    (waiting for parts / for the customer), the request waits accordingly."""
    now = now or timezone.now()
    visit = _lock(actor, visit)
    if outcome not in (Outcome.COMPLETED, Outcome.SECOND_VISIT):
        raise ValidationFailed(fields={"outcome": [_("Completed, or a second visit is needed.")]})
    reason = (reason or "").strip()[:2000]
    request = visit.request
    if outcome == Outcome.COMPLETED:
        _require_open(visit)
        missing = form_missing(visit)
        if missing:
            raise FormIncomplete(
                _("The service form is not complete: %(missing)s.") % {"missing": "; ".join(missing)},
                fields={"form": missing},
            )
    else:
        if second_visit_reason not in SecondVisitReason.values:
            raise ValidationFailed(fields={"second_visit_reason": [_("Why is a second visit needed?")]})
        if not reason:
            raise ValidationFailed(fields={"reason": [_("Give a reason.")]})
        if visit.status == VisitStatus.AWAITING_CONSENT:
            raise IllegalVisitStep(_("Record the customer's answer to the quote first."))
    _move(visit, VisitStep.CHECK_OUT)
    if outcome == Outcome.SECOND_VISIT:
        # What is not paid yet is owed on the next visit, which continues this one's accepted quote.
        visit.customer_total = visit_paid_total(visit)
    visit.outcome = outcome
    visit.outcome_reason = reason
    visit.checked_out_at = now
    visit.first_time_fix = outcome == Outcome.COMPLETED and visit.sequence == 1
    visit.save()
    if outcome == Outcome.COMPLETED:
        technician_sign_form(visit, actor, now)
        request_transition(
            actor=actor, request=request, action=Action.COMPLETE, reason=reason or visit.solution, now=now
        )
        _form_send_on_commit(visit)
    else:
        action = Action.WAIT_PARTS if second_visit_reason == SecondVisitReason.WAITING_PARTS else Action.WAIT_CUSTOMER
        request_transition(actor=actor, request=request, action=action, reason=reason, now=now)
    _appointment_close(actor, visit, now)
    _note(actor, visit, "field.checked_out", now=now, outcome=outcome)
    audit_record(
        actor=actor, action="visit.check_out", obj=visit, changes={"outcome": [None, outcome], "status": [None, "done"]}
    )
    sanbao.flags_update(visit=visit, now=now)
    return visit


def technician_sign_form(visit: Visit, technician, at) -> Signature:
    """The technician's signature on the service form, given by checking the visit out as completed
    (inside the caller's transaction: ``visit_check_out``, and the demo's history forms)."""
    return Signature.objects.create(
        visit=visit,
        purpose=SignaturePurpose.FORM,
        role=SignerRole.TECHNICIAN,
        signer_name=technician.display_name,
        via=SignedVia.LOGIN,
        signed_at=at,
        user=technician,
    )


def _form_send_on_commit(visit: Visit) -> None:
    """Tell the customer the form is ready, with the unguessable link to its PDF."""
    from django.conf import settings
    from django.urls import reverse

    from aftersales.dispatch import notify

    url = settings.SITE_URL.rstrip("/") + reverse("field:public_form", args=[visit.public_token])
    notify.customer_tell(visit.request, "field.customer_form_ready", form=visit.number, url=url)
