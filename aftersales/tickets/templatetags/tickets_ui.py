"""Badges, stars and phone display shared by the service-request pages.

Every tag builds its HTML with ``format_html`` so user data is always escaped.
"""

from __future__ import annotations

import functools

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from aftersales.catalog.choices import WarrantyStatus
from aftersales.core.badges import choice_badge
from aftersales.core.phones import phone_display
from aftersales.core.uploads import RASTER_INLINE_TYPES

from ..choices import Priority, Status

register = template.Library()

STATUS_COLORS = {
    Status.NEW: "secondary",
    Status.ACKNOWLEDGED: "info",
    Status.ASSIGNED: "primary",
    Status.ACCEPTED: "primary",
    Status.SCHEDULED: "primary",
    Status.IN_PROGRESS: "warning",
    Status.COMPLETED: "success",
    Status.FOLLOWED_UP: "success",
    Status.CLOSED: "dark",
    Status.WAITING_PARTS: "warning",
    Status.WAITING_CUSTOMER: "warning",
    Status.WAITING_QUOTE: "warning",
    Status.CANCELLED: "light",
    Status.REOPENED: "danger",
}
PRIORITY_COLORS = {
    Priority.URGENT: "danger",
    Priority.HIGH: "warning",
    Priority.NORMAL: "secondary",
    Priority.LOW: "light",
}


# Badges depend on the value and the language only: built once per process (the queue
# shows dozens on every page, twice each).


@register.simple_tag
def status_badge(status: str):
    return _status_badge(status, get_language())


@functools.lru_cache(maxsize=512)
def _status_badge(status: str, language: str):
    return choice_badge(status, Status, STATUS_COLORS, css=f"status-{status}")


@register.simple_tag
def priority_badge(priority: str):
    return _priority_badge(priority, get_language())


@functools.lru_cache(maxsize=512)
def _priority_badge(priority: str, language: str):
    icon = "exclamation-triangle-fill" if priority == Priority.URGENT else ""
    return choice_badge(priority, Priority, PRIORITY_COLORS, data="priority", icon=icon)


@register.simple_tag
def stars(tier):
    """★ / ★★ / ★★★ for a customer tier, with a readable title."""
    try:
        n = max(0, min(3, int(tier)))
    except (TypeError, ValueError):
        return ""
    return _stars(n, get_language())


@functools.lru_cache(maxsize=64)
def _stars(n: int, language: str):
    titles = {1: _("New customer"), 2: _("Returning customer"), 3: _("VIP")}
    return format_html(
        '<span class="stars" title="{}" aria-label="{}">{}</span>', titles.get(n, ""), titles.get(n, ""), "★" * n
    )


@register.filter
def phone(value: str) -> str:
    return phone_display(value or "")


@register.filter
def is_inline_image(content_type: str) -> bool:
    return content_type in RASTER_INLINE_TYPES


def _warranty_html(status: str, end) -> str:
    if status == WarrantyStatus.IN_WARRANTY:
        return format_html(
            '<span class="badge text-bg-success warranty-badge" data-warranty="in"><i class="bi bi-shield-check"></i> {}</span>',
            _("In warranty until %(date)s") % {"date": date_format(end, "Y-m-d")},
        )
    if status == WarrantyStatus.EXPIRED:
        return format_html(
            '<span class="badge text-bg-danger warranty-badge" data-warranty="out" title="{}"><i class="bi bi-shield-x"></i> {}</span>',
            _("Ended %(date)s") % {"date": date_format(end, "Y-m-d")},
            _("Out of warranty"),
        )
    return format_html(
        '<span class="badge text-bg-secondary warranty-badge" data-warranty="unknown"><i class="bi bi-shield"></i> {}</span>',
        _("Warranty unknown"),
    )


@register.simple_tag
def warranty_badge(warranty: dict | None):
    """Badge for ``catalog.selectors.unit_warranty(unit)``."""
    if not warranty:
        return _warranty_html(WarrantyStatus.UNKNOWN, None)
    return _warranty_html(warranty["status"], warranty["end"])


