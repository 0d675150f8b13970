"""The route × role matrix: every URL pattern and every API operation, with the answer each role
gets on its own object and on a foreign one.

Declarations live with each app, in ``aftersales/<app>/tests/routes.py``::

    ROUTES = [
        Route("tickets:queue", roles=ALL_ROLES),
        Route("tickets:detail", obj="request", roles=ALL_ROLES),
        Route("tickets:note", "POST", obj="request", roles=ALL_ROLES, ok=302),
        Route("GET /api/requests/{request_id}", obj="request", roles=ALL_ROLES),
        Route("field:consent", obj="quote_token", public=True, kwargs=lambda o: {"token": o.token}),
    ]

A route is named like the resolver names it (``"namespace:name"``) or, for the API, like the
OpenAPI schema does (``"METHOD /api/path/{param}"``). The expected answer is derived from the
declaration, the same way for every route:

- anonymous: a page sends to the login page (302), the API answers 401 (``public`` routes: ``ok``);
- a role not in ``roles``: 403, before any object is looked up;
- a role in ``roles``, on its own object: ``ok`` (200 unless said otherwise; a set when several
  answers are right, ``ok_for`` per role);
- on a foreign object: the same as on its own for the roles that see every object of that kind
  (``FOREIGN_VISIBLE``, or ``foreign_ok``), 404 for everybody else — a foreign object never leaks.

Requests are sent without a body unless ``body`` says otherwise (``data`` for pages): a POST
that gets past the permission checks then fails validation (400/422) or redirects back with a
message (302), and never changes anything (each request runs in a rolled-back savepoint).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from aftersales.accounts.choices import BACK_OFFICE_ROLES, Role

from .world import ANONYMOUS, ROLES

MISSING_ID = 987654
# Who sees every object of a kind (everybody else sees only his own: foreign ones answer 404).
FOREIGN_VISIBLE: dict[str, frozenset] = {
    "request": BACK_OFFICE_ROLES,
    "visit": BACK_OFFICE_ROLES,
    "payment": BACK_OFFICE_ROLES,
    "appointment": BACK_OFFICE_ROLES,
    "attachment": BACK_OFFICE_ROLES,
    "reservation": BACK_OFFICE_ROLES,
    "defective": BACK_OFFICE_ROLES,
    "customer": BACK_OFFICE_ROLES,
    "unit": BACK_OFFICE_ROLES,
    "technician": BACK_OFFICE_ROLES,
    "warehouse": BACK_OFFICE_ROLES,
    "transfer": BACK_OFFICE_ROLES,
    "van_issue": frozenset({Role.PARTS_CLERK, Role.MANAGER, Role.ADMIN}),
}
# Administrators are superusers (``accounts.services.user_create``): every role gate lets them through,
# and the services then decide (``ok_for={Role.ADMIN: ...}`` where their answer differs).
SUPERUSER_ROLES = frozenset({Role.ADMIN})
# The API's own pages (not operations of its schema).
API_PAGES = {"api:openapi-json", "api:openapi-view", "api:api-root"}
# Patterns outside the matrix, each with its reason.
SKIPPED = {
    "admin": "Django's admin site: staff only, its own permission system",
    "set_language": "the language switch: a public POST that only sets a cookie",
}


@dataclass(frozen=True)
class Route:
    name: str
    method: str = "GET"
    roles: frozenset = frozenset()
    obj: str = ""
    ok: int | Iterable[int] = 200
    ok_for: dict = field(default_factory=dict)
    foreign_ok: frozenset | None = None
    public: bool = False
    kwargs: Callable[[Any], dict] | None = None
    params: dict = field(default_factory=dict)
    body: Any = None  # API: a dict (JSON) or a callable(world, role, side) -> dict
    data: Any = None  # form data (pages; multipart for the API): a dict or a callable() -> dict
    query: str = ""

    @property
    def is_api(self) -> bool:
        return bool(re.match(r"^[A-Z]+ /", self.name))

    @property
    def http_method(self) -> str:
        return self.name.split(" ", 1)[0] if self.is_api else self.method

    def expected(self, role, side: str) -> frozenset:
        def as_set(value):
            return frozenset([value]) if isinstance(value, int) else frozenset(value)

        if role == ANONYMOUS and not self.public:
            return frozenset({401} if self.is_api else {302})
        if not self.public and role not in self.roles and role not in SUPERUSER_ROLES:
            return frozenset({403})
        if side == "missing":  # nothing of his own of this kind in the world: an id that does not exist
            return frozenset({404})
        if side == "foreign":
            visible = self.foreign_ok if self.foreign_ok is not None else FOREIGN_VISIBLE.get(self.obj, frozenset())
            if role not in visible:
                return frozenset({404})
        return as_set(self.ok_for.get(role, self.ok))

    def url(self, obj) -> str:
        if self.is_api:
            path = self.name.split(" ", 1)[1]
            values = dict(self.params)
            if self.kwargs is not None:
                values.update(self.kwargs(obj) if obj is not None else {})
            for name in re.findall(r"{(\w+)}", path):
                if name not in values:
                    values[name] = obj.pk if obj is not None else MISSING_ID
            url = path.format(**values)
        else:
            values = dict(self.params)
            if self.kwargs is not None and obj is not None:
                values.update(self.kwargs(obj))
            elif self.obj:
                key = _single_param(self.name, exclude=set(values))
                values[key] = obj.pk if obj is not None else MISSING_ID
            url = reverse(self.name, kwargs=values or None)
        return f"{url}?{self.query}" if self.query else url


def _single_param(name: str, *, exclude=()) -> str:
    for pattern_name, route in ui_patterns().items():
        if pattern_name == name:
            params = [p for p in re.findall(r"<(?:\w+:)?(\w+)>", route) if p not in exclude]
            if len(params) != 1:
                raise ValueError(f"{name}: say which URL parameter names the object ({params})")
            return params[0]
    raise KeyError(name)


# --- what exists ---------------------------------------------------------------------------


def ui_patterns(urlconf=None) -> dict[str, str]:
    """``"namespace:name"`` → route for every named page pattern (the API's come from its schema)."""
    out: dict[str, str] = {}

    def walk(patterns, prefix: str, namespace: str | None):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace or namespace
                if ns == "admin":
                    continue
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or str(p.pattern))
                if name in SKIPPED or (namespace == "api" and name not in API_PAGES):
                    continue  # the API's operations come from its schema
                out[name] = prefix + str(p.pattern)

    walk(get_resolver(urlconf).url_patterns, "", None)
    return out


