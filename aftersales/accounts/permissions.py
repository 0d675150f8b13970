"""The role sets every app shares and the partner helpers (R-ROLE-1); the role-agnostic tools
(``Scope``, ``roles_required``, ``api_roles``, ``user_has_role``) are in ``core.permissions``."""

from __future__ import annotations

from .choices import BACK_OFFICE_ROLES, Role

__all__ = ["ALL_ROLES", "BACK_OFFICE_ROLES", "STAFF_ROLES", "user_is_partner", "user_partner_org_id"]

ALL_ROLES = frozenset(Role)
# Everybody who works for the company or a partner: every role but the customer.
STAFF_ROLES = ALL_ROLES - {Role.CUSTOMER}


def user_is_partner(user) -> bool:
    """Staff of an authorized service partner (a superuser never counts as one)."""
    return bool(user is not None and user.is_authenticated and user.role == Role.PARTNER and not user.is_superuser)


def user_partner_org_id(user) -> int | None:
    """The organization a partner user acts for; None for everybody else (and for a partner without one)."""
    return user.organization_id if user_is_partner(user) else None
