"""Who sees and does what in management (R-ROLE-1).

- Scorecards: managers, quality managers and administrators read schemes, runs and everybody's
  scorecard; managers and administrators change schemes and approve runs. Agents and
  technicians read their own approved scorecards (``/management/me/``).
- Improvement plans: managers and the quality team (plans are raised from inspections too).
- Monthly reports: managers, quality managers and administrators.
"""

from __future__ import annotations

from django.db.models import QuerySet

from aftersales.accounts.choices import Role
from aftersales.core.permissions import Scope

from .choices import APPROVE_ROLES, PLAN_ROLES, READ_ROLES
from .models import Plan, Report, Run, Scheme

__all__ = [
    "APPROVE_ROLES",
    "PLAN_ROLES",
    "READ_ROLES",
    "REPORT_ROLES",
    "SCHEME_EDIT_ROLES",
    "SELF_ROLES",
    "plan_list_for",
    "report_list_for",
    "run_list_for",
    "scheme_list_for",
]

SCHEME_EDIT_ROLES = APPROVE_ROLES
REPORT_ROLES = READ_ROLES
SELF_ROLES = frozenset({Role.AGENT, Role.TECHNICIAN})
# Who receives the monthly report when it is ready.
REPORT_RECIPIENT_ROLES = frozenset({Role.MANAGER, Role.QUALITY_MANAGER})

SCORECARD_SCOPE = Scope(everything=READ_ROLES)
PLAN_SCOPE = Scope(everything=PLAN_ROLES)
REPORT_SCOPE = Scope(everything=REPORT_ROLES)


def scheme_list_for(user) -> QuerySet[Scheme]:
    return SCORECARD_SCOPE.filter(user, Scheme.objects.all())


def run_list_for(user) -> QuerySet[Run]:
    return SCORECARD_SCOPE.filter(user, Run.objects.select_related("scheme", "approved_by"))


def plan_list_for(user) -> QuerySet[Plan]:
    return PLAN_SCOPE.filter(user, Plan.objects.select_related("owner", "complaint", "inspection"))


def report_list_for(user) -> QuerySet[Report]:
    return REPORT_SCOPE.filter(user, Report.objects.all())
