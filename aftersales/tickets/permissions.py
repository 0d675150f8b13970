"""Who may see and do what with service requests (R-ROLE-1), in one place.

The object rule is ``REQUEST_SCOPE``: office staff see every request, a technician the
requests assigned to him, partner staff their organization's, a customer his own.
``request_list_for`` (the queryset every page, fragment, export and API read starts from)
and ``request_can_act`` (the yes/no for one loaded request, no query) are both read from it.
"""

from __future__ import annotations

from django.db.models import QuerySet

from aftersales.accounts.choices import BACK_OFFICE_ROLES, Role
from aftersales.core.permissions import Scope, user_has_role

from .models import Attachment, ServiceRequest

# Who takes requests at the intake page (customers file theirs through the portal).
INTAKE_ROLES = frozenset({Role.AGENT, Role.DISPATCHER, Role.QUALITY, Role.MANAGER, Role.ADMIN})
# Who may file a request (customers only for themselves).
CREATE_ROLES = INTAKE_ROLES | {Role.CUSTOMER}
# Who changes a request's details (priority, description, contact ...).
EDIT_ROLES = BACK_OFFICE_ROLES

REQUEST_SCOPE = Scope(
    everything=BACK_OFFICE_ROLES,
    own={
        Role.TECHNICIAN: (("assigned_technician_id", "pk"),),
        Role.PARTNER: (("assigned_organization_id", "organization_id"),),
        Role.CUSTOMER: (("customer__user_id", "pk"),),
    },
)


def request_list_for(user) -> QuerySet[ServiceRequest]:
    """The requests ``user`` may see (and act on, as far as his role's steps allow)."""
    return REQUEST_SCOPE.filter(user, ServiceRequest.objects.all())


def request_can_act(user, request: ServiceRequest) -> bool:
    """Is ``request`` one of ``request_list_for(user)``? Answered in memory from the same rule
    (a customer's check reads ``request.customer``: load it with the request)."""
    return REQUEST_SCOPE.allows(user, request)


def request_can_edit(user, request: ServiceRequest) -> bool:
    return user_has_role(user, EDIT_ROLES) and request_can_act(user, request)


def attachment_list_for(user) -> QuerySet[Attachment]:
    return Attachment.objects.filter(request__in=request_list_for(user))


def user_can_take_intake(user) -> bool:
    return user_has_role(user, INTAKE_ROLES)
