"""Who may see and do what in dispatch (R-ROLE-1), in one place: the role sets, the scoped
querysets and the yes/no checks read from them."""

from __future__ import annotations

from django.db.models import QuerySet

from aftersales.accounts.choices import BACK_OFFICE_ROLES, Role
from aftersales.accounts.models import User
from aftersales.core.permissions import Scope, user_has_role

from .models import Appointment, DispatchPolicy, TechnicianProfile

# The office dispatch roles: the board, every job, re-planning, reading the policies.
DISPATCH_ROLES = frozenset({Role.DISPATCHER, Role.MANAGER, Role.ADMIN})
# Who hands out jobs and looks after technicians: the office dispatch roles (every job, every
# technician) and partner staff (their organization's jobs and technicians).
CREW_ROLES = DISPATCH_ROLES | {Role.PARTNER}
# Policies are site configuration: managers and administrators write them.
POLICY_EDIT_ROLES = frozenset({Role.MANAGER, Role.ADMIN})
# The technician's own pages: "My day", offers, the grab pool.
TECHNICIAN_ROLES = frozenset({Role.TECHNICIAN})
# Who books a visit with the customer on a request they may act on.
BOOKING_ROLES = CREW_ROLES | {Role.AGENT, Role.TECHNICIAN}

# Technician profiles: office staff all, partner staff their organization's, a technician his own.
PROFILE_SCOPE = Scope(
    everything=BACK_OFFICE_ROLES,
    own={
        Role.PARTNER: (("user__organization_id", "organization_id"),),
        Role.TECHNICIAN: (("user_id", "pk"),),
    },
)
# Technicians whose profile and absences a user may edit.
CREW_SCOPE = Scope(everything=DISPATCH_ROLES, own={Role.PARTNER: (("organization_id", "organization_id"),)})


def can_dispatch(user) -> bool:
    """Office dispatch roles (all jobs) and partner staff (their organization's jobs)."""
    return user_has_role(user, CREW_ROLES)


def is_dispatcher(user) -> bool:
    return user_has_role(user, DISPATCH_ROLES)


def profile_list_for(user) -> QuerySet[TechnicianProfile]:
    from .selectors import profile_list

    return PROFILE_SCOPE.filter(user, profile_list())


def technicians_editable_for(user) -> QuerySet[User]:
    """Technicians whose profile ``user`` may create or edit."""
    qs = User.objects.filter(role=Role.TECHNICIAN, is_active=True).select_related("organization")
    return CREW_SCOPE.filter(user, qs)


def technician_can_edit(user, technician: User) -> bool:
    """Is ``technician`` one of ``technicians_editable_for(user)`` (role and activity checked by the caller)?"""
    return CREW_SCOPE.allows(user, technician)


def policy_list_for(user) -> QuerySet[DispatchPolicy]:
    """Policies a user may see: the office dispatch roles (managers and admins also write them)."""
    from django.db.models import F

    if not is_dispatcher(user):
        return DispatchPolicy.objects.none()
    return DispatchPolicy.objects.select_related("region").order_by(
        F("region__code").asc(nulls_first=True), F("service_type").asc(nulls_first=True), "id"
    )


def policy_can_edit(user) -> bool:
    return user_has_role(user, POLICY_EDIT_ROLES)


def appointment_list_for(user) -> QuerySet[Appointment]:
    """Appointments of the requests ``user`` may see."""
    from aftersales.tickets.permissions import request_list_for

    return Appointment.objects.filter(request__in=request_list_for(user))
