"""One way to draw a choice as a Bootstrap badge (statuses, severities, priorities …)."""

from __future__ import annotations

from django.utils.html import format_html


def choice_label(choices, value) -> str:
    """The translated label of ``value`` in ``choices``, or the value itself when unknown."""
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def choice_badge(value: str, choices, colors: dict, *, data: str = "status", css: str = "", icon: str = ""):
    """``<span class="badge text-bg-{colour} {css}" data-{data}="{value}">{icon} {label}</span>``."""
    return format_html(
        '<span class="badge text-bg-{}{}" data-{}="{}">{}{}</span>',
        colors.get(value, "secondary"),
        f" {css}" if css else "",
        data,
        value,
        format_html('<i class="bi bi-{}"></i> ', icon) if icon else "",
        choice_label(choices, value),
    )
