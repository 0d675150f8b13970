"""The shared vocabulary of permissions (R-ROLE-1).

Each app keeps its own rules in ``<app>/permissions.py``: its role sets (frozensets of
``Role``), its scoped querysets ``<entity>_list_for(user)`` and the yes/no checks derived
from them. This module holds what they share:

- ``user_has_role(user, roles)``: signed in and (a superuser or one of ``roles``);
- ``Scope``: an object rule written once, read as a queryset filter (``Scope.filter``) and as an
  in-memory yes/no (``Scope.allows``) that answer alike (tests prove it role by role);
- ``roles_required(roles)``: the one answer to a wrong role on a page, a fragment or an export:
  anonymous users go to the login page, signed-in users of another role get the styled 403 page;
- ``api_roles(roles)``: the same rule for an API operation (``auth=api_roles(ROLES)``), checked
  right after authentication and before the body is read: 401 anonymous, 403 ``{"code": "forbidden"}``.

The roles themselves belong to ``accounts`` (one layer up): ``accounts.permissions`` holds the
role sets every app shares (``ALL_ROLES``, ``STAFF_ROLES``, ``BACK_OFFICE_ROLES``) and the partner
helpers (``user_is_partner``, ``user_partner_org_id``).

Foreign objects are never a 403: a scoped selector does not find them, so they answer 404.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Q, QuerySet

__all__ = [
    "Scope",
    "api_roles",
    "roles_required",
    "user_has_role",
]

RoleSet = Iterable[str]


def user_has_role(user, roles: RoleSet) -> bool:
    """Signed in and a superuser or one of ``roles``."""
    return bool(user is not None and user.is_authenticated and (user.is_superuser or user.role in roles))


# --- object rules ------------------------------------------------------------------------------


def _attr_path(obj: Any, lookup: str) -> Any:
    """``customer__user_id`` → ``obj.customer.user_id`` (None as soon as a link is empty)."""
    for part in lookup.split("__"):
        if obj is None:
            return None
        obj = getattr(obj, part)
    return obj


@dataclass(frozen=True)
class Scope:
    """Which rows of one model a user sees, written once.

    ``everything``: roles that see every row (a superuser always does).
    ``own``: for a role, the ways a row can be his: ``(row lookup, user attribute)`` pairs; a row
    is his when one of them matches (``("assigned_technician_id", "pk")``: rows assigned to
    him). An empty user attribute (a partner without an organization) matches nothing.
    Any other role sees nothing.

    ``filter(user, qs)`` narrows a queryset; ``allows(user, obj)`` answers for one loaded
    object without a query (when the looked-up relations are loaded) and agrees with it.
    """

    everything: frozenset = frozenset()
    own: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    def _rules(self, user) -> tuple[tuple[str, Any], ...] | None:
        """None: every row; otherwise the (lookup, value) pairs that make a row his (maybe none)."""
        if not user.is_authenticated:
            return ()
        if user_has_role(user, self.everything):
            return None
        pairs = []
        for lookup, attr in self.own.get(user.role, ()):
            value = getattr(user, attr)
            if value is not None:
                pairs.append((lookup, value))
        return tuple(pairs)

    def q(self, user) -> Q | None:
        """The condition as a ``Q`` (None: no condition); ``Q(pk__in=[])`` when nothing is his."""
        rules = self._rules(user)
        if rules is None:
            return None
        if not rules:
            return Q(pk__in=[])
        cond = Q()
        for lookup, value in rules:
            cond |= Q(**{lookup: value})
        return cond

    def filter(self, user, qs: QuerySet) -> QuerySet:
        rules = self._rules(user)
        if rules is None:
            return qs
        if not rules:
            return qs.none()
        cond = Q()
        for lookup, value in rules:
            cond |= Q(**{lookup: value})
        return qs.filter(cond)

    def allows(self, user, obj) -> bool:
        rules = self._rules(user)
        if rules is None:
            return True
        return any(_attr_path(obj, lookup) == value for lookup, value in rules)

    def roles_with_rows(self) -> frozenset:
        """Roles that can see at least some rows."""
        return frozenset(self.everything) | frozenset(self.own)


# --- views and API operations --------------------------------------------------------------------


def roles_required(roles: RoleSet | Callable[[Any], bool]):
    """A view for ``roles`` only (a role set, or a predicate of the user): anonymous users are sent
    to log in, other roles get 403 (the styled, translated page) before anything else is read."""
    allowed = roles if callable(roles) else frozenset(roles)

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            ok = allowed(user) if callable(allowed) else user_has_role(user, allowed)
            if not ok:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = allowed
        return wrapper

    return decorator


class _RoleGate:
    """One of the API's authentication callbacks, then the role check. Raising PermissionDenied in
    an auth callback makes django-ninja answer through the API's 403 handler before the body is
    validated, so a wrong role never learns what a valid body looks like."""

    def __init__(self, inner, allowed):
        self.inner = inner
        self.allowed = allowed
        # The OpenAPI schema names security schemes after the callback's class and reads this attribute.
        if hasattr(inner, "openapi_security_schema"):
            self.openapi_security_schema = inner.openapi_security_schema

    def __call__(self, request):
        user = self.inner(request)
        if not user:
            return user
        ok = self.allowed(user) if callable(self.allowed) else user_has_role(user, self.allowed)
        if not ok:
            raise PermissionDenied
        return user


# The sign-in ways of the whole API, given by the composition root (``aftersales.api``) before it
# mounts the routers: core may not import it (the layers contract in pyproject.toml).
_API_AUTH: list = []


def api_auth_register(auth) -> None:
    """Called by ``aftersales.api`` with the API's ``auth`` before any router is imported."""
    _API_AUTH[:] = list(auth) if isinstance(auth, list | tuple) else [auth]


def api_roles(roles: RoleSet | Callable[[Any], bool]) -> list:
    """``auth=`` for an API operation open to ``roles`` only (same sign-in ways as the whole API)."""
    if not _API_AUTH:
        raise ImproperlyConfigured(
            "api_roles() needs the API's sign-in ways: import the routers through aftersales.api "
            "(it calls core.permissions.api_auth_register first)."
        )
    allowed = roles if callable(roles) else frozenset(roles)
    gates = []
    for inner in _API_AUTH:
        # Keep the scheme's name in the OpenAPI document: a subclass named like the wrapped class.
        gate_cls = type(type(inner).__name__, (_RoleGate,), {})
        gates.append(gate_cls(inner, allowed))
    return gates
