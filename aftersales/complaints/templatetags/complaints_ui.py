"""Badges of the complaint pages (escaped with ``format_html``)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from ..choices import Severity, Status
from ..defaults import level_name

register = template.Library()

STATUS_COLORS = {
    Status.OPEN: "secondary",
    Status.INVESTIGATING: "primary",
    Status.PROPOSED: "info",
    Status.ACCEPTED: "success",
    Status.FOLLOWED_UP: "success",
    Status.CLOSED: "dark",
}
SEVERITY_COLORS = {Severity.NORMAL: "light border", Severity.MAJOR: "warning", Severity.URGENT: "danger"}


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


@register.simple_tag
def complaint_status(status: str):
    return format_html(
        '<span class="badge text-bg-{}" data-status="{}">{}</span>',
        STATUS_COLORS.get(status, "secondary"),
        status,
        _label(Status, status),
    )


@register.simple_tag
def complaint_severity(severity: str):
    icon = '<i class="bi bi-exclamation-triangle-fill"></i> ' if severity == Severity.URGENT else ""
    return format_html(
        '<span class="badge text-bg-{}" data-severity="{}">{}{}</span>',
        SEVERITY_COLORS.get(severity, "secondary"),
        severity,
        format_html(icon) if icon else "",
        _label(Severity, severity),
    )


@register.simple_tag
def deadline_badge(state, due_at=None):
    return format_html('<span class="badge {}" data-deadline="{}">{}</span>', state.css, state.key, state.label)


@register.simple_tag
def escalation_badge(level: int):
    if not level:
        return ""
    return format_html(
        '<span class="badge text-bg-danger" data-level="{}"><i class="bi bi-arrow-up-circle"></i> L{}</span>',
        level,
        level,
    )


@register.filter
def chain_name(name: str) -> str:
    return level_name(name)
