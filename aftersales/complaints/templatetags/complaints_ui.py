"""Badges of the complaint pages (escaped with ``format_html``)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from aftersales.core.badges import choice_badge

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


@register.simple_tag
def complaint_status(status: str):
    return choice_badge(status, Status, STATUS_COLORS)


@register.simple_tag
def complaint_severity(severity: str):
    icon = "exclamation-triangle-fill" if severity == Severity.URGENT else ""
    return choice_badge(severity, Severity, SEVERITY_COLORS, data="severity", icon=icon)


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
