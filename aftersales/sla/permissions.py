"""Who may see what of the service levels (R-ROLE-1), in one place.

Service levels are internal: staff read the clocks of the requests they may see; the
escalation log is for managers and the supervisors and quality staff it names; the
deadline preview is for the back office; the standards themselves (rules, calendars,
the escalation matrix) are changed by managers and administrators.
"""

from __future__ import annotations

from django.db.models import QuerySet

from aftersales.accounts.choices import BACK_OFFICE_ROLES, Role
from aftersales.accounts.permissions import STAFF_ROLES
from aftersales.core.permissions import Scope, user_has_role

from .models import SlaClock, SlaEscalation

# Who reads the at-risk and breached lists (the clocks of the requests they may see).
CLOCK_ROLES = STAFF_ROLES
# Who reads the escalation log.
ESCALATION_ROLES = frozenset({Role.MANAGER, Role.ADMIN, Role.QUALITY, Role.QUALITY_MANAGER, Role.DISPATCHER})
# Who tries the rules on a request that does not exist.
PREVIEW_ROLES = BACK_OFFICE_ROLES
# Who reads and changes the rules, calendars and escalation matrix in the app's pages.
SETTINGS_ROLES = frozenset({Role.MANAGER, Role.ADMIN})

ESCALATION_SCOPE = Scope(everything=ESCALATION_ROLES)


def clock_list_for(user) -> QuerySet[SlaClock]:
    """The clocks of the requests ``user`` may see (none for a customer)."""
    from aftersales.tickets.permissions import request_list_for

    if not user_has_role(user, CLOCK_ROLES):
        return SlaClock.objects.none()
    return SlaClock.objects.filter(request__in=request_list_for(user))


def escalation_list_for(user) -> QuerySet[SlaEscalation]:
    return ESCALATION_SCOPE.filter(user, SlaEscalation.objects.all())


def can_read_escalations(user) -> bool:
    return user_has_role(user, ESCALATION_ROLES)


def can_preview(user) -> bool:
    return user_has_role(user, PREVIEW_ROLES)


def can_edit_settings(user) -> bool:
    return user_has_role(user, SETTINGS_ROLES)
