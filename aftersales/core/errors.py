"""One family of domain errors.

Services raise these; the API turns them into ``{"code", "message", "fields"}`` with a
4xx status and forms show the same message. ``message`` is translated lazily so the
caller's active language is used.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A request that breaks a business rule. Nothing has been written."""

    code = "invalid"
    status = 400
    default_message = _("The request is not valid.")

    def __init__(
        self,
        message: Any = None,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
        status: int | None = None,
        extra: dict[str, Any] | None = None,
    ):
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        if status:
            self.status = status
        self.fields = fields or {}
        self.extra = extra or {}
        super().__init__(str(self.message))

    def as_dict(self) -> dict[str, Any]:
        data = {
            "code": self.code,
            "message": str(self.message),
            "fields": {k: [str(m) for m in v] for k, v in self.fields.items()},
        }
        data.update(self.extra)
        return data


class ValidationFailed(DomainError):
    code = "invalid"
    status = 400
    default_message = _("Some fields are not valid.")


class PermissionDeniedError(DomainError):
    code = "forbidden"
    status = 403
    default_message = _("You are not allowed to do this.")


class NotFoundError(DomainError):
    code = "not_found"
    status = 404
    default_message = _("Not found.")


class ConflictError(DomainError):
    code = "conflict"
    status = 409
    default_message = _("The request conflicts with the current state.")