@register.simple_tag
def request_warranty_badge(service_request):
    """Badge for the warranty as known when the request was filed."""
    if service_request.in_warranty is None or service_request.warranty_end is None:
        return _warranty_html(WarrantyStatus.UNKNOWN, None)
    status = WarrantyStatus.IN_WARRANTY if service_request.in_warranty else WarrantyStatus.EXPIRED
    return _warranty_html(status, service_request.warranty_end)


@register.simple_tag
def timeline_items(events):
    """The request page's timeline entries (``<li>``), built once in Python: a template loop read
    some forty values per entry (a tenth of the page's CPU). Every value is escaped."""
    return format_html_join("\n", "{}", ((_timeline_item(event),) for event in events))


def _timeline_item(e):
    head = format_html(
        '<span class="fw-semibold">{}</span>',
        e.get_action_display() if e.kind == "transition" else e.get_kind_display(),
    )
    if e.kind == "transition" and e.from_status:
        head = format_html(
            '{} {} <i class="bi bi-arrow-right"></i> {}', head, status_badge(e.from_status), status_badge(e.to_status)
        )
    elif e.kind in ("transition", "created"):
        head = format_html("{} {}", head, status_badge(e.to_status))
    parts = [
        format_html(
            '<li class="timeline-{}"><div class="small text-muted">{} · {}</div><div>{}</div>',
            e.kind,
            date_format(timezone.localtime(e.at), "Y-m-d H:i"),
            e.actor.display_name if e.actor else _("System"),
            head,
        )
    ]
    data = e.data or {}
    if data.get("technician_name"):
        parts.append(
            format_html(
                '<div class="small"><i class="bi bi-person-gear"></i> {}: {}</div>',
                _("Technician"),
                data["technician_name"],
            )
        )
    if e.kind == "attachment" and data.get("name"):
        parts.append(format_html('<div class="small"><i class="bi bi-paperclip"></i> {}</div>', data["name"]))
    if e.kind == "update":
        for field, before, after in e.changes_shown():
            values = {"field": capfirst(field), "before": before or "—", "after": after or "—"}
            # The catalog's sentence with the values escaped (as {% blocktranslate %} does).
            line = _("%(field)s: %(before)s → %(after)s") % {k: conditional_escape(v) for k, v in values.items()}
            parts.append(format_html('<div class="small">{}</div>', mark_safe(line)))  # noqa: S308 - values escaped
    text = e.text
    if text:
        parts.append(
            format_html(
                '<div class="small border-start ps-2 mt-1 text-break" style="white-space: pre-line">{}</div>', text
            )
        )
    parts.append(mark_safe("</li>"))  # noqa: S308 - a constant
    return format_html_join("", "{}", ((part,) for part in parts))


@register.simple_tag
def options(choices, selected=()):
    """The ``<option>`` elements of ``(value, label)`` pairs, those whose value is in ``selected``
    (a string or strings) marked selected: a filter's list drawn in one call, not a template
    loop (a third of the cost, on every queue page)."""
    chosen = {selected} if isinstance(selected, str) else {str(value) for value in selected}
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, " selected" if str(value) in chosen else "", label) for value, label in choices),
    )


@register.filter
def bs(bound_field, extra: str = ""):
    """Render a form field's widget with Bootstrap classes (and is-invalid on errors)."""
    widget = bound_field.field.widget
    input_type = getattr(widget, "input_type", "")
    if input_type in ("checkbox", "radio"):
        css = "form-check-input"
    elif input_type == "select" or widget.__class__.__name__.endswith("Select"):
        css = "form-select"
    else:
        css = "form-control"
    if bound_field.errors:
        css += " is-invalid"
    if extra:
        css += f" {extra}"
    attrs = {"class": css}
    if bound_field.errors:
        attrs["aria-describedby"] = f"{bound_field.auto_id}_errors"
    return bound_field.as_widget(attrs=attrs)


@register.filter
def has_intake_role(user) -> bool:
    """May this user take requests on the intake page?"""
    from ..permissions import user_can_take_intake

    return user_can_take_intake(user)
