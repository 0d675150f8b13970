"""Who may see and do what with complaints (R-ROLE-1), in one place.

Complaints are handled in the back office: agents take them on every channel and see them (a
complainant calls back), complaint handlers (质量 / 投诉专员) investigate, managers decide and
are escalated to. Technicians and partners never see complaints (some are about them); the
complainant sees his own through the tracking link only, without logging in.
"""

from __future__ import annotations

from django.db.models import QuerySet

from aftersales.core.permissions import Scope, user_has_role

from .choices import HANDLER_ROLES, INTAKE_ROLES, MANAGER_ROLES
from .models import Complaint, ComplaintEvidence

__all__ = [
    "COMPLAINT_SCOPE",
    "HANDLER_ROLES",
    "INTAKE_ROLES",
    "MANAGER_ROLES",
    "READ_ROLES",
    "complaint_can_act",
    "complaint_list_for",
]

# Who reads complaints (the worklists, the detail, the exports, the API).
READ_ROLES = INTAKE_ROLES
# Who may change the escalation chain (in the admin): managers.
CHAIN_ROLES = MANAGER_ROLES

COMPLAINT_SCOPE = Scope(everything=READ_ROLES)


def complaint_list_for(user) -> QuerySet[Complaint]:
    """The complaints ``user`` may see (every page, fragment, export and API read starts here)."""
    return COMPLAINT_SCOPE.filter(user, Complaint.objects.all())


def complaint_can_act(user, complaint: Complaint) -> bool:
    """Is ``complaint`` one of ``complaint_list_for(user)``? (In memory, from the same rule.)"""
    return COMPLAINT_SCOPE.allows(user, complaint)


def complaint_can_handle(user, complaint: Complaint) -> bool:
    return user_has_role(user, HANDLER_ROLES) and complaint_can_act(user, complaint)


def complaint_can_decide(user, complaint: Complaint) -> bool:
    return user_has_role(user, MANAGER_ROLES) and complaint_can_act(user, complaint)


def evidence_list_for(user) -> QuerySet[ComplaintEvidence]:
    return ComplaintEvidence.objects.filter(complaint__in=complaint_list_for(user))
