"""Appointments: book, confirm with the customer, move, depart (ETA), close as visited."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.choices import Role
from aftersales.core.audit import audit_record
from aftersales.core.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationFailed
from aftersales.core.messages import msg
from aftersales.core.states import transition_apply
from aftersales.tickets.choices import Action, Status
from aftersales.tickets.models import ServiceRequest
from aftersales.tickets.services import can_act_on, request_add_note, request_transition

from .. import notify
from ..choices import (
    APPOINTMENT_TRANSITIONS,
    DEPART_ETA_AHEAD,
    DEPART_ETA_GRACE,
    AppointmentStatus,
    AskedBy,
)
from ..models import Appointment

# --- appointments ------------------------------------------------------------------------------


def _check_window(start, end, field: str = "window_start") -> None:
    if start is None or end is None:
        raise ValidationFailed(fields={field: [_("Give the start and the end of the window.")]})
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValidationFailed(fields={field: [_("Give a time with its time zone.")]})
    if end <= start:
        raise ValidationFailed(fields={"window_end": [_("The window must end after it starts.")]})
    if end - start > dt.timedelta(hours=12):
        raise ValidationFailed(fields={"window_end": [_("A window is at most 12 hours long.")]})


def _fmt(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _window_text(start, end) -> str:
    return f"{_fmt(start)}–{timezone.localtime(end):%H:%M}"


def _lock_request_for_schedule(actor, request: ServiceRequest) -> ServiceRequest:
    sr = ServiceRequest.objects.select_for_update().select_related("customer").get(pk=request.pk)
    if not can_act_on(actor, sr):
        raise NotFoundError()
    if sr.assigned_technician_id is None:
        raise ConflictError(_("Assign a technician before booking a visit."), code="not_assigned")
    return sr


@transaction.atomic
def appointment_create(
    *,
    actor,
    request: ServiceRequest,
    window_start,
    window_end,
    agreed_with: str = "",
    confirm: bool = True,
    named_technician: bool = False,
    now=None,
) -> Appointment:
    """Book a visit window. Confirmed (agreed with the customer) it schedules the request (status "scheduled",
    which stops the SLA appointment-contact clock) and tells the customer. ``named_technician``: the customer
    was promised the assigned technician by name, so route optimisation keeps the visit with him."""
    now = now or timezone.now()
    _check_window(window_start, window_end)
    sr = _lock_request_for_schedule(actor, request)
    if Appointment.objects.filter(
        request=sr, status__in=[AppointmentStatus.PROPOSED, AppointmentStatus.CONFIRMED]
    ).exists():
        raise ConflictError(_("This job already has a visit booked: move it instead."), code="appointment_exists")
    appt = Appointment.objects.create(
        request=sr,
        technician=sr.assigned_technician,
        window_start=window_start,
        window_end=window_end,
        agreed_with=(agreed_with or "").strip()[:100],
        named_technician=bool(named_technician),
        status=AppointmentStatus.PROPOSED,
        created_by=actor,
        created_at=now,
    )
    changes = {"window": [None, _window_text(window_start, window_end)]}
    if named_technician:
        changes["named_technician"] = [None, sr.assigned_technician_id]
    audit_record(actor=actor, action="appointment.create", obj=sr, changes=changes)
    if confirm:
        appt = appointment_confirm(actor=actor, appointment=appt, now=now)
    return appt


@transaction.atomic
def appointment_visited(*, actor, appointment: Appointment, now=None) -> Appointment:
    """The visit took place (the technician checked out): the booking is closed, so a further visit is booked
    afresh. A booking already moved or cancelled is left as it is."""
    appt = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appt.status not in (AppointmentStatus.PROPOSED, AppointmentStatus.CONFIRMED):
        return appt
    transition_apply(appt, APPOINTMENT_TRANSITIONS, "visited")
    appt.save(update_fields=["status"])
    audit_record(
        actor=actor, action="appointment.visited", obj=appt.request, changes={"appointment": [appt.pk, "visited"]}
    )
    return appt


@transaction.atomic
def appointment_confirm(*, actor, appointment: Appointment, agreed_with: str = "", now=None) -> Appointment:
    now = now or timezone.now()
    sr = _lock_request_for_schedule(actor, appointment.request)
    appt = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appt.status != AppointmentStatus.PROPOSED:
        raise ConflictError(_("Only a proposed visit can be confirmed."), code="appointment_state")
    request_transition(
        actor=actor,
        request=sr,
        action=Action.SCHEDULE,
        data={
            "appointment": appt.pk,
            "window_start": appt.window_start.isoformat(),
            "window_end": appt.window_end.isoformat(),
            "window": _window_text(appt.window_start, appt.window_end),
        },
        now=now,
    )
    transition_apply(appt, APPOINTMENT_TRANSITIONS, "confirm")
    appt.confirmed_at = now
    if agreed_with:
        appt.agreed_with = agreed_with.strip()[:100]
    appt.save(update_fields=["status", "confirmed_at", "agreed_with"])
    notify.customer_tell(sr, "dispatch.customer_visit_booked", window=_window_text(appt.window_start, appt.window_end))
    return appt


@transaction.atomic
def appointment_move(
    *, actor, appointment: Appointment, window_start, window_end, reason: str, asked_by: str, now=None
) -> Appointment:
    """A new time for a visit (a reschedule or a late arrival): reason and who asked are required; the old window
    stays in the history (status moved) and the customer is told."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = [_("A reason is required to move a visit.")]
    if asked_by not in AskedBy.values:
        errors["asked_by"] = [_("Say who asked: the customer or the company.")]
    if errors:
        raise ValidationFailed(fields=errors)
    _check_window(window_start, window_end)
    sr = _lock_request_for_schedule(actor, appointment.request)
    old = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if old.status not in (AppointmentStatus.PROPOSED, AppointmentStatus.CONFIRMED):
        raise ConflictError(_("This visit was already moved or cancelled."), code="appointment_state")
    was_confirmed = old.status == AppointmentStatus.CONFIRMED
    transition_apply(old, APPOINTMENT_TRANSITIONS, "move", reason=reason)
    old.reason = reason
    old.asked_by = asked_by
    old.save(update_fields=["status", "reason", "asked_by"])
    new = Appointment.objects.create(
        request=sr,
        technician=sr.assigned_technician,
        window_start=window_start,
        window_end=window_end,
        agreed_with=old.agreed_with,
        named_technician=old.named_technician,
        asked_by=asked_by,
        reason=reason,
        previous=old,
        status=AppointmentStatus.CONFIRMED if was_confirmed else AppointmentStatus.PROPOSED,
        created_by=actor,
        created_at=now,
        confirmed_at=now if was_confirmed else None,
    )
    payload = {
        "appointment": new.pk,
        "moved_from": _window_text(old.window_start, old.window_end),
        "window": _window_text(window_start, window_end),
        "window_start": window_start.isoformat(),
        "window_end": window_end.isoformat(),
        "asked_by": asked_by,
    }
    text = msg("dispatch.visit_moved", old=payload["moved_from"], new=payload["window"], who=asked_by, reason=reason)
    if was_confirmed and sr.status in (Status.ACCEPTED, Status.SCHEDULED, Status.WAITING_PARTS):
        request_transition(actor=actor, request=sr, action=Action.SCHEDULE, reason=text, data=payload, now=now)
    else:
        request_add_note(actor=actor, request=sr, text=text, now=now)
    audit_record(
        actor=actor,
        action="appointment.move",
        obj=sr,
        changes={"window": [payload["moved_from"], payload["window"]], "asked_by": [None, asked_by]},
    )
    notify.customer_tell(sr, "dispatch.customer_visit_moved", window=payload["window"], reason=reason)
    return new


