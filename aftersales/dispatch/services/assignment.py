"""Giving a job to someone: manual assignment by a dispatcher, claiming from the pool, automatic dispatch."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.choices import Role
from aftersales.accounts.models import Organization, User
from aftersales.accounts.permissions import user_is_partner
from aftersales.accounts.system import system_user
from aftersales.core.audit import audit_record
from aftersales.core.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from aftersales.core.messages import Message
from aftersales.core.states import transition_apply
from aftersales.tickets.choices import Action, Priority, Status
from aftersales.tickets.models import ServiceRequest
from aftersales.tickets.services import can_act_on, request_transition

from .. import notify
from ..choices import (
    OFFER_TRANSITIONS,
    UNASSIGNED_STATUSES,
    AppointmentStatus,
    DispatchMode,
    OfferStatus,
    OfferVia,
)
from ..models import Appointment, DispatchOffer
from ..permissions import can_dispatch
from ..selectors import (
    local_day,
    policy_for,
    profile_list,
    skill_level,
    suggestions,
    technician_block_reason,
    tried_technicians,
    works_on,
)
from ._common import AlreadyAssigned, _holder_name, _lock, _offer_create


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
    reason = reason if isinstance(reason, Message) else (reason or "").strip()  # a Message: written by the system
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

    if technician is not None:
        blocked = technician_block_reason(technician.pk, sr, day=local_day(now))
        if blocked:
            raise ValidationFailed(blocked, code="technician_blocked", fields={"technician": [blocked]})
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
        transition_apply(
            active, OFFER_TRANSITIONS, "delegate" if is_partner and active.technician_id is None else "withdraw"
        )
        active.answered_at = now
        active.answer_reason = str(reason)
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
        by_owner=True,
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
        override_reason=str(reason) if override else "",
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
    notify.offer_tell(offer)
    if technician is not None and sr.priority == Priority.URGENT:
        from ..tasks import route_insert_urgent_task

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
    from ..selectors import request_category_id

    if skill_level(profile, sr.service_type, request_category_id(sr)) == 0:
        raise PermissionDeniedError(_("You do not have the skill for this job."))
    blocked = technician_block_reason(actor.pk, sr, day=local_day(now))
    if blocked:
        raise PermissionDeniedError(blocked)
    system = system_user()
    sr = request_transition(
        actor=system,
        request=sr,
        action=Action.ASSIGN,
        technician=actor,
        data={"via": OfferVia.POOL, "claimed_by": actor.pk},
        now=now,
        by_owner=True,
    )
    sr = request_transition(actor=actor, request=sr, action=Action.ACCEPT, now=now, by_owner=True)
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
            actor=system_user(),
            request=sr,
            technician=technician,
            via=OfferVia.REDISPATCH if redispatch else OfferVia.AUTO,
            now=now,
        )
    except AlreadyAssigned:
        return None
