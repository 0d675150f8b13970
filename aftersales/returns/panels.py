"""What returns adds to the pages below it: the unit page's and the request page's RMA card."""

from __future__ import annotations

from aftersales.core.permissions import user_has_role
from aftersales.tickets.choices import ServiceType

from .choices import OPEN_STATUSES
from .permissions import VIEW_ROLES, rma_list_for, user_is_office


def unit_rma_context(request, unit) -> dict | None:
    """The unit's RMAs (those the user may see) and, for office staff, a way to file one."""
    user = request.user
    if not user_has_role(user, VIEW_ROLES):
        return None
    rmas = list(rma_list_for(user).filter(unit=unit).order_by("-created_at", "-id")[:10])
    may_create = user_is_office(user) and not any(r.status in OPEN_STATUSES for r in rmas)
    if not rmas and not may_create:
        return None
    return {"rmas": rmas, "unit": unit, "may_create": may_create}


def request_rma_context(request, sr) -> dict | None:
    """On a return/exchange request (or one with RMAs): its RMAs and the way to start one."""
    user = request.user
    if not user_has_role(user, VIEW_ROLES):
        return None
    # Most requests have no return case: asked first with a cheap EXISTS (a tenth of compiling and
    # reading the cases' 30 columns), read only when there is one.
    cases = rma_list_for(user).filter(request=sr)
    rmas = list(cases.order_by("-created_at", "-id")[:10]) if cases.exists() else []
    may_create = (
        user_is_office(user)
        and sr.unit_id is not None
        and sr.service_type == ServiceType.RETURN_EXCHANGE
        and not any(r.status in OPEN_STATUSES for r in rmas)
    )
    if not rmas and not may_create:
        return None
    return {"rmas": rmas, "sr": sr, "may_create": may_create}
