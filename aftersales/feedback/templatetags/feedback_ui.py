"""Badges of the follow-up pages: when a call is due, a score, a rate."""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from ..choices import FollowUpStatus, RemedyStatus

register = template.Library()


@register.simple_tag
def due_badge(followup, now=None):
    """Overdue / due today / not yet (the window opens later) / waiting to call again."""
    now = now or timezone.now()
    if followup.status != FollowUpStatus.OPEN:
        return ""
    today = timezone.localdate(now)
    if now > followup.due_by:
        return format_html('<span class="badge text-bg-danger" data-due="overdue">{}</span>', _("Overdue"))
    if now < followup.due_from:
        return format_html('<span class="badge text-bg-light border" data-due="early">{}</span>', _("Window not open"))
    if now < followup.next_call_at:
        return format_html('<span class="badge text-bg-info" data-due="retry">{}</span>', _("Call again later"))
    if timezone.localdate(followup.due_by) == today:
        return format_html('<span class="badge text-bg-warning" data-due="today">{}</span>', _("Due today"))
    return format_html('<span class="badge text-bg-success" data-due="ok">{}</span>', _("In the window"))


@register.simple_tag
def score_badge(score, top=5):
    """A score coloured by how good it is (— when not answered)."""
    if score is None or score == "":
        return format_html('<span class="text-muted">{}</span>', "—")
    share = float(score) / float(top)
    css = "text-bg-success" if share >= 0.8 else "text-bg-warning" if share > 0.5 else "text-bg-danger"
    return format_html('<span class="badge {}" data-score="{}">{}</span>', css, score, score)


@register.filter
def pct(value):
    return "—" if value is None else f"{value:.1f} %"


@register.filter
def num(value):
    return "—" if value is None else f"{value:.2f}"


@register.simple_tag
def remedy_due_badge(remedy, now=None):
    now = now or timezone.now()
    if remedy.status != RemedyStatus.OPEN:
        return format_html('<span class="badge text-bg-success">{}</span>', remedy.get_status_display())
    if now > remedy.due_at:
        return format_html('<span class="badge text-bg-danger" data-due="overdue">{}</span>', _("Overdue"))
    return format_html('<span class="badge text-bg-warning" data-due="open">{}</span>', remedy.get_status_display())
