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
