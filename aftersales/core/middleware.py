"""Response headers and error shapes that every page and API call gets, whatever view made it.

- ``SecurityHeadersMiddleware``: ``Cache-Control: private, no-store`` on every dynamic response
  (pages show customers' names, phones and addresses; a shared proxy or the browser's disk cache
  must not keep them) and a ``Content-Security-Policy`` on HTML. ``X-Content-Type-Options``,
  ``Referrer-Policy`` and ``X-Frame-Options`` come from Django's own middleware (settings).
- ``UrlIdRangeMiddleware``: an id in the URL beyond 64 bits names nothing: 404 (the database's
  integer would overflow: a 500).
- ``NullCharacterMiddleware``: a NUL character in the path, the query string or a form is a 400
  (PostgreSQL can neither store nor compare text holding one: a search would be a 500).
- ``ApiErrorMiddleware``: under ``/api/`` every error is ``{"code", "message", "fields"}``, also the
  ones no API view made (an unknown path, a wrong method, a CSRF refusal, a crash).
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _

from .ranges import MAX_ID


def _tile_source(template: str) -> str:
    """The CSP source for a Leaflet tile URL template: ``https://{s}.tile.example.org/{z}/{x}/{y}.png``
    gives ``https://*.tile.example.org``; a host with other placeholders gives its scheme only."""
    parts = urlsplit(template)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    host = parts.netloc.replace("{s}", "*")
    if "{" in host or "}" in host or "*" in host[1:]:
        return f"{parts.scheme}:"
    return f"{parts.scheme}://{host}"


def content_security_policy() -> str:
    """The policy for HTML pages (``settings.CONTENT_SECURITY_POLICY`` replaces it when set).

    Everything comes from this site (assets are served locally, never from a CDN); the dispatch
    board's map tiles come from ``DISPATCH_MAP_TILES`` when it is set. Scripts and styles still
    allow 'unsafe-inline' because a few pages have inline scripts, ``onchange=""`` handlers and
    ``style=""`` attributes; no 'unsafe-eval', no plugins, no framing, forms post here only.
    """
    configured = getattr(settings, "CONTENT_SECURITY_POLICY", "")
    if configured:
        return configured
    images = ["'self'", "data:", "blob:"]
    tiles = _tile_source(getattr(settings, "DISPATCH_MAP_TILES", ""))
    if tiles:
        images.append(tiles)
    directives = [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src " + " ".join(images),
        "media-src 'self' blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    return "; ".join(directives)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.static_prefix = settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/" + settings.STATIC_URL

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(self.static_prefix):
            return response
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "private, no-store"
        if response.get("Content-Type", "").startswith("text/html") and not response.has_header(
            "Content-Security-Policy"
        ):
            response["Content-Security-Policy"] = content_security_policy()  # settings may change in tests
        return response


class UrlIdRangeMiddleware:
    """Django's ``<int:…>`` converter takes any number of digits; a lookup by a foreign key with
    such a value overflows SQLite's and PostgreSQL's bigint. Every view, page or API, is spared."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        for value in (*view_args, *view_kwargs.values()):
            if isinstance(value, int) and not isinstance(value, bool) and not -MAX_ID <= value <= MAX_ID:
                raise Http404
        return None


def _has_nul(data) -> bool:
    return any("\x00" in key or any("\x00" in v for v in data.getlist(key)) for key in data)


class NullCharacterMiddleware:
    """The POSTed form is read here as the CSRF check reads it anyway (no view changes upload
    handlers). JSON bodies are checked by the API's schemas (``core.schemas.text``); uploaded
    files are not text."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or _has_nul(request.GET) or (request.method == "POST" and _has_nul(request.POST)):
            return HttpResponseBadRequest(_("Null characters are not allowed."), content_type="text/plain")
        return self.get_response(request)


def error_for_status(status: int) -> tuple[str, str]:
    """The code and translated message of an error that only has an HTTP status."""
    known = {
        400: ("bad_request", _("The request is not valid.")),
        401: ("unauthorized", _("Log in or send a valid API token.")),
        403: ("forbidden", _("You are not allowed to do this.")),
        404: ("not_found", _("Not found.")),
        405: ("method_not_allowed", _("This method is not allowed here.")),
        413: ("too_large", _("The request is too large.")),
        429: ("too_many_requests", _("Too many requests; try again later.")),
    }
    if status in known:
        return known[status]
    if status >= 500:
        return "server_error", _("Something went wrong on the server; it has been logged.")
    return "error", _("The request is not valid.")


def api_error_body(status: int, message: str | None = None) -> dict:
    code, default = error_for_status(status)
    return {"code": code, "message": message or default, "fields": {}}


class ApiErrorMiddleware:
    """Rewrites an error under ``/api/`` that is not JSON (Django's HTML 404, 405, 403 or 500 page)
    into the API's error shape, keeping its status and headers such as ``Allow``."""

    prefix = "/api/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith(self.prefix)
            and response.status_code >= 400
            and not (settings.DEBUG and response.status_code >= 500)  # keep the debug page's traceback
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            replacement = HttpResponse(
                json.dumps(api_error_body(response.status_code)),
                status=response.status_code,
                content_type="application/json",
            )
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if response.has_header(header):
                    replacement[header] = response[header]
            return replacement
        return response
