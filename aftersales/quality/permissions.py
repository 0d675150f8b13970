"""Who may see and do what in quality management (R-ROLE-1), in one place.

The case library is kept and read by the quality team and the managers (some cases are about
named technicians and requests): everybody in ``QUALITY_ROLES`` sees every case."""

from __future__ import annotations

from django.db.models import QuerySet

from aftersales.accounts.choices import Role
from aftersales.core.permissions import Scope

from .choices import QUALITY_MANAGER_ROLES, QUALITY_ROLES
from .models import Case, Inspection

__all__ = [
    "CASE_SCOPE",
    "INSPECTION_READ_ROLES",
    "QUALITY_MANAGER_ROLES",
    "QUALITY_ROLES",
    "case_can_act",
    "case_list_for",
    "inspection_list_for",
]

CASE_SCOPE = Scope(everything=QUALITY_ROLES)


def case_list_for(user) -> QuerySet[Case]:
    """The cases ``user`` may see (every page, export and API read starts here)."""
    return CASE_SCOPE.filter(user, Case.objects.all())


def case_can_act(user, case: Case) -> bool:
    return CASE_SCOPE.allows(user, case)


# Inspections: the quality team and the managers see all; a technician reads his own.
INSPECTION_READ_ROLES = QUALITY_ROLES | {Role.TECHNICIAN}
INSPECTION_SCOPE = Scope(everything=QUALITY_ROLES, own={Role.TECHNICIAN: (("technician_id", "pk"),)})


def inspection_list_for(user) -> QuerySet[Inspection]:
    return INSPECTION_SCOPE.filter(user, Inspection.objects.all())


def inspection_can_act(user, inspection: Inspection) -> bool:
    return INSPECTION_SCOPE.allows(user, inspection)
