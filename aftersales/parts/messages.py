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
