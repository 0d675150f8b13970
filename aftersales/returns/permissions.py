"""Who may see and do what with returns and exchanges (R-ROLE-1), in one place.

The object rule is ``RMA_SCOPE``: the back office sees every RMA; partner staff the RMAs their
organization handles (they receive and inspect the unit). Technicians and customers have no
pages here: the customer follows his RMA through its unguessable link.
"""

from __future__ import annotations

from django.db.models import QuerySet

from aftersales.accounts.choices import BACK_OFFICE_ROLES, Role
from aftersales.core.permissions import Scope, user_has_role

from .choices import INSPECTORS, OFFICE
from .models import Rma

# Who opens the worklist and an RMA's page.
VIEW_ROLES = BACK_OFFICE_ROLES | {Role.PARTNER}
# Who files an RMA, checks eligibility, decides, records refunds and cancels (office staff).
OFFICE_ROLES = OFFICE
# Who books the returned unit in and records the inspection.
INSPECT_ROLES = INSPECTORS
# Who hands over the new unit of an exchange.
EXCHANGE_ROLES = OFFICE | {Role.PARTS_CLERK}
# Who reads the return policies, and who changes them.
POLICY_VIEW_ROLES = BACK_OFFICE_ROLES
POLICY_EDIT_ROLES = frozenset({Role.MANAGER, Role.ADMIN})

RMA_SCOPE = Scope(
    everything=BACK_OFFICE_ROLES,
    own={Role.PARTNER: (("organization_id", "organization_id"),)},
)


def rma_list_for(user) -> QuerySet[Rma]:
    """The RMAs ``user`` may see (and act on, as far as his role's steps allow)."""
    return RMA_SCOPE.filter(user, Rma.objects.all())


def rma_can_act(user, rma: Rma) -> bool:
    """Is ``rma`` one of ``rma_list_for(user)``? Answered in memory from the same rule."""
    return RMA_SCOPE.allows(user, rma)


def user_is_office(user) -> bool:
    return user_has_role(user, OFFICE_ROLES)
