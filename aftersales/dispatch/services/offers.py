"""The technician's answer to an offer (accept, decline) and the timeout sweep of unanswered offers."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.system import system_user
from aftersales.core.audit import audit_record
from aftersales.core.errors import ConflictError, NotFoundError, ValidationFailed
from aftersales.core.messages import msg
from aftersales.core.states import transition_apply
from aftersales.tickets.choices import Action
from aftersales.tickets.models import ServiceRequest
from aftersales.tickets.services import can_act_on, request_transition

from ..choices import (
    OFFER_TRANSITIONS,
    UNASSIGNED_STATUSES,
    OfferStatus,
)
from ..models import DispatchOffer
from ..selectors import local_day, technician_block_reason
from ._common import _lock, _redispatch_on_commit


def _pending_offer_of(actor, sr: ServiceRequest, active: DispatchOffer | None, on_behalf: bool) -> DispatchOffer:
    if active is None or active.status != OfferStatus.PENDING or (active.technician_id != actor.pk and not on_behalf):
        raise ConflictError(_("There is no offer waiting for your answer on this job."), code="no_offer")
    return active


@transaction.atomic
def offer_accept(*, actor, request: ServiceRequest, on_behalf: bool = False, now=None) -> DispatchOffer:
    """The offered technician takes the job; ``on_behalf``: someone else records the answer (the office, or a
    partner for its organization's offer) from the request page or the requests API."""
    now = now or timezone.now()
    sr, active = _lock(request)
    if not can_act_on(actor, sr):
        raise NotFoundError()
    offer = _pending_offer_of(actor, sr, active, on_behalf)
    if offer.technician_id is not None:
        blocked = technician_block_reason(offer.technician_id, sr, day=local_day(now))
        if blocked:
            raise ValidationFailed(blocked, code="technician_blocked", fields={"technician": [blocked]})
    request_transition(actor=actor, request=sr, action=Action.ACCEPT, now=now, by_owner=True)
    transition_apply(offer, OFFER_TRANSITIONS, "accept")
    offer.answered_at = now
    offer.save(update_fields=["status", "answered_at"])
    audit_record(actor=actor, action="dispatch.accept", obj=sr, changes={"offer": [OfferStatus.PENDING, offer.status]})
    return offer


@transaction.atomic
def offer_decline(*, actor, request: ServiceRequest, reason: str, on_behalf: bool = False, now=None) -> DispatchOffer:
    """The technician says no (with a reason); the job goes to the next candidate as the policy says."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Give a reason."), fields={"reason": [_("A reason is required to decline.")]})
    sr, active = _lock(request)
    if not can_act_on(actor, sr):
        raise NotFoundError()
    offer = _pending_offer_of(actor, sr, active, on_behalf)
    request_transition(actor=actor, request=sr, action=Action.DECLINE, reason=reason, now=now, by_owner=True)
    transition_apply(offer, OFFER_TRANSITIONS, "decline", reason=reason)
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
    system = system_user()
    reason = msg("dispatch.offer_expired", n=minutes)
    request_transition(
        actor=system, request=sr, action=Action.DECLINE, reason=reason, data={"timeout": True}, now=now, by_owner=True
    )
    transition_apply(active, OFFER_TRANSITIONS, "expire")
    active.answered_at = now
    active.answer_reason = str(reason)
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


def request_assignment_apply(
    *, actor, request: ServiceRequest, action: str, reason="", technician=None, organization=None, data=None, now=None
) -> ServiceRequest:
    """The ``tickets.slots.REQUEST_ASSIGNMENT`` owner: assign / accept / decline asked for on the request page,
    through the requests API or by SLA escalation go through the dispatch services, so the offer record (and
    the reason of an override or a reassignment) always follows the request."""
    sr, active = _lock(request)
    if action == Action.ASSIGN:
        from .assignment import dispatch_assign

        held = not (sr.status in UNASSIGNED_STATUSES and active is None)
        dispatch_assign(
            actor=actor,
            request=sr,
            technician=technician,
            organization=organization,
            reason=reason,
            reassign=held,
            now=now,
        )
    elif active is None:
        # A job held without an offer (given before offers were kept): only the request moves.
        request_transition(actor=actor, request=sr, action=action, reason=reason, data=data, now=now, by_owner=True)
    else:
        on_behalf = active.technician_id != actor.pk
        if action == Action.ACCEPT:
            offer_accept(actor=actor, request=sr, on_behalf=on_behalf, now=now)
        else:
            offer_decline(actor=actor, request=sr, reason=str(reason), on_behalf=on_behalf, now=now)
    return ServiceRequest.objects.get(pk=sr.pk)