def api_operations(schema: dict | None = None) -> set[str]:
    """``"METHOD /api/path"`` for every operation in the OpenAPI schema."""
    if schema is None:
        from aftersales.api import api

        schema = api.get_openapi_schema()
    return {f"{method.upper()} {path}" for path, ops in schema["paths"].items() for method in ops}


def declared_routes() -> list[Route]:
    """Every app's ``tests/routes.py`` ``ROUTES``."""
    routes: list[Route] = []
    for app in settings.INSTALLED_APPS:
        if not app.startswith("aftersales."):
            continue
        try:
            module = importlib.import_module(f"{app}.tests.routes")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.tests.routes":
                raise
            continue
        routes.extend(module.ROUTES)
    return routes


def undeclared(*, urlconf=None, schema=None, routes: list[Route] | None = None) -> list[str]:
    """Routes that exist but have no declaration (the matrix must know every one)."""
    declared = {r.name for r in (routes if routes is not None else declared_routes())}
    existing = set(ui_patterns(urlconf)) | api_operations(schema)
    return sorted(existing - declared)


def stale(*, urlconf=None, schema=None, routes: list[Route] | None = None) -> list[str]:
    """Declarations of routes that no longer exist."""
    declared = {r.name for r in (routes if routes is not None else declared_routes())}
    existing = set(ui_patterns(urlconf)) | api_operations(schema)
    return sorted(declared - existing)


SIDES = ("own", "foreign")


def cases(routes: list[Route], role) -> list[tuple[Route, str]]:
    """(route, side) pairs to send for ``role``: the own object, and a foreign one where the route names one."""
    out = []
    for route in routes:
        out.append((route, "own"))
        if route.obj and role != ANONYMOUS:
            out.append((route, "foreign"))
    return out


__all__ = ["ANONYMOUS", "FOREIGN_VISIBLE", "MISSING_ID", "ROLES", "Route", "cases", "declared_routes", "undeclared"]
