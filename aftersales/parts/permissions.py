"""Who may see and do what with spare parts (R-ROLE-1), in one place.

- the parts team (``STOCK_ROLES``: parts clerk, manager, admin) runs everything;
- the other back-office roles read;
- a technician: his own van, the moves on his jobs, his van issues, his jobs' parts;
- partner staff: the warehouses of their organization (outlet and their technicians' vans).

Every scoped queryset (``<entity>_list_for``) and every yes/no check (``warehouse_usable_by`` ...)
is read from the ``Scope`` rules below, so a list and a check cannot disagree.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from aftersales.accounts.choices import BACK_OFFICE_ROLES, Role
from aftersales.accounts.permissions import STAFF_ROLES
from aftersales.core.permissions import Scope, user_has_role

from .choices import STOCK_ROLES  # noqa: F401  (defined with the transfer transitions; read from here)
from .models import (
    Adjustment,
    DefectiveReturn,
    Part,
    Reservation,
    StockCount,
    StockMove,
    TransferOrder,
    VanIssue,
    Warehouse,
)

# Who reads the parts pages (overview, catalogue, warehouses, transfers, traceability ...).
READER_ROLES = BACK_OFFICE_ROLES
# Who books parts on a job (reserve, consume, return unused): the parts team and field staff.
JOB_ROLES = STOCK_ROLES | {Role.TECHNICIAN, Role.PARTNER}
# Who asks for a transfer and moves one along: the parts team, and partner staff for their own outlet.
TRANSFER_ROLES = STOCK_ROLES | {Role.PARTNER}
# Who asks for van stock and sees van issues.
VAN_ISSUE_ROLES = STOCK_ROLES | {Role.TECHNICIAN}
# Who follows defective (old) part returns.
DEFECTIVE_ROLES = BACK_OFFICE_ROLES | {Role.TECHNICIAN, Role.PARTNER}
# Who has a van.
VAN_ROLES = frozenset({Role.TECHNICIAN})

# A warehouse is one's own: a technician's van, a partner's organization's warehouses.
_OWN_WAREHOUSE = {
    Role.TECHNICIAN: (("technician_id", "pk"),),
    Role.PARTNER: (("organization_id", "organization_id"),),
}
# Seen: the back office sees every warehouse.
WAREHOUSE_SCOPE = Scope(everything=BACK_OFFICE_ROLES, own=_OWN_WAREHOUSE)
# Used (stock taken out / put in): the parts team any, field staff their own.
WAREHOUSE_USE_SCOPE = Scope(everything=STOCK_ROLES, own=_OWN_WAREHOUSE)
# Moves: a technician also sees the moves on his jobs.
MOVE_SCOPE = Scope(
    everything=BACK_OFFICE_ROLES,
    own={
        Role.TECHNICIAN: (("warehouse__technician_id", "pk"), ("request__assigned_technician_id", "pk")),
        Role.PARTNER: (("warehouse__organization_id", "organization_id"),),
    },
)
# The catalogue and the list of warehouses to ask stock from: every staff member (not customers).
STAFF_SCOPE = Scope(everything=STAFF_ROLES)
VAN_ISSUE_SCOPE = Scope(everything=STOCK_ROLES, own={Role.TECHNICIAN: (("van__technician_id", "pk"),)})
# Adjustments and stock counts are parts-team documents.
STOCK_TEAM_SCOPE = Scope(everything=STOCK_ROLES)


def is_stock_staff(user) -> bool:
    return user_has_role(user, STOCK_ROLES)


def part_list_for(user) -> QuerySet[Part]:
    """The catalogue is readable by every staff member (not customers)."""
    return STAFF_SCOPE.filter(user, Part.objects.all())


def warehouse_list_for(user) -> QuerySet[Warehouse]:
    return WAREHOUSE_SCOPE.filter(user, Warehouse.objects.all())


def warehouse_usable_list_for(user) -> QuerySet[Warehouse]:
    """Warehouses ``user`` may take stock out of / put stock into."""
    return WAREHOUSE_USE_SCOPE.filter(user, Warehouse.objects.all())


def warehouse_usable_by(user, warehouse: Warehouse) -> bool:
    """Is ``warehouse`` one of ``warehouse_usable_list_for(user)``? (in memory)"""
    return WAREHOUSE_USE_SCOPE.allows(user, warehouse)


def warehouse_source_list_for(user) -> QuerySet[Warehouse]:
    """Warehouses staff may ask stock from (a transfer to their outlet, a van issue): every active one,
    even those they cannot browse (the central warehouse)."""
    return STAFF_SCOPE.filter(user, Warehouse.objects.filter(is_active=True))


def move_list_for(user) -> QuerySet[StockMove]:
    return MOVE_SCOPE.filter(user, StockMove.objects.all())


def van_issue_list_for(user) -> QuerySet[VanIssue]:
    """Van issues: the parts team sees all, a technician those of his own van, nobody else any."""
    return VAN_ISSUE_SCOPE.filter(user, VanIssue.objects.select_related("source", "van", "created_by"))


def adjustment_list_for(user) -> QuerySet[Adjustment]:
    return STOCK_TEAM_SCOPE.filter(user, Adjustment.objects.select_related("warehouse", "part", "created_by"))


def count_list_for(user) -> QuerySet[StockCount]:
    return STOCK_TEAM_SCOPE.filter(user, StockCount.objects.select_related("warehouse"))


def transfer_list_for(user) -> QuerySet[TransferOrder]:
    """Transfers from or to a warehouse ``user`` sees."""
    qs = TransferOrder.objects.select_related("source", "destination")
    if WAREHOUSE_SCOPE.q(user) is None:
        return qs
    visible = warehouse_list_for(user)
    return qs.filter(Q(source__in=visible) | Q(destination__in=visible))


def reservation_list_for(user) -> QuerySet[Reservation]:
    """Reservations on the jobs ``user`` may see."""
    from aftersales.tickets.permissions import request_list_for

    return Reservation.objects.filter(request__in=request_list_for(user))


def defective_list_for(user) -> QuerySet[DefectiveReturn]:
    """Old parts to come back: the back office all, field staff those of the jobs they may see."""
    from aftersales.tickets.permissions import request_list_for

    qs = DefectiveReturn.objects.select_related("request", "part", "technician", "received_into")
    if user_has_role(user, BACK_OFFICE_ROLES):
        return qs
    return qs.filter(request__in=request_list_for(user))
