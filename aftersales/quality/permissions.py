"""Who may see and do what in quality management (R-ROLE-1), in one place.

The case library is kept and read by the quality team and the managers (some cases are about
named technicians and requests): everybody in ``QUALITY_ROLES`` sees every case."""

from __future__ import annotations

from django.db.models import QuerySet

from aftersales.core.permissions import Scope

from .choices import QUALITY_MANAGER_ROLES, QUALITY_ROLES
from .models import Case

__all__ = ["CASE_SCOPE", "QUALITY_MANAGER_ROLES", "QUALITY_ROLES", "case_can_act", "case_list_for"]

CASE_SCOPE = Scope(everything=QUALITY_ROLES)


def case_list_for(user) -> QuerySet[Case]:
    """The cases ``user`` may see (every page, export and API read starts here)."""
    return CASE_SCOPE.filter(user, Case.objects.all())


def case_can_act(user, case: Case) -> bool:
    return CASE_SCOPE.allows(user, case)
