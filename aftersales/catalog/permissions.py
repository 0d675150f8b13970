"""Who may see and change products and units (R-ROLE-1), in one place.

Products, categories and manuals are master data every signed-in user reads; managers and
administrators edit them. A unit is seen by the back office, by its owner, and by field
staff through the requests they hold; intake staff register and edit units.
"""

from __future__ import annotations

from django.db.models import QuerySet

from aftersales.accounts.choices import BACK_OFFICE_ROLES, Role
from aftersales.core.permissions import user_has_role
from aftersales.core.slots import pk_in_any

from .models import ProductUnit
from .slots import UNIT_SCOPE

# Who edits products, categories and manuals.
MASTER_DATA_ROLES = frozenset({Role.MANAGER, Role.ADMIN})
# Who registers and edits product units (intake).
UNIT_WRITE_ROLES = frozenset({Role.AGENT, Role.DISPATCHER, Role.QUALITY, Role.MANAGER, Role.ADMIN})


def can_edit_master_data(user) -> bool:
    return user_has_role(user, MASTER_DATA_ROLES)


def unit_list_for(user) -> QuerySet[ProductUnit]:
    qs = ProductUnit.objects.select_related("product", "product__category", "owner")
    if not user.is_authenticated:
        return qs.none()
    if user_has_role(user, BACK_OFFICE_ROLES):
        return qs
    if user.role == Role.CUSTOMER:
        return qs.filter(owner__user=user)
    # The apps above (tickets: the requests he holds) say which units a technician or partner sees.
    return qs.filter(pk_in_any(UNIT_SCOPE.call(user)))


def unit_can_see(user, unit: ProductUnit) -> bool:
    """Whether ``unit`` is in ``unit_list_for(user)``: in memory where the role decides (the
    back office sees every unit, a customer his own: ``unit.owner`` loaded), else one query."""
    if not user.is_authenticated:
        return False
    if user_has_role(user, BACK_OFFICE_ROLES):
        return True
    if user.role == Role.CUSTOMER:
        return unit.owner.user_id == user.pk
    return unit_list_for(user).filter(pk=unit.pk).exists()
