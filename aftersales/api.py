"""The REST API root: /api/ (OpenAPI at /api/docs, schema at /api/openapi.json).

Auth: ``Authorization: Bearer <token>`` for integrations, or the browser session
(with CSRF) for the web UI. Every error is ``{"code", "message", "fields"}``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, django_auth

from aftersales.accounts.selectors import api_token_authenticate
from aftersales.core.errors import DomainError
from aftersales.core.middleware import error_for_status
from aftersales.core.permissions import api_auth_register


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Aftersales API",
    version="1",
    description="Service requests, customers, products and units. Errors: {code, message, fields}.",
    auth=[BearerToken(), django_auth],
    urls_namespace="api",
)
# Before any router is imported: ``core.permissions.api_roles`` wraps these sign-in ways.
api_auth_register(api.auth)


def _error(request, status: int, code: str, message: str, fields=None):
    return api.create_response(request, {"code": code, "message": message, "fields": fields or {}}, status=status)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


_OUT_OF_RANGE = ("greater_than", "greater_than_equal", "less_than", "less_than_equal")
_SOURCES = ("body", "query", "path", "payload", "header", "form", "file", "cookie")


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    """422 ``invalid`` with messages per field. A path value out of range (an id beyond 64 bits, a
    day in year 9999) names nothing: 404, as for any unknown object. A body that is not a JSON
    object is one message for the whole body."""
    if exc.errors and all(
        tuple(err.get("loc", ()))[:1] == ("path",) and err.get("type") in _OUT_OF_RANGE for err in exc.errors
    ):
        return _error(request, 404, "not_found", _("Not found."))
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in _SOURCES]
        if not loc and err.get("type") in ("model_attributes_type", "model_type", "dict_type"):
            fields.setdefault("__all__", []).append(_("Send a JSON object."))
            continue
        fields.setdefault(".".join(loc) or "__all__", []).append(err.get("msg", ""))
    return _error(request, 422, "invalid", _("Some fields are not valid."), fields)


@api.exception_handler(AuthenticationError)
def authentication_error(request, exc):
    return _error(request, 401, "unauthorized", _("Log in or send a valid API token."))


@api.exception_handler(Http404)
def not_found(request, exc):
    return _error(request, 404, "not_found", _("Not found."))


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return _error(request, 403, "forbidden", _("You are not allowed to do this."))


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    """Errors ninja raises itself: an unreadable body (400), throttling (429) ..."""
    code, message = error_for_status(exc.status_code)
    if exc.status_code == 400:
        code, message = "bad_request", _("The request body is not valid JSON.")
    return _error(request, exc.status_code, code, message)


def _mount():
    from aftersales.catalog.api import router as catalog_router
    from aftersales.customers.api import router as customers_router
    from aftersales.dispatch.api import router as dispatch_router
    from aftersales.sla.api import router as sla_router
    from aftersales.tickets.api import router as tickets_router

    api.add_router("/customers", customers_router)
    api.add_router("/catalog", catalog_router)
    api.add_router("/requests", tickets_router)
    api.add_router("/dispatch", dispatch_router)
    from aftersales.parts.api import router as parts_router

    api.add_router("/parts", parts_router)
    api.add_router("/sla", sla_router)
    from aftersales.field.api import router as field_router

    api.add_router("/field", field_router)
    from aftersales.complaints.api import router as complaints_router

    api.add_router("/complaints", complaints_router)
    from aftersales.returns.api import router as returns_router

    api.add_router("/returns", returns_router)
    from aftersales.quality.api import router as quality_router

    api.add_router("/quality", quality_router)
    from aftersales.feedback.api import router as feedback_router

    api.add_router("/feedback", feedback_router)
    from aftersales.training.api import router as training_router

    api.add_router("/training", training_router)
    from aftersales.kpis.api import router as kpis_router

    api.add_router("/kpis", kpis_router)
    from aftersales.management.api import router as management_router

    api.add_router("/management", management_router)


_mount()
