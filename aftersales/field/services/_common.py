"""Shared by the visit services: the visit errors, the technician check, the visit row lock, step moves
(``VISIT_TRANSITIONS``), the timeline note and closing the booked appointment."""

from __future__ import annotations

import secrets

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import Role
from aftersales.accounts.permissions import user_is_partner
from aftersales.core.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationFailed
from aftersales.core.messages import msg
from aftersales.core.sequences import sequence_next
from aftersales.core.states import transition_apply
from aftersales.tickets.models import ServiceRequest
from aftersales.tickets.services import request_add_note

from ..choices import (
    VISIT_TRANSITIONS,
    VisitStatus,
    VisitStep,
)
from ..models import Visit


class ConsentRequired(ConflictError):
    code = "consent_required"
    default_message = _("Something is chargeable: the customer has to accept the quote before the work starts.")


class FormIncomplete(ValidationFailed):
    code = "form_incomplete"
    default_message = _("The service form is not complete yet.")


class IllegalVisitStep(ConflictError):
    code = "illegal_visit_step"


def _token() -> str:
    return secrets.token_urlsafe(32)


def _visit_number(now) -> str:
    local = timezone.localtime(now)
    return f"SF{local:%Y}-{sequence_next(f'field.SF.{local:%Y}'):06d}"


def _require_technician(actor, request: ServiceRequest) -> None:
    """Only the job's own technician works on its visit (a partner's technician: only his
    organization's jobs). Others who may not see the job get 404, the rest 403."""
    if not actor.is_authenticated or request.assigned_technician_id != actor.pk:
        if actor.is_authenticated and (actor.is_back_office or user_is_partner(actor)):
            from aftersales.tickets.permissions import request_can_act

            if request_can_act(actor, request):
                raise PermissionDeniedError(_("Only the technician of this job records the visit."))
        raise NotFoundError()
    if actor.role != Role.TECHNICIAN:
        raise PermissionDeniedError(_("Only the technician of this job records the visit."))
    if request.assigned_organization_id and actor.organization_id != request.assigned_organization_id:
        raise NotFoundError()


def _lock(actor, visit: Visit) -> Visit:
    visit = Visit.objects.select_for_update(of=("self",)).select_related("request", "request__unit").get(pk=visit.pk)
    _require_technician(actor, visit.request)
    return visit


def _move(visit: Visit, step: str) -> None:
    if visit.status not in VISIT_TRANSITIONS[step].sources:
        raise IllegalVisitStep(
            _("A visit that is “%(status)s” cannot go on with “%(step)s”.")
            % {"status": VisitStatus(visit.status).label, "step": VisitStep(step).label},
            extra={"status": visit.status, "step": step},
        )
    transition_apply(visit, VISIT_TRANSITIONS, step)


def _note(actor, visit: Visit, key: str, now=None, **params) -> None:
    """A timeline note of a visit step: message ``key`` (field/messages.py) with the visit's number."""
    request_add_note(actor=actor, request=visit.request, text=msg(key, visit=visit.number, **params), now=now)


def _require_open(visit: Visit) -> None:
    if visit.status == VisitStatus.DONE:
        raise IllegalVisitStep(_("This visit is checked out; nothing can be added."))


def _appointment_close(actor, visit: Visit, now) -> None:
    """The booked visit happened: close the booking (the next visit, if any, is booked afresh)."""
    if visit.appointment_id:
        from aftersales.dispatch.services import appointment_visited

        appointment_visited(actor=actor, appointment=visit.appointment, now=now)
