"""Every dispatch write: technician profiles, assignment and offers, the pool, acceptance, timeouts, appointments.

Exactly one holder per job: every path that gives a job to someone locks the request row first
(``select_for_update``), checks that nobody holds it, and records a ``DispatchOffer``; the database allows one
pending-or-accepted offer per request. Request state only moves through ``tickets.services``.
Route plans live in ``routes.py``.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.accounts.choices import Role
from aftersales.accounts.models import Organization, User
from aftersales.core.audit import audit_record, diff_fields
from aftersales.core.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationFailed
from aftersales.core.permissions import user_is_partner
from aftersales.tickets.choices import Action, Priority, Status
from aftersales.tickets.models import ServiceRequest
from aftersales.tickets.services import can_act_on, request_add_note, request_transition

from . import notify
from .choices import (
    ACTIVE_OFFER_STATUSES,
    UNASSIGNED_STATUSES,
    AppointmentStatus,
    AskedBy,
    DispatchMode,
    OfferStatus,
    OfferVia,
)
from .models import Appointment, DispatchOffer, DispatchPolicy, TechnicianAbsence, TechnicianProfile, TechnicianSkill
from .permissions import can_dispatch, policy_can_edit, technician_can_edit
from .selectors import (
    local_day,
    policy_for,
    profile_list,
    skill_level,
    suggestions,
    tried_technicians,
    works_on,
)

SYSTEM_USERNAME = "dispatch-system"


class AlreadyAssigned(ConflictError):
    code = "already_assigned"
    default_message = gettext_lazy("Someone else already holds this job.")


def system_actor() -> User:
    """The account automatic dispatch acts as (auto-assign, timeouts, pool hand-over). It cannot log in."""
    user = User.objects.filter(username=SYSTEM_USERNAME).first()
    if user is None:
        try:
            with transaction.atomic():
                user = User.objects.create(
                    username=SYSTEM_USERNAME,
                    role=Role.DISPATCHER,
                    is_active=False,
                    first_name="Dispatch",
                    last_name="System",
                )
                user.set_unusable_password()
                user.save(update_fields=["password"])
        except IntegrityError:
            user = User.objects.get(username=SYSTEM_USERNAME)
    return user


# --- technicians ------------------------------------------------------------------------------


PROFILE_FIELDS = (
    "home_label",
    "home_latitude",
    "home_longitude",
    "calendar",
    "shift_start",
    "shift_end",
    "break_earliest",
    "break_latest",
    "break_minutes",
    "capacity_jobs",
    "capacity_minutes",
    "rating",
    "is_dispatchable",
)


def _check_profile(data: dict) -> None:
    errors: dict[str, list] = {}
    lat, lng = data.get("home_latitude"), data.get("home_longitude")
    if lat is None or not -90 <= float(lat) <= 90:
        errors["home_latitude"] = [_("Between -90 and 90.")]
    if lng is None or not -180 <= float(lng) <= 180:
        errors["home_longitude"] = [_("Between -180 and 180.")]
    if data.get("shift_start") and data.get("shift_end") and data["shift_end"] <= data["shift_start"]:
        errors["shift_end"] = [_("The shift must end after it starts.")]
    if data.get("break_earliest") and data.get("break_latest") and data["break_latest"] <= data["break_earliest"]:
        errors["break_latest"] = [_("The break window must end after it starts.")]
    rating = data.get("rating")
    if rating is not None and not 1 <= float(rating) <= 5:
        errors["rating"] = [_("Between 1 and 5.")]
    cap = data.get("capacity_jobs")
    if cap is not None and not 1 <= int(cap) <= 50:
        errors["capacity_jobs"] = [_("Between 1 and 50.")]
    if errors:
        raise ValidationFailed(fields=errors)


def _skill_key(row) -> tuple:
    return (row[0] or 0, row[1], row[2])


@transaction.atomic
def profile_save(*, actor, technician: User, skills=None, regions=None, **data) -> TechnicianProfile:
    """Create or update a technician's profile. ``skills``: [(category or None, service_type, level)];
    ``regions``: regions served. Office dispatch roles for anyone, partner staff for their own technicians."""
    if technician.role != Role.TECHNICIAN:
        raise ValidationFailed(fields={"technician": [_("Not a technician.")]})
    if not technician_can_edit(actor, technician):
        raise PermissionDeniedError()
    unknown = set(data) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationFailed(fields={k: [_("This field cannot be changed.")] for k in unknown})
    profile = TechnicianProfile.objects.select_for_update().filter(user=technician).first()
    merged = {f: getattr(profile, f) for f in PROFILE_FIELDS} if profile else {}
    merged.update(data)
    _check_profile(merged)
    if skills is not None:
        seen = set()
        for category, service_type, level in skills:
            from aftersales.tickets.choices import ServiceType

            if service_type not in ServiceType.values or int(level) not in (1, 2, 3):
                raise ValidationFailed(fields={"skills": [_("Each skill needs a service type and a level 1–3.")]})
            key = (category.pk if category else None, service_type)
            if key in seen:
                raise ValidationFailed(fields={"skills": [_("A skill is listed twice.")]})
            seen.add(key)
    if profile is None:
        profile = TechnicianProfile.objects.create(user=technician, **data)
        changes = {"technician": [None, technician.pk]}
    else:
        changes = diff_fields(profile, data)
        profile.save()
    if regions is not None:
        before = sorted(profile.regions.values_list("pk", flat=True))
        profile.regions.set(regions)
        after = sorted(r.pk for r in regions)
        if before != after:
            changes["regions"] = [before, after]
    if skills is not None:
        before = sorted(profile.skills.values_list("category_id", "service_type", "level"), key=_skill_key)
        profile.skills.all().delete()
        TechnicianSkill.objects.bulk_create(
            [
                TechnicianSkill(profile=profile, category=category, service_type=service_type, level=int(level))
                for category, service_type, level in skills
            ]
        )
        after = sorted(((c.pk if c else None, s, int(lv)) for c, s, lv in skills), key=_skill_key)
        if [tuple(x) for x in before] != after:
            changes["skills"] = [[list(x) for x in before], [list(x) for x in after]]
    audit_record(actor=actor, action="technician_profile.save", obj=profile, changes=changes)
    return profile


@transaction.atomic
def absence_add(*, actor, profile: TechnicianProfile, start: dt.date, end: dt.date, reason: str, note: str = ""):
    if not technician_can_edit(actor, profile.user):
        raise PermissionDeniedError()
    from .choices import AbsenceReason

    if reason not in AbsenceReason.values:
        raise ValidationFailed(fields={"reason": [_("Unknown reason.")]})
    if end < start:
        raise ValidationFailed(fields={"end": [_("The absence must end on or after its first day.")]})
    absence = TechnicianAbsence.objects.create(profile=profile, start=start, end=end, reason=reason, note=note[:200])
    audit_record(
        actor=actor,
        action="technician_absence.add",
        obj=profile,
        changes={"absence": [None, f"{start}..{end} {reason}"]},
    )
    return absence


# --- assignment ---------------------------------------------------------------------------------


def _lock(request: ServiceRequest) -> tuple[ServiceRequest, DispatchOffer | None]:
    locked = (
        ServiceRequest.objects.select_for_update(of=("self",))
        .select_related("customer", "address", "product", "unit__product", "region")
        .get(pk=request.pk)
    )
    offer = DispatchOffer.objects.select_for_update().filter(request=locked, status__in=ACTIVE_OFFER_STATUSES).first()
    return locked, offer


def _holder_name(offer: DispatchOffer | None, request: ServiceRequest) -> str:
    if offer is not None and offer.technician_id:
        return offer.technician.display_name
    if request.assigned_technician_id:
        return request.assigned_technician.display_name
    if request.assigned_organization_id:
        return str(request.assigned_organization)
    return "?"


def _offer_create(**kwargs) -> DispatchOffer:
    try:
        with transaction.atomic():
            return DispatchOffer.objects.create(**kwargs)
    except IntegrityError:
        raise AlreadyAssigned() from None


@transaction.atomic
def dispatch_assign(
    *,
    actor,
    request: ServiceRequest,
    technician: User | None = None,
    organization: Organization | None = None,
    reason: str = "",
    reassign: bool = False,
    via: str = OfferVia.DISPATCHER,
    now=None,
) -> DispatchOffer:
    """Give a job to a technician (or to a partner organization). Raises ``AlreadyAssigned`` (409) when someone
    holds it already, unless ``reassign`` (dispatch roles, with a reason). A choice other than the top suggestion
    needs a reason (R-DSP-2), kept on the timeline."""
    if not can_dispatch(actor):
        raise PermissionDeniedError()
    if technician is None and organization is None:
        raise ValidationFailed(
            _("Choose a technician or a service partner."), fields={"technician": [_("This field is required.")]}
        )
    now = now or timezone.now()
    reason = (reason or "").strip()
    sr, active = _lock(request)
    if not can_act_on(actor, sr):
        raise NotFoundError()
    is_partner = user_is_partner(actor)
    if is_partner:
        # A partner passes its organization's job to one of its technicians.
        if (
            active is None
            or active.organization_id != actor.organization_id
            or sr.status
            not in (
                Status.ASSIGNED,
                Status.ACCEPTED,
                Status.SCHEDULED,
            )
        ):
            raise AlreadyAssigned(_("This job is not waiting for your organization to assign it."))
        if active.technician_id is not None and not reassign:
            raise AlreadyAssigned(_("%(name)s already holds this job.") % {"name": _holder_name(active, sr)})
        via = OfferVia.PARTNER
    elif sr.status in UNASSIGNED_STATUSES and active is None:
        pass
    elif reassign:
        if not reason:
            raise ValidationFailed(_("Give a reason."), fields={"reason": [_("A reason is required to reassign.")]})
    else:
        raise AlreadyAssigned(_("%(name)s already holds this job.") % {"name": _holder_name(active, sr)})

    ranked = suggestions(
        sr,
        now=now,
        organization_id=actor.organization_id if is_partner else None,
        exclude=tried_technicians(sr),
    )
    top = ranked[0] if ranked else None
    chosen = next((s for s in ranked if technician is not None and s.technician_id == technician.pk), None)
    override = (
        technician is not None and via == OfferVia.DISPATCHER and top is not None and top.technician_id != technician.pk
    )
    if override and not reason:
        raise ValidationFailed(
            _("%(name)s is not the top suggestion: give a reason.") % {"name": technician.display_name},
            code="reason_required",
            fields={"reason": [_("A reason is required when you do not take the top suggestion.")]},
        )
    if active is not None:
        active.status = OfferStatus.DELEGATED if is_partner and active.technician_id is None else OfferStatus.WITHDRAWN
        active.answered_at = now
        active.answer_reason = reason
        active.save(update_fields=["status", "answered_at", "answer_reason"])
    data = {"via": via}
    if chosen is not None:
        data["score"] = chosen.score
    if override:
        data.update({"override": True, "top_suggestion": top.technician_id, "top_score": top.score})
    sr = request_transition(
        actor=actor,
        request=sr,
        action=Action.ASSIGN,
        reason=reason,
        technician=technician,
        organization=organization,
        data=data,
        now=now,
    )
    visit_changes = {}
    if technician is not None:
        # A booked visit goes with the job: the new technician is the one who confirms leaving for it.
        open_visits = Appointment.objects.filter(
            request=sr, status__in=[AppointmentStatus.PROPOSED, AppointmentStatus.CONFIRMED]
        ).exclude(technician=technician)
        if open_visits.update(technician=technician):
            visit_changes["appointment_technician"] = [None, technician.pk]
    policy = policy_for(sr)
    offer = _offer_create(
        request=sr,
        technician=technician,
        organization=sr.assigned_organization,
        status=OfferStatus.PENDING,
        via=via,
        score=chosen.as_dict() if chosen else {},
        override_reason=reason if override else "",
        created_by=actor,
        created_at=now,
        expires_at=now + dt.timedelta(minutes=policy.accept_minutes) if technician is not None else None,
    )
    audit_record(
        actor=actor,
        action="dispatch.assign",
        obj=sr,
        changes={"technician": [None, technician.pk if technician else None], "via": [None, via], **visit_changes},
    )
    notify.on_commit_offer(offer.pk)
    if technician is not None and sr.priority == Priority.URGENT:
        from .tasks import route_insert_urgent_task

        pk = sr.pk
        transaction.on_commit(lambda: route_insert_urgent_task(pk))
    return offer


@transaction.atomic
def pool_claim(*, actor, request: ServiceRequest, now=None) -> DispatchOffer:
    """A qualified technician takes a grab-pool job (抢单): the first claim wins, the others get 409."""
    if not actor.is_authenticated or actor.role != Role.TECHNICIAN:
        raise PermissionDeniedError()
    now = now or timezone.now()
    sr, active = _lock(request)
    if sr.status not in UNASSIGNED_STATUSES or active is not None:
        raise AlreadyAssigned(_("Too late: %(name)s already took this job.") % {"name": _holder_name(active, sr)})
    if policy_for(sr).mode != DispatchMode.POOL:
        raise NotFoundError()
    profile = profile_list().filter(user=actor, is_dispatchable=True).prefetch_related("skills", "absences").first()
    if profile is None or not works_on(profile, local_day(now)):
        raise PermissionDeniedError(_("You are not available for dispatch today."))
    from .selectors import request_category_id

    if skill_level(profile, sr.service_type, request_category_id(sr)) == 0:
        raise PermissionDeniedError(_("You do not have the skill for this job."))
    system = system_actor()
    sr = request_transition(
        actor=system,
        request=sr,
        action=Action.ASSIGN,
        technician=actor,
        data={"via": OfferVia.POOL, "claimed_by": actor.pk},
        now=now,
    )
    sr = request_transition(actor=actor, request=sr, action=Action.ACCEPT, now=now)
    offer = _offer_create(
        request=sr,
        technician=actor,
        organization=sr.assigned_organization,
        status=OfferStatus.ACCEPTED,
        via=OfferVia.POOL,
        created_by=actor,
        created_at=now,
        answered_at=now,
    )
    audit_record(actor=actor, action="dispatch.claim", obj=sr, changes={"technician": [None, actor.pk]})
    return offer


def _pending_offer_of(actor, sr: ServiceRequest, active: DispatchOffer | None) -> DispatchOffer:
    if active is None or active.status != OfferStatus.PENDING or active.technician_id != actor.pk:
        raise ConflictError(_("There is no offer waiting for your answer on this job."), code="no_offer")
    return active


@transaction.atomic
def offer_accept(*, actor, request: ServiceRequest, now=None) -> DispatchOffer:
    now = now or timezone.now()
    sr, active = _lock(request)
    if not can_act_on(actor, sr):
        raise NotFoundError()
    offer = _pending_offer_of(actor, sr, active)
    request_transition(actor=actor, request=sr, action=Action.ACCEPT, now=now)
    offer.status = OfferStatus.ACCEPTED
    offer.answered_at = now
    offer.save(update_fields=["status", "answered_at"])
    audit_record(actor=actor, action="dispatch.accept", obj=sr, changes={"offer": [OfferStatus.PENDING, offer.status]})
    return offer


@transaction.atomic
def offer_decline(*, actor, request: ServiceRequest, reason: str, now=None) -> DispatchOffer:
    """The technician says no (with a reason); the job goes to the next candidate as the policy says."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Give a reason."), fields={"reason": [_("A reason is required to decline.")]})
    sr, active = _lock(request)
    if not can_act_on(actor, sr):
        raise NotFoundError()
    offer = _pending_offer_of(actor, sr, active)
    request_transition(actor=actor, request=sr, action=Action.DECLINE, reason=reason, now=now)
    offer.status = OfferStatus.DECLINED
    offer.answered_at = now
    offer.answer_reason = reason
    offer.save(update_fields=["status", "answered_at", "answer_reason"])
    audit_record(actor=actor, action="dispatch.decline", obj=sr, changes={"offer": [OfferStatus.PENDING, offer.status]})
    _redispatch_on_commit(sr.pk)
    return offer


