"""SLA badges for the queue and the request page: time left, coloured by state
(ok / warning / breached / paused / met). HTML is built with ``format_html``."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from aftersales.accounts.choices import Role

from ..format import actions_text, duration_text
from ..selectors import TargetStatus, sla_headline, sla_statuses

register = template.Library()

COLOUR_CLASS = {
    "ok": "text-bg-success",
    "warning": "text-bg-warning",
    "breached": "text-bg-danger",
    "paused": "text-bg-secondary",
    # Stopped after its due time: on record, nothing to chase (never the red alarm).
    "late": "text-bg-light border border-secondary text-secondary-emphasis",
    "met": "text-bg-light border",
}
COLOUR_ICON = {
    "ok": "bi-hourglass-top",
    "warning": "bi-hourglass-split",
    "breached": "bi-alarm",
    "paused": "bi-pause-circle",
    "late": "bi-clock-history",
    "met": "bi-check2-circle",
}


def sla_text(status: TargetStatus) -> str:
    """ "3 h 20 min left", "overdue 25 min", "paused · 7 h left", "met", "met 25 min late", "stopped"."""
    if status.colour == "late":
        late = duration_text(status.breach_by) if status.breach_by else ""
        if status.met_at is not None:
            return _("met %(by)s late") % {"by": late} if late else _("met late")
        return _("stopped %(by)s late") % {"by": late} if late else _("stopped late")
    if status.colour == "breached":
        return _("overdue %(by)s") % {"by": duration_text(status.breach_by)} if status.breach_by else _("overdue")
    if status.colour == "met":
        return _("met")
    if status.colour == "paused":
        if status.time_left is None:
            return _("stopped")
        return _("paused · %(left)s left") % {"left": duration_text(status.time_left)}
    return _("%(left)s left") % {"left": duration_text(status.time_left)}


def _due(status: TargetStatus) -> str:
    return timezone.localtime(status.due_at).strftime("%Y-%m-%d %H:%M")


def sla_badge_html(status: TargetStatus):
    return format_html(
        '<span class="badge {} sla-badge" data-sla="{}" data-target="{}" title="{}"><i class="bi {}"></i> {}</span>',
        COLOUR_CLASS[status.colour],
        status.colour,
        status.kind,
        _("%(target)s · due %(due)s") % {"target": status.label, "due": _due(status)},
        COLOUR_ICON[status.colour],
        sla_text(status),
    )


def sla_visible(user) -> bool:
    """Service levels are internal: staff, technicians and partners see them, customers do not."""
    return bool(user and user.is_authenticated and user.role != Role.CUSTOMER)


@register.simple_tag(takes_context=True)
def sla_badge(context, service_request):
    """The most pressing target of a queue row, from its prefetched clocks (no query)."""
    if not sla_visible(context.get("user")):
        return ""
    # The queue shows each row twice (table, and cards on a phone): computed once per row.
    html = getattr(service_request, "_sla_badge_html", None)
    if html is None:
        head = sla_headline(sla_statuses(service_request.sla_clocks.all(), request_status=service_request.status))
        if head is None:
            html = mark_safe('<span class="text-muted" data-sla="none">—</span>')  # noqa: S308 - a constant
        else:
            html = format_html('{}<div class="small text-muted sla-target">{}</div>', sla_badge_html(head), head.label)
        service_request._sla_badge_html = html
    return html


@register.simple_tag
def sla_status_badge(status: TargetStatus):
    return sla_badge_html(status)


@register.filter
def sla_duration(value) -> str:
    return duration_text(value)


@register.filter
def sla_seconds(value) -> str:
    try:
        return duration_text(dt.timedelta(seconds=int(value)))
    except (TypeError, ValueError):
        return ""


@register.simple_tag
def sla_actions(entries):
    """The logged escalation actions in words."""
    try:
        return actions_text(entries)
    except (KeyError, TypeError, ValueError):
        return str(entries)


@register.filter
def sla_target(value, business=False) -> str:
    """A target's length as rules state it: "24 h", "30 min of working time"."""
    from ..format import target_text

    return target_text(value, business=bool(business))


@register.simple_tag
def rule_criteria(rule) -> str:
    """A rule's criteria in words ("type=Repair, region=Urban"), or "any request"."""
    from ..rules import criterion_text
    from ..rules import rule_criteria as criteria

    shown = []
    for attr, _label, value in criteria(rule):
        if attr == "product_category_id":
            shown.append(f"{_label}={rule.product_category}")
        else:
            shown.append(criterion_text(attr, value))
    return ", ".join(shown) if shown else _("any request")


@register.simple_tag
def rule_targets(rule):
    """(label, text) for every target the rule sets."""
    from ..format import target_text
    from ..models import TargetKind

    return [
        (TargetKind(kind).label, target_text(getattr(rule, kind), business=getattr(rule, f"{kind}_business")))
        for kind in TargetKind.values
        if getattr(rule, kind) is not None
    ]


@register.filter
def weekday_label(value) -> str:
    from ..models import Weekday

    try:
        return str(Weekday(int(value)).label)
    except (TypeError, ValueError):
        return ""


@register.filter
def shifts(periods) -> str:
    """(start, end) pairs as "09:00–12:00, 13:30–18:00" (an end of 00:00 is 24:00)."""
    import datetime as _dt

    out = []
    for start, end in periods:
        out.append(f"{start:%H:%M}–{'24:00' if end == _dt.time(0) else format(end, '%H:%M')}")
    return ", ".join(out)