@transaction.atomic
def appointment_depart(*, actor, appointment: Appointment, eta: dt.datetime, reason: str = "", now=None) -> Appointment:
    """The technician confirms he is leaving for the visit, with the expected arrival; the customer is told. An
    arrival after the window needs a reason and moves the visit (asked by the company)."""
    now = now or timezone.now()
    if actor.role != Role.TECHNICIAN or appointment.technician_id != actor.pk:
        raise PermissionDeniedError(_("Only the technician of the visit confirms leaving."))
    if eta is None or timezone.is_naive(eta):
        raise ValidationFailed(fields={"eta": [_("Give the expected arrival time.")]})
    if eta < now - DEPART_ETA_GRACE or eta > now + DEPART_ETA_AHEAD:
        raise ValidationFailed(fields={"eta": [_("The expected arrival must be within the next 12 hours.")]})
    appt = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appt.status != AppointmentStatus.CONFIRMED:
        raise ConflictError(_("Only a confirmed visit can start."), code="appointment_state")
    if eta > appt.window_end:
        if not (reason or "").strip():
            raise ValidationFailed(
                _("You will arrive after the agreed window: give a reason; the customer will be told the new time."),
                code="late_reason_required",
                fields={"reason": [_("A reason is required for a late arrival.")]},
            )
        length = appt.window_end - appt.window_start
        appt = appointment_move(
            actor=actor,
            appointment=appt,
            window_start=eta,
            window_end=eta + length,
            reason=reason,
            asked_by=AskedBy.COMPANY,
            now=now,
        )
    appt.departed_at = now
    appt.eta = eta
    appt.save(update_fields=["departed_at", "eta"])
    request_add_note(actor=actor, request=appt.request, text=msg("dispatch.on_the_way", eta=eta), now=now)
    audit_record(actor=actor, action="appointment.depart", obj=appt.request, changes={"eta": [None, _fmt(eta)]})
    notify.customer_tell(appt.request, "dispatch.customer_on_the_way", name=actor.display_name, eta=eta)
    return appt