@transaction.atomic
def offer_expire(*, offer_id: int, now=None) -> bool:
    """Takes back an offer nobody answered in time and re-dispatches. False if it was answered meanwhile."""
    now = now or timezone.now()
    offer = DispatchOffer.objects.filter(pk=offer_id).only("request_id").first()
    if offer is None:
        return False
    sr, active = _lock(ServiceRequest(pk=offer.request_id))
    if active is None or active.pk != offer_id or active.status != OfferStatus.PENDING or active.expires_at is None:
        return False
    if active.expires_at > now:
        return False
    minutes = int((active.expires_at - active.created_at).total_seconds() // 60)
    system = system_actor()
    reason = _("No answer within %(n)d minutes; offered to the next technician.") % {"n": minutes}
    request_transition(actor=system, request=sr, action=Action.DECLINE, reason=reason, data={"timeout": True}, now=now)
    active.status = OfferStatus.EXPIRED
    active.answered_at = now
    active.answer_reason = reason
    active.save(update_fields=["status", "answered_at", "answer_reason"])
    audit_record(
        actor=system, action="dispatch.expire", obj=sr, changes={"offer": [OfferStatus.PENDING, active.status]}
    )
    _redispatch_on_commit(sr.pk)
    return True


def offers_due(*, now=None, limit: int = 500) -> list[int]:
    now = now or timezone.now()
    return list(
        DispatchOffer.objects.filter(status=OfferStatus.PENDING, expires_at__lte=now)
        .order_by("expires_at")
        .values_list("pk", flat=True)[:limit]
    )


def offers_expire_due(*, now=None) -> int:
    """The periodic sweep: every pending offer past its answer time (indexed on status, expires_at)."""
    return sum(1 for pk in offers_due(now=now) if offer_expire(offer_id=pk, now=now))


def _redispatch_on_commit(request_id: int) -> None:
    from .tasks import dispatch_auto_task

    transaction.on_commit(lambda: dispatch_auto_task(request_id, True))


def dispatch_auto(*, request_id: int, redispatch: bool = False, now=None) -> DispatchOffer | None:
    """Auto-assign the best candidate if the policy says so (``auto``; after a decline or a timeout also
    ``suggest``). Nothing happens when someone holds the job already or nobody qualifies."""
    sr = ServiceRequest.objects.select_related("address", "product", "unit__product").filter(pk=request_id).first()
    if sr is None or sr.status not in UNASSIGNED_STATUSES:
        return None
    mode = policy_for(sr).mode
    if mode != DispatchMode.AUTO and not (redispatch and mode == DispatchMode.SUGGEST):
        return None
    ranked = suggestions(sr, now=now, exclude=tried_technicians(sr))
    if not ranked:
        return None
    top = ranked[0]
    technician = User.objects.get(pk=top.technician_id)
    try:
        return dispatch_assign(
            actor=system_actor(),
            request=sr,
            technician=technician,
            via=OfferVia.REDISPATCH if redispatch else OfferVia.AUTO,
            now=now,
        )
    except AlreadyAssigned:
        return None


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
    appt.status = AppointmentStatus.VISITED
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
    appt.status = AppointmentStatus.CONFIRMED
    appt.confirmed_at = now
    if agreed_with:
        appt.agreed_with = agreed_with.strip()[:100]
    appt.save(update_fields=["status", "confirmed_at", "agreed_with"])
    notify.on_commit_customer(
        sr.pk,
        _("Your visit is booked"),
        _("Service request %(number)s: our technician will visit %(window)s.")
        % {"number": sr.number, "window": _window_text(appt.window_start, appt.window_end)},
    )
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
    old.status = AppointmentStatus.MOVED
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
    text = _("Visit moved from %(old)s to %(new)s, asked by %(who)s: %(reason)s") % {
        "old": payload["moved_from"],
        "new": payload["window"],
        "who": AskedBy(asked_by).label,
        "reason": reason,
    }
    if was_confirmed and sr.status in (Status.ACCEPTED, Status.SCHEDULED, Status.WAITING_PARTS):
        request_transition(actor=actor, request=sr, action=Action.SCHEDULE, reason=text, data=payload, now=now)
    else:
        request_add_note(actor=actor, request=sr, text=text)
    audit_record(
        actor=actor,
        action="appointment.move",
        obj=sr,
        changes={"window": [payload["moved_from"], payload["window"]], "asked_by": [None, asked_by]},
    )
    notify.on_commit_customer(
        sr.pk,
        _("Your visit has a new time"),
        _("Service request %(number)s: the visit moves to %(window)s. Reason: %(reason)s")
        % {"number": sr.number, "window": payload["window"], "reason": reason},
    )
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
    if eta < now - dt.timedelta(minutes=5) or eta > now + dt.timedelta(hours=12):
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
    request_add_note(
        actor=actor,
        request=appt.request,
        text=_("On the way; expected arrival %(eta)s.") % {"eta": _fmt(eta)},
    )
    audit_record(actor=actor, action="appointment.depart", obj=appt.request, changes={"eta": [None, _fmt(eta)]})
    notify.on_commit_customer(
        appt.request_id,
        _("Your technician is on the way"),
        _("Service request %(number)s: %(name)s is on the way and expects to arrive at %(eta)s.")
        % {"number": appt.request.number, "name": actor.display_name, "eta": timezone.localtime(eta).strftime("%H:%M")},
    )
    return appt


# --- policies ------------------------------------------------------------------------------------


POLICY_FIELDS = ("region", "service_type", "mode", "accept_minutes")


def _policy_writer(actor) -> None:
    """Policies are site configuration: managers and administrators write them (``actor=None``: set-up code)."""
    if actor is not None and not policy_can_edit(actor):
        raise PermissionDeniedError()


def _check_policy(data: dict, *, instance: DispatchPolicy | None = None) -> dict:
    """Every rule a policy must meet, on create and on update alike; returns the cleaned values."""
    from aftersales.tickets.choices import ServiceType

    errors: dict[str, list] = {}
    if data.get("mode") not in DispatchMode.values:
        errors["mode"] = [_("Unknown mode.")]
    service_type = data.get("service_type") or None
    if service_type is not None and service_type not in ServiceType.values:
        errors["service_type"] = [_("Unknown service type.")]
    try:
        minutes = int(data.get("accept_minutes"))
    except (TypeError, ValueError):
        minutes = None
    if minutes is None or not 1 <= minutes <= 1440:
        errors["accept_minutes"] = [_("Between 1 and 1440 minutes.")]
    if errors:
        raise ValidationFailed(fields=errors)
    region = data.get("region")
    clash = DispatchPolicy.objects.filter(region=region, service_type=service_type)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise ConflictError(
            _("A policy for this region and service type exists already."),
            code="policy_exists",
            fields={"service_type": [_("A policy for this region and service type exists already.")]},
        )
    return {"region": region, "service_type": service_type, "mode": data["mode"], "accept_minutes": minutes}


@transaction.atomic
def policy_create(
    *, actor, mode: str, region=None, service_type: str | None = None, accept_minutes: int = 30
) -> DispatchPolicy:
    """A dispatch policy for a region and service type (empty = any); one per combination."""
    _policy_writer(actor)
    data = _check_policy(
        {"region": region, "service_type": service_type, "mode": mode, "accept_minutes": accept_minutes}
    )
    policy = DispatchPolicy.objects.create(**data)
    audit_record(
        actor=actor,
        action="dispatch_policy.create",
        obj=policy,
        changes={k: [None, v] for k, v in data.items() if v is not None},
    )
    return policy


@transaction.atomic
def policy_update(*, actor, policy: DispatchPolicy, **data) -> DispatchPolicy:
    """Change a policy's region, service type, mode or answer time; the same rules as ``policy_create``."""
    _policy_writer(actor)
    unknown = set(data) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationFailed(fields={k: [_("This field cannot be changed.")] for k in sorted(unknown)})
    row = DispatchPolicy.objects.select_for_update().filter(pk=policy.pk).first()
    if row is None:
        raise NotFoundError()
    merged = {f: getattr(row, f) for f in POLICY_FIELDS}
    merged.update(data)
    cleaned = _check_policy(merged, instance=row)
    changes = diff_fields(row, cleaned)
    if changes:
        row.save()
        audit_record(actor=actor, action="dispatch_policy.update", obj=row, changes=changes)
    return row


@transaction.atomic
def policy_delete(*, actor, policy: DispatchPolicy) -> None:
    """Remove a policy; its jobs fall back to the next most specific policy (or the site default)."""
    _policy_writer(actor)
    row = DispatchPolicy.objects.select_for_update().filter(pk=policy.pk).first()
    if row is None:
        raise NotFoundError()
    audit_record(
        actor=actor,
        action="dispatch_policy.delete",
        obj=row,
        changes={f: [getattr(row, f), None] for f in POLICY_FIELDS if getattr(row, f) is not None},
    )
    row.delete()
