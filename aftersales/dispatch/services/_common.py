"""Shared by the dispatch services: the request lock that guards "one holder per job", offer creation
and re-dispatch on commit."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy

from aftersales.core.errors import ConflictError
from aftersales.tickets.models import ServiceRequest

from ..choices import (
    ACTIVE_OFFER_STATUSES,
)
from ..models import DispatchOffer


class AlreadyAssigned(ConflictError):
    code = "already_assigned"
    default_message = gettext_lazy("Someone else already holds this job.")


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


def _redispatch_on_commit(request_id: int) -> None:
    from ..tasks import dispatch_auto_task

    transaction.on_commit(lambda: dispatch_auto_task(request_id, True))
