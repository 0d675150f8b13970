"""Who may see and change customer records (R-ROLE-1), in one place.

The back office sees every customer; a technician or partner the customers of the requests
they hold; a customer himself. Intake staff write customer records; managers and
administrators the service regions.
"""

from __future__ import annotations

from django.db.models import QuerySet

from aftersales.accounts.choices import BACK_OFFICE_ROLES, Role
from aftersales.core.permissions import user_has_role
from aftersales.core.slots import pk_in_any

from .models import Customer
from .slots import CUSTOMER_SCOPE

# Who files and edits customer records (intake).
WRITE_ROLES = frozenset({Role.AGENT, Role.DISPATCHER, Role.QUALITY, Role.MANAGER, Role.ADMIN})
# Who draws the service regions.
REGION_WRITE_ROLES = frozenset({Role.MANAGER, Role.ADMIN})


def customer_list_for(user) -> QuerySet[Customer]:
    qs = Customer.objects.all()
    if not user.is_authenticated:
        return qs.none()
    if user_has_role(user, BACK_OFFICE_ROLES):
        return qs
    if user.role == Role.CUSTOMER:
        return qs.filter(user=user)
    # The apps above (tickets: the requests he holds) say which customers a technician or partner sees.
    return qs.filter(pk_in_any(CUSTOMER_SCOPE.call(user)))


def customer_can_write(user) -> bool:
    return user_has_role(user, WRITE_ROLES)


def customer_can_see(user, customer: Customer) -> bool:
    """Whether ``customer`` is in ``customer_list_for(user)``: in memory where the role
    decides (the back office sees every customer, a customer himself), else one query."""
    if not user.is_authenticated:
        return False
    if user_has_role(user, BACK_OFFICE_ROLES):
        return True
    if user.role == Role.CUSTOMER:
        return customer.user_id == user.pk
    return customer_list_for(user).filter(pk=customer.pk).exists()
