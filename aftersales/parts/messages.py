"""Spare parts' notifications. Registered at start-up (``CoreConfig.ready``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from aftersales.core.messages import register

register(
    "parts.low_stock",
    text=_("%(part)s at %(warehouse)s: %(available)s available, reorder point %(point)s."),
    subject=_("Low stock"),
    label=_("Low stock"),
    icon="bi-box-seam text-warning",
)
register(
    "parts.defective_overdue",
    text=_("Old part %(part)s from %(number)s was due back on %(due)s."),
    subject=_("Old part overdue"),
    label=_("Old part overdue"),
    icon="bi-arrow-return-left text-warning",
)
# A technician (or the parts team) asks for parts on a van: the parts clerks approve it.
register(
    "parts.van_issue_requested",
    text=_("%(who)s asks for parts on van %(van)s from %(source)s: %(lines)s."),
    subject=_("[%(number)s] Parts asked for a van"),
    label=_("Parts asked for a van"),
    icon="bi-truck text-primary",
)
# The technician of the van hears the answer.
register(
    "parts.van_issue_approved",
    text=_("Approved: %(lines)s moved from %(source)s into your van %(van)s."),
    subject=_("[%(number)s] Parts issued to your van"),
    label=_("Parts issued to your van"),
    icon="bi-truck text-success",
)
register(
    "parts.van_issue_rejected",
    text=_("Not approved: %(reason)s"),
    subject=_("[%(number)s] Parts not issued"),
    label=_("Parts not issued"),
    icon="bi-truck text-danger",
)
