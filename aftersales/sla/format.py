"""Short, translated durations for badges, notes and notifications: "2 d 3 h", "3 h 20 min", "12 min"."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from aftersales.core.messages import duration_text as core_duration_text
from aftersales.core.messages import render_value
from aftersales.tickets.choices import Priority


def duration_text(value: dt.timedelta | None) -> str:
    """The absolute length of ``value`` in at most two units (rounded down to the minute)."""
    return core_duration_text(value)


def target_text(value: dt.timedelta | None, *, business: bool = False) -> str:
    """A target's length as rules state it: "30 min", "24 h", "48 h", "5 d"; on business
    time "30 min of working time"."""
    if value is None:
        return ""
    minutes = int(value.total_seconds() // 60)
    if minutes % 60 == 0 and minutes < 72 * 60:
        text = _("%(h)d h") % {"h": minutes // 60}
    else:
        text = duration_text(value)
    return _("%(duration)s of working time") % {"duration": text} if business else text


def promise_text(statuses) -> str:
    """What the agent tells the customer at intake, from :func:`selectors.sla_promise_for`:
    "we will contact the customer within 1 h (by 2026-12-07 10:30); a technician will be
    on site within 24 h (by 2026-12-08 09:30)"."""
    from django.utils import timezone

    from .models import TargetKind

    texts = {
        TargetKind.FIRST_RESPONSE: _("we will contact the customer within %(within)s (by %(due)s)"),
        TargetKind.APPOINTMENT_CONTACT: _("we will agree an appointment within %(within)s (by %(due)s)"),
        TargetKind.ARRIVAL: _("a technician will be on site within %(within)s (by %(due)s)"),
        TargetKind.RESOLUTION: _("the request will be resolved within %(within)s (by %(due)s)"),
    }
    parts = []
    for status in statuses:
        within = target_text(dt.timedelta(seconds=status.target_seconds), business=status.business)
        due = timezone.localtime(status.due_at).strftime("%Y-%m-%d %H:%M")
        parts.append(texts[status.kind] % {"within": within, "due": due})
    return pgettext("list separator", "; ").join(parts)


def action_text(entry: dict) -> str:
    """One logged escalation action in words ("notified 3", "priority Normal → High", …)."""
    if entry["action"] == "notify":
        if entry.get("email") and entry["people"]:
            return _("notified %(n)d, also by e-mail") % {"n": entry["people"]}
        return _("notified %(n)d") % {"n": entry["people"]}
    if entry["action"] == "priority":
        if entry["done"]:
            return _("priority %(old)s → %(new)s") % {
                "old": Priority(entry["from"]).label,
                "new": Priority(entry["to"]).label,
            }
        return _("priority not raised: %(why)s") % {"why": render_value(entry["why"])}
    if entry["action"] == "reassign":
        if entry["done"]:
            return _("reassigned")
        return _("not reassigned: %(why)s") % {"why": render_value(entry["why"])}
    return str(entry)


def actions_text(entries) -> str:
    """Every logged action, joined the way the active language lists things."""
    return pgettext("list separator", "; ").join(action_text(e) for e in entries)
